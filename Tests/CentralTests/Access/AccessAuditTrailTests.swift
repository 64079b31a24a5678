import Central
import Foundation
import GRDB
import Models
import Testing

/// A way of tampering with the audit table directly in SQLite, behind the server's back.
enum AccessTamper: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Entry 5's JSON edited (its actor changed).
    case update
    /// Entry 5 deleted.
    case delete
    /// The last entry deleted (the head still names it).
    case deleteLast = "delete last"
    /// Entries 5 and 6 swapped.
    case reorder
    /// Entry 5 edited and its own hash recomputed, as a forger who knows the scheme would.
    case updateAndRehash = "update and rehash"

    var description: String { rawValue }
}

@Suite("Access over real HTTP: the audit trail")
struct AccessAuditTrailTests {
    @Test("a redaction is audited with metadata only: no content of the redacted record anywhere in the audit table")
    func redactionMetadataOnly() async throws {
        try await AccessWorld.run { world in
            let officer = AccessPeople.officer
            let marker = "Q\(UUID().uuidString.prefix(8))"
            let content = [
                "Narrative \(marker) left with a woman who seemed unsteady",
                "Place \(marker) rear of the bins",
                "Clothing \(marker) green bomber jacket",
                "Features \(marker) scar over the left eye",
                "Amended \(marker) narrative after the debrief",
                "Reason \(marker) spoke to the door supervisor",
            ]
            let now = Date().truncatedToMilliseconds
            let recordId = UUID()
            let sighting = Sighting(
                id: recordId,
                occurredAt: now.addingTimeInterval(-120),
                recordedAt: now,
                reporter: officer.userId,
                location: Location(venueId: AccessVenue.a.id, place: content[1]),
                behaviours: [.following],
                subject: SubjectDescription(clothing: content[2], distinguishingFeatures: content[3]),
                riskLevel: .high,
                narrative: content[0]
            )
            let create = AccessOps.make(officer, recordId: recordId, payload: .createSighting(sighting))
            let amend = AccessOps.amend(by: officer, recordId, field: .narrative, value: content[4], reason: content[5])
            let pushed = try await world.http.push(
                [create, amend],
                deviceId: officer.deviceId,
                bearer: world.token(.officer)
            )
            #expect(try pushed.decode(PushResponse.self).accepted == [create.opId, amend.opId])
            // The content is in the store (so the searches below can find it where it is).
            for text in content {
                #expect(try await rows(world, "SELECT COUNT(*) FROM operation WHERE instr(body, ?) > 0", text) == 1)
            }

            let auditBefore = try await world.store.accessAuditLog()
            let redact = AccessOps.redact(by: AccessPeople.supervisor, recordId)
            let reply = try await world.http.push(
                [redact],
                deviceId: AccessPeople.supervisor.deviceId,
                bearer: world.token(.supervisor)
            )
            #expect(try reply.decode(PushResponse.self).accepted == [redact.opId], "\(reply)")

            let added = Array(try await world.store.accessAuditLog().dropFirst(auditBefore.count))
            #expect(added.map(\.action) == [.push, .redact])
            if added.count == 2 {
                AccessAuditExpectation(action: .push, caller: AccessPeople.supervisor, recordIds: [recordId], count: 1)
                    .check(added[0], "the redaction's push")
                AccessAuditExpectation(
                    action: .redact,
                    caller: AccessPeople.supervisor,
                    recordIds: [recordId],
                    reason: RedactionReason.recordedInError.rawValue
                ).check(added[1], "the redaction")
            }
            // Nothing of the content in any audit row, nor in the operations any more.
            for text in content + [marker] {
                #expect(try await rows(world, "SELECT COUNT(*) FROM audit WHERE instr(body, ?) > 0", text) == 0)
                #expect(try await rows(world, "SELECT COUNT(*) FROM operation WHERE instr(body, ?) > 0", text) == 0)
            }
            let listed = try await world.http.get(
                "/v1/admin/audit" + accessQuery(["record": recordId.text]),
                bearer: world.token(.admin)
            )
            #expect(try listed.decode(AuditList.self).entries.map(\.action) == [.push, .push, .redact])
            #expect(!listed.text.contains(marker))
        }
    }

    @Test("reading the audit log is itself audited, and only the entries asked for are returned")
    func auditReadIsAudited() async throws {
        try await AccessWorld.run { world in
            let seed = world.seed
            // A supervisor's read of the sighting at A, then the log of that record.
            let show = try await world.http.get(
                "/v1/records/\(seed.sightingA.text)" + accessQuery(["reason": "Case review"]),
                bearer: world.token(.supervisor)
            )
            #expect(show.status == 200)
            let reply = try await world.http.get(
                "/v1/admin/audit" + accessQuery(["record": seed.sightingA.text]),
                bearer: world.token(.admin)
            )
            let entries = try reply.decode(AuditList.self).entries
            // The officer's push, the supervisor's review push, and the supervisor's show.
            #expect(entries.map(\.action) == [.push, .push, .show])
            #expect(entries.map(\.actor) == ["PC-4127", "PS-2210", "PS-2210"])
            #expect(entries.allSatisfy { $0.recordIds.contains(seed.sightingA) })
            let last = try #require(try await world.store.accessAuditLog().last)
            AccessAuditExpectation(
                action: .auditRead,
                caller: AccessPeople.admin,
                scope: "record \(seed.sightingA.text)",
                count: 3
            )
            .check(last, "audit read")

            let byActor = try await world.http.get(
                "/v1/admin/audit" + accessQuery(["actor": "SIA-1012-0002"]),
                bearer: world.token(.supervisor)
            )
            let staffEntries = try byActor.decode(AuditList.self).entries
            #expect(!staffEntries.isEmpty && staffEntries.allSatisfy { $0.actor == "SIA-1012-0002" })
        }
    }

    @Test(
        "tampering with the audit table in SQLite is reported by GET /v1/admin/audit/verify, named",
        arguments: AccessTamper.allCases
    )
    func tampering(_ tamper: AccessTamper) async throws {
        try await AccessWorld.run { world in
            let intact = try await sealed(world)
            let count = try await world.store.accessAuditLog().count
            #expect(intact.isIntact, "\(intact.problems)")
            #expect(intact.signaturesChecked)
            try #require(count > 10)

            // The server's sealer writes every half second meanwhile: wait for it rather than fail on its lock.
            var waiting = Configuration()
            waiting.busyMode = .timeout(30)
            let database = try DatabaseQueue(path: world.databasePath, configuration: waiting)
            try await database.write { db in
                switch tamper {
                case .update:
                    try db.execute(
                        sql: #"UPDATE audit SET body = replace(body, '"actor":"', '"actor":"X') WHERE seq = 5"#
                    )
                case .delete:
                    try db.execute(sql: "DELETE FROM audit WHERE seq = 5")
                case .deleteLast:
                    try db.execute(sql: "DELETE FROM audit WHERE leafIndex = (SELECT MAX(leafIndex) FROM audit)")
                case .reorder:
                    try db.execute(sql: "UPDATE audit SET leafIndex = -1 WHERE seq = 5")
                    try db.execute(sql: "UPDATE audit SET leafIndex = 4 WHERE seq = 6")
                    try db.execute(sql: "UPDATE audit SET leafIndex = 5 WHERE seq = 5")
                case .updateAndRehash:
                    let body = try #require(try String.fetchOne(db, sql: "SELECT body FROM audit WHERE seq = 5"))
                        .replacingOccurrences(of: #""actor":""#, with: #""actor":"X"#)
                    try db.execute(
                        sql: "UPDATE audit SET body = ?, leafHash = ? WHERE seq = 5",
                        arguments: [body, MerkleHash.leaf(Data(body.utf8))]
                    )
                }
                #expect(db.changesCount == 1, "the tampering changed nothing")
            }
            try database.close()

            let expected: (seq: Int64?, kind: AuditVerification.Problem.Kind) =
                switch tamper {
                case .update: (5, .changed)
                case .delete: (6, .removed)
                // (The sealer may have sealed newer entries since, leaving the gap in the middle.)
                case .deleteLast: (nil, .removed)
                // Each entry still matches its own hash; the signed heads' roots do not.
                case .reorder: (nil, .rewritten)
                case .updateAndRehash: (nil, .rewritten)
                }
            for who in [AccessWho.admin, .supervisor] {
                let found = try await verify(world, who)
                #expect(found.problems.first?.kind == expected.kind, "\(tamper): \(found.problems)")
                if let seq = expected.seq {
                    #expect(found.problems.first?.seq == seq, "\(tamper): \(found.problems)")
                }
                if expected.kind == .rewritten {
                    // The first head that fails names the leaves: entry 5 is leaf 4.
                    let range = try #require(found.problems.first)
                    #expect((range.leafIndex ?? .max) <= 4, "\(range)")
                }
                #expect(found.problems.allSatisfy { !$0.message.isEmpty })
                #expect(!found.isIntact)
            }
        }
    }

    @Test("the transparency endpoints answer bad parameters with 400 and unknown entries with 404, never a crash")
    func transparencyParameters() async throws {
        try await AccessWorld.run { world in
            _ = try await sealed(world)
            let token = world.token(.supervisor)
            for (uri, status) in [
                ("/v1/admin/audit/consistency", 400), ("/v1/admin/audit/consistency?from=0", 400),
                ("/v1/admin/audit/consistency?from=x", 400), ("/v1/admin/audit/consistency?from=999999999", 404),
                ("/v1/admin/audit/proof/abc", 400), ("/v1/admin/audit/proof/0", 400),
                ("/v1/admin/audit/proof/99999999999999999999", 400), ("/v1/admin/audit/proof/999999", 404),
                ("/v1/admin/audit/consistency?from=1", 200), ("/v1/admin/audit/proof/1", 200),
                ("/v1/admin/audit/head", 200),
            ] {
                let reply = try await world.http.get(uri, bearer: token)
                #expect(reply.status == status, "\(uri): \(reply)")
            }
            let officer = try await world.http.get("/v1/admin/audit/head", bearer: world.token(.officer))
            #expect(officer.status == 403)
        }
    }

    /// The verification once the sealer has taken every entry written so far.
    private func sealed(_ world: AccessWorld) async throws -> AuditVerification {
        for _ in 0..<100 {
            let verification = try await verify(world, .admin)
            if verification.entriesUnsealed == 0 { return verification }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the sealer left entries unsealed for 10 s")
        return try await verify(world, .admin)
    }

    private func verify(_ world: AccessWorld, _ who: AccessWho) async throws -> AuditVerification {
        let reply = try await world.http.get("/v1/admin/audit/verify", bearer: world.token(who))
        try #require(reply.status == 200, "\(reply)")
        return try reply.decode(AuditVerification.self)
    }

    /// Counts rows of the store's database file, read directly with SQLite.
    private func rows(_ world: AccessWorld, _ sql: String, _ text: String) async throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: world.databasePath, configuration: configuration)
        defer { try? database.close() }
        return try await database.read { db in try Int.fetchOne(db, sql: sql, arguments: [text]) ?? -1 }
    }
}
