import Central
import Foundation
import Models
import Testing

/// Free text that reaches the audit log is one line of plain text, checked by the server (`TextRules`).
@Suite("Access over real HTTP: text kept in the audit log")
struct AccessAuditTextTests {
    /// The attack as a new user tried it: a recipient that ends its line, forges a genuine-looking entry and
    /// clears the terminal line with an ESC sequence.
    static let forgedRecipient =
        "CPS Merseyside\n#42  2026-12-06T10:00:00.000Z  PS-2210  dev-sup-01  export  to: nobody\u{1B}[2K"

    /// A request, the parameter that breaks the rule, and who sends it.
    struct BadText: Sendable, CustomTestStringConvertible {
        var path: String
        var parameter: String
        var who: AccessWho
        var testDescription: String { "\(parameter) in \(path.prefix(while: { $0 != "?" })): \(path.suffix(24))" }
    }

    static let cases: [BadText] = [
        BadText(
            path: "/v1/records/export"
                + accessQuery(["reason": "Case file 26/1187", "recipient": forgedRecipient, "format": "json"]),
            parameter: "recipient",
            who: .supervisor
        ),
        BadText(
            path: "/v1/records/export" + accessQuery(["reason": "Case file", "recipient": "CPS\u{202E}eton"]),
            parameter: "recipient",
            who: .supervisor
        ),
        BadText(
            path: "/v1/records/export" + accessQuery(["reason": "Case file", "recipient": "CPS\tMerseyside"]),
            parameter: "recipient",
            who: .staffA
        ),
        BadText(
            path: "/v1/records/export" + accessQuery(["reason": "Case\u{7F} file", "recipient": "CPS"]),
            parameter: "reason",
            who: .supervisor
        ),
        BadText(
            path: "/v1/records" + accessQuery(["reason": "Weekly\u{85}review"]),
            parameter: "reason",
            who: .supervisor
        ),
        BadText(
            path: "/v1/records" + accessQuery(["reason": "Weekly \u{2066}review"]),
            parameter: "reason",
            who: .staffA
        ),
        BadText(
            path: "/v1/records" + accessQuery(["reason": "Weekly review\u{200F}"]),
            parameter: "reason",
            who: .staffA
        ),
        BadText(
            path: "/v1/records" + accessQuery(["reason": "Weekly\u{2028}review"]),
            parameter: "reason",
            who: .supervisor
        ),
        BadText(path: "/v1/admin/audit" + accessQuery(["actor": "PC-4127\u{1B}[2K"]), parameter: "actor", who: .admin),
        BadText(
            path: "/v1/admin/audit" + accessQuery(["actor": "PC-4127\u{061C}"]),
            parameter: "actor",
            who: .supervisor
        ),
    ]

    @Test(
        "free text with control or text-direction characters is 400 control-characters naming it; nothing is logged",
        arguments: cases
    )
    func refused(_ bad: BadText) async throws {
        try await AccessWorld.run { world in
            let before = try await world.store.accessAuditLog()
            let reply = try await world.http.get(bad.path, bearer: world.token(bad.who))
            expectAccessError(reply, status: 400, code: "control-characters", bad.testDescription)
            let error = try reply.decode(ErrorBody.self)
            #expect(error.message.contains("'\(bad.parameter)'"), "\(error.message)")
            // The message never repeats the refused text.
            #expect(!error.message.contains("Merseyside") && !error.message.contains("PC-4127"))
            // (Compared by position: the sealer may give entries their leaves meanwhile.)
            #expect(try await world.store.accessAuditLog().map(\.seq) == before.map(\.seq), "a refused read was logged")
        }
    }

    @Test("plain text beyond ASCII is kept as it is: a recipient with accents and a dash, a reason with an apostrophe")
    func plainTextAccepted() async throws {
        try await AccessWorld.run { world in
            let recipient = "Crown Prosecution Service – Café Quarter’s team"
            let reply = try await world.http.get(
                "/v1/records/export"
                    + accessQuery(["reason": "Officer’s case file 26/1187", "recipient": recipient, "format": "json"]),
                bearer: world.token(.supervisor)
            )
            #expect(reply.status == 200, "\(reply)")
            let last = try #require(try await world.store.accessAuditLog().last)
            #expect(
                last.action == .export && last.recipient == recipient && last.reason == "Officer’s case file 26/1187"
            )
        }
    }

    @Test("the venue list, the admin lists and the audit log's verification are logged, naming user and device")
    func readsLogged() async throws {
        try await AccessWorld.run { world in
            let reads: [(AccessWho, String, AuditEntry.Action)] = [
                (.staffA, "/v1/venues", .venuesRead),
                (.admin, "/v1/admin/venues", .venuesRead),
                (.admin, "/v1/admin/users", .usersRead),
                (.admin, "/v1/admin/devices", .devicesRead),
                (.supervisor, "/v1/admin/audit/verify", .auditVerified),
                (.admin, "/v1/admin/audit?actor=PC-4127", .auditRead),
            ]
            for (who, path, action) in reads {
                let before = try await world.store.accessAuditLog()
                let reply = try await world.http.get(path, bearer: world.token(who))
                #expect(reply.status == 200, "\(path): \(reply)")
                let added = try await world.store.accessAuditLog().dropFirst(before.count)
                #expect(added.map(\.action) == [action], "\(path)")
                let caller = world.caller(who)
                #expect(added.first?.actor == caller.userId && added.first?.deviceId == caller.deviceId, "\(path)")
                #expect(added.first?.count != nil, "\(path): how much was read")
            }
            let entries = try await world.store.accessAuditLog()
            #expect(entries.last?.scope == "actor PC-4127", "the audit read names its filter")
            #expect(entries.dropLast().last?.scope == "intact", "the verification names what it found")
        }
    }
}
