import Central
import Foundation
import Models
import Testing

@Suite("SQLiteCentralStore")
struct SQLiteCentralStoreTests {
    @Test("an amendment pushed after its create shows in record(id:) with the original kept")
    func amendmentAfterCreate() async throws {
        try await withStore { store in
            let sighting = Fixture.sighting()
            let create = Fixture.create(sighting)
            let createOutcome = try await store.push([create], by: Fixture.caller, now: Date())
            #expect(createOutcome.accepted == [create.opId])

            let amend = Fixture.amend(sighting.id, field: .riskLevel, value: "high")
            let amendOutcome = try await store.push([amend], by: Fixture.caller, now: Date())
            #expect(amendOutcome.accepted == [amend.opId])
            #expect(amendOutcome.rejected.isEmpty)

            let state = try #require(try await store.record(id: sighting.id))
            #expect(state.original == .sighting(sighting))
            #expect(state.created.opId == create.opId)
            var expected = sighting
            expected.riskLevel = .high
            #expect(state.current == .sighting(expected))
            #expect(state.amendments.count == 1)
            let entry = try #require(state.amendments.first)
            #expect(entry.previousValue == "medium")
            #expect(entry.amendment.value == "high")
            #expect(entry.stamp.opId == amend.opId)
            #expect(entry.standing == .current)
        }
    }

    @Test("an operation pushed twice is accepted twice and stored once")
    func idempotentPush() async throws {
        try await withStore { store in
            let operation = Fixture.createSighting()
            let first = try await store.push([operation], by: Fixture.caller, now: Date())
            let second = try await store.push([operation], by: Fixture.caller, now: Date())
            #expect(first.accepted == [operation.opId])
            #expect(second.accepted == [operation.opId])
            #expect(try await store.operationCount() == 1)
        }
    }

    @Test("an amendment that cannot apply is refused and leaves nothing behind")
    func refusedAmendmentLeavesNothing() async throws {
        try await withStore { store in
            let sighting = Fixture.sighting()
            _ = try await store.push([Fixture.create(sighting)], by: Fixture.caller, now: Date())
            let before = try await store.record(id: sighting.id)
            let amend = Fixture.amend(sighting.id, field: .riskLevel, value: "extreme")
            let outcome = try await store.push([amend], by: Fixture.caller, now: Date())
            #expect(outcome.accepted.isEmpty)
            #expect(outcome.rejected.map(\.code) == ["bad-value"])
            #expect(try await store.operationCount() == 1)
            #expect(try await store.record(id: sighting.id) == before)
        }
    }

    @Test("the store keeps its operations, venues, tokens and audit log when reopened")
    func reopen() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("empower-central-tests-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let operation = Fixture.createSighting()
        let token: String
        let entries: [AuditEntry]
        do {
            let store = try SQLiteCentralStore(directory: directory)
            token = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer)
            _ = try await store.push([operation], by: Fixture.caller, now: Date())
            try await store.saveVenue(Fixture.venues[0], by: .console(), now: Date())
            entries = try await store.auditEntries(matching: AuditFilter())
        }
        let reopened = try SQLiteCentralStore(directory: directory)
        #expect(try await reopened.operationCount() == 1)
        let page = try await reopened.pull(after: 0, limit: 10, for: Fixture.caller, now: Date())
        #expect(try page.decodedOperations().map(\.operation) == [operation])
        #expect(try await reopened.venues() == [Fixture.venues[0]])
        #expect(try await reopened.caller(forToken: token, now: Date()) == Fixture.caller)
        let reopenedEntries = try await reopened.auditEntries(matching: AuditFilter())
        #expect(Array(reopenedEntries.prefix(entries.count)) == entries)
        #expect(reopenedEntries.last?.action == .pull)
        #expect(try await reopened.verifyAudit().isIntact)
    }
}
