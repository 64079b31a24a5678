import Central
import Foundation
import Models
import Testing

/// The audit log, read with `admin audit list --json` on the server's data directory (the listing is itself
/// logged after it).
func auditLog(_ server: ServeProcess) throws -> [AuditEntry] {
    let listed = try CLIRunner.run(["admin", "audit", "list", "--data", server.data.path, "--json"])
    try #require(listed.status == 0, "stderr was: \(listed.stderr)")
    return try listed.stdout.split(separator: "\n").map {
        try WireCoding.decode(AuditEntry.self, from: Data($0.utf8))
    }
}

/// The line of `admin device list` for one device ("" when it is not listed).
func deviceLine(_ id: String, _ server: ServeProcess) throws -> String {
    let listed = try CLIRunner.run(["admin", "device", "list", "--data", server.data.path])
    #expect(listed.status == 0, "stderr was: \(listed.stderr)")
    return listed.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix(id + " ") } ?? ""
}
