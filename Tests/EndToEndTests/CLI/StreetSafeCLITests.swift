import Central
import Foundation
import GRDB
import Models
import Testing

/// `admin streetsafe import` through the real executable, on a running server's data directory.
@Suite("Command line: StreetSafe import")
struct StreetSafeCLITests {
    static let canary = "CANARY-free-text-7f3a"

    static func storedCount(_ server: ServeProcess) throws -> Int {
        try DatabaseQueue(path: server.databasePath).read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM streetSafeReport") ?? -1
        }
    }

    @Test("a file with a bad row stores nothing and names the line; a good one is stored, free text dropped")
    func allOrNothing() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let directory = try makeTemporaryDirectory()
        let bad = directory.appendingPathComponent("bad.csv")
        try """
        time,latitude,longitude,reasons,description
        2026-11-21T23:40:00Z,53.4034,-2.98,poor-lighting,\(Self.canary)
        2026-11-21T23:50:00Z,53.4034,-2.98,walking-home,
        2026-11-21T23:55:00Z,53.4034,-2.98,other,

        """.write(to: bad, atomically: true, encoding: .utf8)
        let refused = try CLIRunner.run(["admin", "streetsafe", "import", bad.path, "--data", server.data.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("line 3: a reason is not one of"), "stderr was: \(refused.stderr)")
        #expect(!refused.stderr.contains(Self.canary))
        #expect(try Self.storedCount(server) == 0)

        let good = directory.appendingPathComponent("good.csv")
        try String(contentsOf: bad, encoding: .utf8).replacingOccurrences(of: "walking-home", with: "being-followed")
            .write(to: good, atomically: true, encoding: .utf8)
        let imported = try CLIRunner.run(["admin", "streetsafe", "import", good.path, "--data", server.data.path])
        #expect(imported.status == 0, "stderr was: \(imported.stderr)")
        #expect(imported.stdout.contains("Imported 3 StreetSafe reports"))
        #expect(try Self.storedCount(server) == 3)
        let entries = try auditLog(server).filter { $0.action == .streetSafeImported }
        #expect(entries.count == 1 && entries.first?.count == 3)
        for file in try FileManager.default.contentsOfDirectory(atPath: server.data.path) {
            let bytes = FileManager.default.contents(atPath: server.data.appendingPathComponent(file).path) ?? Data()
            #expect(bytes.range(of: Data(Self.canary.utf8)) == nil, "the free text is in \(file)")
        }
        // Through the API it is refused: imports happen on the server's store only.
        let remote = try CLIRunner.run([
            "admin", "streetsafe", "import", good.path, "--server", server.url.absoluteString, "--token-file",
            "/dev/null",
        ])
        #expect(remote.status != 0 && remote.stderr.contains("--data DIR or --database URL"))
    }
}
