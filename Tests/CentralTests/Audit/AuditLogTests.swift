import Central
import Foundation
import GRDB
import Models
import Testing

/// The audit log of a real store: what each action records, and how tampering with the SQLite file shows.
@Suite("Audit log")
struct AuditLogTests {
    /// Whole seconds, so that times survive the millisecond text form exactly.
    private static func clock() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    private static let console = Caller.console(user: "ops")
    private static let supervisor = Caller(userId: "PS-2201", deviceId: "dev-test-sup-1", role: .supervisor)
    private static let staff = Caller(
        userId: "SIA-1012-0001",
        deviceId: "dev-test-staff-1",
        role: .venueStaff,
        venueIds: [Fixture.venueId]
    )

    @Test("an empty log verifies intact with nothing checked")
    func emptyLog() async throws {
        try await withStore { store in
            let verification = try await store.verifyAudit()
            #expect(verification.isIntact)
            #expect(verification.entriesChecked == 0)
            #expect(try await store.auditEntries(matching: AuditFilter()).isEmpty)
        }
    }

    @Test("each action appends its entry, in order, with who, when, what and why")
    func entriesInOrder() async throws {
        try await withStore { store in
            let t0 = Self.clock()
            func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }
            try await store.saveVenue(Fixture.venues[0], by: Self.console, now: at(0))
            try await store.addUser(Fixture.officer, by: Self.console, now: at(1))
            let enrolment = try await store.enrolDevice(
                id: Fixture.deviceId,
                userId: Fixture.author,
                by: Self.console,
                now: at(2)
            )
            _ = try #require(try await store.redeemEnrolment(token: enrolment, now: at(3)))
            var first = Fixture.sighting()
            first.narrative = "Followed a woman from the bar to the taxi rank."
            let second = Fixture.sighting()
            let pushed = try await store.push(
                [Fixture.create(first), Fixture.create(second), Fixture.amend(first.id)],
                by: Fixture.caller,
                now: at(4)
            )
            #expect(pushed.rejected.isEmpty)
            _ = try await store.pull(after: 0, limit: 100, for: Fixture.caller, now: at(5))
            let link = LogOperation(
                deviceId: Self.supervisor.deviceId,
                author: Self.supervisor.userId,
                hlc: Fixture.stamp(counter: 2),
                recordId: second.id,
                payload: .setRegister(.link(RecordLink(target: first.id, kind: .sameSubject), present: true))
            )
            let redact = LogOperation(
                deviceId: Self.supervisor.deviceId,
                author: Self.supervisor.userId,
                hlc: Fixture.stamp(counter: 3),
                recordId: first.id,
                payload: .redact(Redaction(reason: .recordedInError, explanation: "Entered against the wrong venue"))
            )
            let supervised = try await store.push([link, redact], by: Self.supervisor, now: at(6))
            #expect(supervised.rejected.isEmpty)
            _ = try await store.pull(after: 0, limit: 100, for: Self.staff, now: at(7))
            try await store.appendAudit(
                AuditEntry(
                    at: at(8),
                    caller: Self.supervisor,
                    action: .export,
                    recordIds: [second.id],
                    scope: "all records, as csv",
                    count: 1,
                    reason: "Licensing review",
                    recipient: "Licensing unit"
                )
            )
            let rotated = try await store.rotateToken(deviceId: Fixture.deviceId, by: Self.console, now: at(9))
            #expect(AccessToken.isWellFormed(rotated))
            try await store.revokeDevice(id: Fixture.deviceId, by: Self.console, now: at(10))

            let entries = try await store.auditEntries(matching: AuditFilter())
            #expect(entries.map(\.seq) == Array(1...Int64(entries.count)))
            #expect(
                entries.map(\.action) == [
                    .venueSaved, .userAdded, .enrol, .enrolmentRedeemed, .push, .pull, .push, .link, .redact, .pull,
                    .export, .rotate, .revoke,
                ]
            )
            #expect(entries.map(\.at) == [0, 1, 2, 3, 4, 5, 6, 6, 6, 7, 8, 9, 10].map(at))
            try #require(entries.count == 13)

            #expect(entries[0].actor == "console:ops")
            #expect(entries[0].deviceId == "console@" + ProcessInfo.processInfo.hostName, "the machine it ran on")
            #expect(entries[0].role == .admin)
            #expect(entries[0].subject == Fixture.venueId)
            #expect(entries[1].subject == Fixture.author)
            #expect(entries[2].subject == Fixture.deviceId)
            #expect(entries[3].actor == Fixture.author)
            #expect(entries[3].deviceId == Fixture.deviceId)
            #expect(entries[3].role == .officer)
            #expect(entries[3].subject == Fixture.deviceId)

            let push = entries[4]
            #expect(push.actor == Fixture.author)
            #expect(push.deviceId == Fixture.deviceId)
            #expect(push.recordIds == [first.id, second.id])
            #expect(push.count == 3)

            #expect(entries[5].scope == "all venues")
            #expect(entries[5].count == 3)
            #expect(entries[5].recordIds == [first.id, second.id])
            #expect(entries[5].positions == AuditEntry.Positions(first: 1, last: 3))
            #expect(entries[5].actor == Fixture.author)

            #expect(entries[6].actor == Self.supervisor.userId)
            #expect(entries[6].role == .supervisor)
            #expect(entries[6].recordIds == [second.id, first.id])
            #expect(entries[6].count == 2)
            #expect(entries[7].recordIds == [second.id, first.id])
            #expect(entries[7].scope == "linked")
            #expect(entries[8].recordIds == [first.id])
            #expect(entries[8].reason == RedactionReason.recordedInError.rawValue)

            #expect(entries[9].actor == Self.staff.userId)
            #expect(entries[9].role == .venueStaff)
            #expect(entries[9].scope == "venues \(Fixture.venueId)")
            // Exactly what was sent: the record's operations but the link, a register only the police receive.
            #expect(entries[9].count == 4)

            #expect(entries[10].reason == "Licensing review")
            #expect(entries[10].recipient == "Licensing unit")
            #expect(entries[10].recordIds == [second.id])
            #expect(entries[11].subject == Fixture.deviceId)
            #expect(entries[12].subject == Fixture.deviceId)

            try await TestAuditKey.sealAll(store)
            let verification = try await store.verifyAudit(publicKey: TestAuditKey.key.publicKey)
            #expect(verification.isIntact, "\(verification.problems)")
            #expect(verification.entriesChecked == 13)
        }
    }

    @Test("the log never holds record content or tokens")
    func noContent() async throws {
        try await withStoreDirectory { directory in
            let store = try SQLiteCentralStore(directory: directory)
            let token = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer)
            var sighting = Fixture.sighting()
            sighting.narrative = "Followed a woman from the bar to the taxi rank."
            _ = try await store.push([Fixture.create(sighting)], by: Fixture.caller, now: Date())
            _ = try await store.pull(after: 0, limit: 10, for: Fixture.caller, now: Date())
            let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteCentralStore.fileName).path)
            let bodies = try await database.read { db in try String.fetchAll(db, sql: "SELECT body FROM audit") }
            try database.close()
            #expect(bodies.count == 5, "user added, device enrolled, enrolment redeemed, push, pull")
            #expect(bodies.contains { $0.contains(sighting.id.uuidString) }, "the search sees record ids")
            #expect(!bodies.contains { $0.contains("taxi rank") })
            #expect(!bodies.contains { $0.contains(token.dropFirst(4)) })
        }
    }

    @Test("entries can be listed by actor, record and time")
    func filters() async throws {
        try await withStore { store in
            let t0 = Self.clock()
            let sighting = Fixture.sighting()
            try await store.addUser(Fixture.officer, by: Self.console, now: t0)
            _ = try await store.push([Fixture.create(sighting)], by: Fixture.caller, now: t0.addingTimeInterval(10))
            _ = try await store.pull(after: 0, limit: 10, for: Fixture.caller, now: t0.addingTimeInterval(20))
            try await store.appendAudit(
                AuditEntry(
                    at: t0.addingTimeInterval(30),
                    caller: Self.supervisor,
                    action: .show,
                    recordIds: [sighting.id],
                    count: 1,
                    reason: "Review"
                )
            )
            let byActor = try await store.auditEntries(matching: AuditFilter(actor: Fixture.author))
            #expect(byActor.map(\.action) == [.push, .pull])
            // The pull sent the record, so its entry names it: a disclosure is found by the record too.
            let byRecord = try await store.auditEntries(matching: AuditFilter(recordId: sighting.id))
            #expect(byRecord.map(\.action) == [.push, .pull, .show])
            #expect(byRecord.map(\.seq) == [2, 3, 4])
            let window = try await store.auditEntries(
                matching: AuditFilter(since: t0.addingTimeInterval(10), until: t0.addingTimeInterval(30))
            )
            #expect(window.map(\.action) == [.push, .pull], "since is inclusive, until exclusive")
            #expect(try await store.auditEntries(matching: AuditFilter(actor: "PC-0000")).isEmpty)
        }
    }

    // MARK: Tampering

    /// How many entries `verifyAfter` writes before tampering.
    private static let entryCount: Int64 = 8

    /// Writes `entryCount` entries through the store, sealing after each (so every entry has its own signed
    /// head), checks the log is intact, changes the SQLite file directly with `tamper`, and returns what the
    /// verification then finds.
    private func verifyAfter(_ tamper: @escaping @Sendable (Database) throws -> Void) async throws -> AuditVerification
    {
        try await withStoreDirectory { directory in
            let store = try SQLiteCentralStore(directory: directory)
            let t0 = Self.clock()
            for index in 0..<Int(Self.entryCount) {
                try await store.addUser(
                    UserAccount(id: "PC-\(1000 + index)", role: .officer),
                    by: Self.console,
                    now: t0.addingTimeInterval(TimeInterval(index))
                )
                try await TestAuditKey.sealAll(store)
            }
            let before = try await store.verifyAudit(publicKey: TestAuditKey.key.publicKey)
            #expect(before.isIntact)
            #expect(before.entriesChecked == Int(Self.entryCount) && before.headsChecked == Int(Self.entryCount))
            let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteCentralStore.fileName).path)
            try await database.write(tamper)
            try database.close()
            return try await store.verifyAudit(publicKey: TestAuditKey.key.publicKey)
        }
    }

    @Test("an entry whose body was changed is reported changed at that entry")
    func changedBody() async throws {
        let result = try await verifyAfter { db in
            try db.execute(sql: "UPDATE audit SET body = replace(body, 'PC-1003', 'PC-1009') WHERE seq = 4")
            #expect(db.changesCount == 1)
        }
        #expect(result.problems.first?.seq == 4)
        #expect(result.problems.first?.kind == .changed)
        #expect(result.entriesChecked == 8)
    }

    @Test("an entry removed from the middle is reported removed, naming the gap, at the entry after it")
    func removedMiddle() async throws {
        let result = try await verifyAfter { db in try db.execute(sql: "DELETE FROM audit WHERE seq = 4") }
        #expect(result.problems.first?.seq == 5)
        #expect(result.problems.first?.kind == .removed)
        #expect(result.problems.first?.message.contains("Leaves 3 to 3") == true, "\(result.problems)")
        #expect(result.entriesChecked == 7)
    }

    @Test("several entries removed from the middle are reported as one gap")
    func removedRange() async throws {
        let result = try await verifyAfter { db in try db.execute(sql: "DELETE FROM audit WHERE seq IN (3, 4, 5)") }
        #expect(result.problems.first?.seq == 6)
        #expect(result.problems.first?.kind == .removed)
        #expect(result.problems.first?.message.contains("2 to 4") == true, "\(result.problems)")
    }

    @Test("two entries swapped are reported as the first signed head they no longer match")
    func reordered() async throws {
        let result = try await verifyAfter { db in
            try db.execute(sql: "UPDATE audit SET leafIndex = -1 WHERE seq = 4")
            try db.execute(sql: "UPDATE audit SET leafIndex = 3 WHERE seq = 5")
            try db.execute(sql: "UPDATE audit SET leafIndex = 4 WHERE seq = 4")
        }
        // Heads of sizes 1 to 3 still hold; the head of size 4 is the first that fails: leaves 3 to 3.
        #expect(result.problems.first?.kind == .rewritten, "\(result.problems)")
        #expect(result.problems.first?.leafIndex == 3)
        #expect(result.problems.first?.message.contains("leaves 3 to 3") == true, "\(result.problems)")
        #expect(result.entriesChecked == 8)
    }

    @Test("the last entry removed is reported removed at the end of the log")
    func removedLast() async throws {
        let result = try await verifyAfter { db in try db.execute(sql: "DELETE FROM audit WHERE seq = 8") }
        #expect(result.problems.map(\.kind) == [.removed])
        #expect(result.problems.first?.leafIndex == 7)
        #expect(result.entriesChecked == 7)
    }

    @Test("an entry added outside the server is reported where it sits")
    func addedOutside() async throws {
        let result = try await verifyAfter { db in
            try db.execute(
                sql: "INSERT INTO audit (body, leafIndex, leafHash) SELECT body, 8, leafHash FROM audit WHERE seq = 8"
            )
        }
        #expect(result.problems.map(\.kind) == [.inserted])
        #expect(result.problems.first?.seq == 9)
    }

    @Test("an entry rewritten with a freshly computed leaf hash no longer matches the heads signed since")
    func rewrittenWithHash() async throws {
        let result = try await verifyAfter { db in
            let body = try #require(try String.fetchOne(db, sql: "SELECT body FROM audit WHERE seq = 4"))
                .replacingOccurrences(of: "PC-1003", with: "PC-1009")
            try db.execute(
                sql: "UPDATE audit SET body = ?, leafHash = ? WHERE seq = 4",
                arguments: [body, MerkleHash.leaf(Data(body.utf8))]
            )
        }
        #expect(result.problems.first?.kind == .rewritten, "\(result.problems)")
        #expect(result.problems.first?.leafIndex == 3)
        #expect(result.problems.count == 2, "the first head that fails, and how many later ones fail too")
    }

    @Test("a stored head that is not a signed head at all is named, not a failure of verify")
    func unreadableHead() async throws {
        let result = try await verifyAfter { db in
            try db.execute(sql: "UPDATE auditTreeHead SET note = 'garbage' WHERE treeSize = 5")
        }
        #expect(result.problems.map(\.kind) == [.badSignature], "\(result.problems)")
        #expect(result.problems.first?.leafIndex == 5)
        #expect(result.headsChecked == 7)
    }
}
