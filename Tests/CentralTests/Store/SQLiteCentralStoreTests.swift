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
            let createOutcome = try await store.push([create], now: Date())
            #expect(createOutcome.accepted == [create.opId])

            let amend = Fixture.amend(sighting.id, field: .riskLevel, value: "high")
            let amendOutcome = try await store.push([amend], now: Date())
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
            let first = try await store.push([operation], now: Date())
            let second = try await store.push([operation], now: Date())
            #expect(first.accepted == [operation.opId])
            #expect(second.accepted == [operation.opId])
            #expect(try await store.operationCount() == 1)
        }
    }

    @Test("an amendment that cannot apply is refused and leaves nothing behind")
    func refusedAmendmentLeavesNothing() async throws {
        try await withStore { store in
            let sighting = Fixture.sighting()
            _ = try await store.push([Fixture.create(sighting)], now: Date())
            let before = try await store.record(id: sighting.id)
            let amend = Fixture.amend(sighting.id, field: .riskLevel, value: "extreme")
            let outcome = try await store.push([amend], now: Date())
            #expect(outcome.accepted.isEmpty)
            #expect(outcome.rejected.map(\.code) == ["bad-value"])
            #expect(try await store.operationCount() == 1)
            #expect(try await store.record(id: sighting.id) == before)
        }
    }

    @Test("the store keeps its operations and venues when reopened")
    func reopen() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("empower-central-tests-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let operation = Fixture.createSighting()
        do {
            let store = try SQLiteCentralStore(directory: directory)
            _ = try await store.push([operation], now: Date())
            try await store.saveVenue(Fixture.venues[0])
        }
        let reopened = try SQLiteCentralStore(directory: directory)
        #expect(try await reopened.operationCount() == 1)
        #expect(try await reopened.pull(after: 0, limit: 10).decodedOperations().map(\.operation) == [operation])
        #expect(try await reopened.venues() == [Fixture.venues[0]])
    }
}
