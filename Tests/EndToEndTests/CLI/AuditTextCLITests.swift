import Central
import Foundation
import Models
import Testing

/// The audit log as a person reads it through the real executable: free text that would not show as one plain
/// line is refused before it is sent, entries stored anyway are shown escaped, and reads are logged.
@Suite("Command line: the audit log on screen")
struct AuditTextCLITests {
    /// The attack as a new user tried it: a recipient that ends its line, forges a genuine-looking entry and
    /// clears the terminal line with an ESC sequence.
    static let forgedRecipient =
        "CPS Merseyside\n#42  2026-12-06T10:00:00.000Z  PS-2210  dev-sup-01  export  to: nobody\u{1B}[2K"

    @Test("an export whose recipient forges an entry is refused by the CLI before sending, and nothing is logged")
    func forgedRecipientRefused() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try makeTemporaryDirectory().appendingPathComponent("supervisor")
        try server.enrolDevice("dev-sup-01", user: "PS-2210", role: "supervisor", in: device)
        let cases: [(option: String, reason: String, recipient: String)] = [
            ("--recipient", "Case file 26/1187", Self.forgedRecipient),
            ("--recipient", "Case file 26/1187", "CPS \u{202E}edisyesreM"),
            ("--reason", "Case file\u{1B}[31m 26/1187", "CPS Merseyside"),
            ("--reason", "Case file\u{9B}26/1187", "CPS Merseyside"),
        ]
        for (option, reason, recipient) in cases {
            let exported = try CLIRunner.run([
                "export", "--reason", reason, "--recipient", recipient, "--format", "json", "--data", device.path,
            ])
            #expect(exported.status != 0, "\(option): \(exported.stdout)")
            // The CLI's own message (the server's names "parameter 'recipient'"): refused before anything was sent.
            #expect(exported.stderr.contains("value of \(option)"), "stderr was: \(exported.stderr)")
            #expect(exported.stderr.contains("one line of printable text"), "stderr was: \(exported.stderr)")
            #expect(!exported.stderr.contains("Merseyside") && !exported.stderr.contains("nobody"))
        }
        #expect(try auditLog(server).allSatisfy { $0.action != .export }, "a refused export was logged")
        // A plain recipient goes through, and is logged.
        let plain = try CLIRunner.run([
            "export", "--reason", "Case file 26/1187", "--recipient", "CPS Merseyside", "--format", "json", "--data",
            device.path,
        ])
        #expect(plain.status == 0, "stderr was: \(plain.stderr)")
        #expect(try auditLog(server).contains { $0.action == .export && $0.recipient == "CPS Merseyside" })
    }

    @Test("admin audit list shows an entry stored with control and text-direction characters as one escaped line")
    func storedEntryEscaped() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        // An entry stored before the rule, or written behind the server's back.
        let store = try SQLiteCentralStore(directory: server.data)
        let supervisor = Caller(userId: "PS-2210", deviceId: "dev-sup-01", role: .supervisor)
        try await store.appendAudit(
            AuditEntry(
                at: Date(),
                caller: supervisor,
                action: .export,
                scope: "all records, as json",
                count: 0,
                reason: "Case \u{202E}7811/62 elif",
                recipient: Self.forgedRecipient
            )
        )
        try await store.appendAudit(
            AuditEntry(at: Date(), caller: supervisor, action: .search, reason: "Weekly review")
        )
        let entries = try auditLog(server)

        let listed = try CLIRunner.run(["admin", "audit", "list", "--data", server.data.path])
        #expect(listed.status == 0, "stderr was: \(listed.stderr)")
        let lines = listed.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // One line an entry (the listing before this one is logged too), each starting with its position.
        #expect(lines.count == entries.count + 1, "\(listed.stdout)")
        #expect(lines.allSatisfy { $0.hasPrefix("#") }, "\(listed.stdout)")
        #expect(!listed.stdout.unicodeScalars.contains { TextRules.isUnsafe($0) && $0 != "\n" })
        let forged = try #require(lines.first { $0.contains("CPS Merseyside") })
        #expect(forged.contains("to: CPS Merseyside\\n#42  2026-12-06T10:00:00.000Z"))
        #expect(forged.contains("to: nobody\\u{1B}[2K"))
        #expect(forged.contains("reason: Case \\u{202E}7811/62 elif"))
        // Plain entries read as they always did.
        #expect(lines.contains { $0.hasSuffix("PS-2210  dev-sup-01  search  reason: Weekly review") })
    }

    @Test("the console's reads of the lists and of the log are logged, naming the console user and device")
    func consoleReadsLogged() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let environment = ["USER": "auditor"]
        for command in [["venue", "list"], ["user", "list"], ["device", "list"], ["audit", "verify"]] {
            let ran = try CLIRunner.run(["admin"] + command + ["--data", server.data.path], environment: environment)
            #expect(ran.status == 0, "\(command): \(ran.stderr)")
        }
        let entries = try auditLog(server)
        let reads = entries.filter { $0.actor == "console:auditor" }
        #expect(reads.map(\.action) == [.venuesRead, .usersRead, .devicesRead, .auditVerified])
        #expect(reads.allSatisfy { $0.deviceId.hasPrefix("console@") && $0.count != nil })
        #expect(reads.last?.scope == "intact")
    }
}
