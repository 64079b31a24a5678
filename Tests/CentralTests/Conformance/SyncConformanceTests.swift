import Foundation
import Models
import Testing

@testable import Central

/// Push, pull and paging: the same test code against every central store.
@Suite("Conformance: push and pull")
struct SyncConformanceTests {
    @Test("operations come back in push order, each once, with increasing positions", arguments: StoreKind.tested)
    func pushThenPull(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let first = Conformance.sighting()
            let second = Conformance.sighting()
            let amend = Conformance.amend(first.recordId)
            let outcome = try await store.push([first, second, amend], by: Conformance.officer, now: Date())
            #expect(outcome.accepted == [first.opId, second.opId, amend.opId])
            #expect(outcome.rejected.isEmpty)
            #expect(outcome.latestClock == max(first.hlc, second.hlc, amend.hlc))

            let pulled = try await Conformance.pullAll(store, as: Conformance.officer)
            #expect(pulled.operations.map(\.operation) == [first, second, amend])
            let positions = pulled.operations.map(\.seq)
            #expect(positions == positions.sorted() && Set(positions).count == 3 && positions.allSatisfy { $0 > 0 })
            #expect(pulled.cursor == positions.last)
            #expect(try await store.operationCount() == 3)

            let state = try #require(try await store.record(id: first.recordId))
            #expect(state.amendments.count == 1)
            #expect(state.current.location?.venueId == Conformance.venueA)
            if case .sighting(let sighting) = state.current {
                #expect(sighting.riskLevel == .high)
            } else {
                Issue.record("not a sighting: \(state.current)")
            }
        }
    }

    @Test(
        "an operation pushed again, alone or twice in one batch, is accepted and stored once",
        arguments: StoreKind.tested
    )
    func idempotentPush(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let create = Conformance.sighting()
            let amend = Conformance.amend(create.recordId)
            let first = try await store.push([create, create], by: Conformance.officer, now: Date())
            #expect(first.accepted == [create.opId, create.opId])
            let again = try await store.push([create, amend, amend], by: Conformance.officer, now: Date())
            #expect(again.accepted == [create.opId, amend.opId, amend.opId])
            #expect(again.rejected.isEmpty)
            #expect(try await store.operationCount() == 2)
            #expect(
                try await Conformance.pullAll(store, as: Conformance.officer).operations.map(\.operation) == [
                    create, amend,
                ]
            )
            // Only the new operation is audited as collected.
            let pushes = try await store.auditEntries(matching: AuditFilter()).filter { $0.action == .push }
            #expect(pushes.map(\.count) == [1, 1])
        }
    }

    @Test("an operation id reused for a different operation is refused", arguments: StoreKind.tested)
    func opIdReused(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let create = Conformance.sighting()
            _ = try await store.push([create], by: Conformance.officer, now: Date())
            var impostor = Conformance.sighting()
            impostor.opId = create.opId
            let outcome = try await store.push([impostor], by: Conformance.officer, now: Date())
            #expect(outcome.accepted.isEmpty)
            #expect(outcome.rejected.map(\.code) == ["op-id-reused"])
            #expect(try await store.operationCount() == 1)
            #expect(try await store.record(id: impostor.recordId) == nil)
        }
    }

    @Test("pages follow each other by cursor: nothing skipped, nothing repeated", arguments: StoreKind.tested)
    func cursorPaging(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let operations = (0..<25).map { _ in Conformance.sighting() }
            _ = try await store.push(Array(operations[..<12]), by: Conformance.officer, now: Date())
            _ = try await store.push(Array(operations[12...]), by: Conformance.secondOfficer, now: Date())
            var cursor: Int64 = 0
            var pages: [[LogOperation]] = []
            var more: [Bool] = []
            repeat {
                let page = try await store.pull(after: cursor, limit: 10, for: Conformance.officer, now: Date())
                let decoded = try page.decodedOperations()
                #expect(page.cursor == decoded.last?.seq ?? cursor)
                #expect(decoded.allSatisfy { $0.seq > cursor })
                pages.append(decoded.map(\.operation))
                more.append(page.hasMore)
                cursor = page.cursor
            } while more.last == true
            #expect(pages.map(\.count) == [10, 10, 5])
            #expect(more == [true, true, false])
            #expect(pages.flatMap { $0 } == operations.map { $0 })

            let after = try await store.pull(after: cursor, limit: 10, for: Conformance.officer, now: Date())
            #expect(after.operations.isEmpty && after.cursor == cursor && !after.hasMore)

            let late = Conformance.sighting()
            _ = try await store.push([late], by: Conformance.officer, now: Date())
            let next = try await store.pull(after: cursor, limit: 10, for: Conformance.officer, now: Date())
            #expect(try next.decodedOperations().map(\.operation) == [late])
        }
    }

    @Test(
        "pushers and pullers at the same time: every puller gets every operation once, in order",
        arguments: StoreKind.tested
    )
    func concurrentPushersAndPullers(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let pushers = 6
            let batches = 8
            let batchSize = 5
            let expected = pushers * batches * batchSize
            let pushersDone = DoneFlag()
            let pulled = try await withThrowingTaskGroup(of: [SequencedOperation]?.self) { group in
                for pusher in 0..<pushers {
                    group.addTask {
                        let caller = Caller(
                            userId: "PC-77\(pusher)0",
                            deviceId: "dev-conf-push-\(pusher)",
                            role: .officer
                        )
                        for _ in 0..<batches {
                            let batch = (0..<batchSize).map { _ in Conformance.sighting(by: caller) }
                            let outcome = try await store.push(batch, by: caller, now: Date())
                            #expect(outcome.accepted.count == batchSize)
                        }
                        return nil
                    }
                }
                for _ in 0..<3 {
                    group.addTask {
                        // Small pages while the pushers push, then to the end once they are done: an operation
                        // passed over while it was not yet committed is never seen.
                        var seen: [SequencedOperation] = []
                        var cursor: Int64 = 0
                        while true {
                            let finalRound = await pushersDone.isSet
                            var page: PullPage
                            repeat {
                                page = try await store.pull(
                                    after: cursor,
                                    limit: 7,
                                    for: Conformance.supervisor,
                                    now: Date()
                                )
                                seen += try page.decodedOperations()
                                cursor = page.cursor
                            } while page.hasMore
                            if finalRound { return seen }
                            try await Task.sleep(for: .milliseconds(1))
                        }
                    }
                }
                var results: [[SequencedOperation]] = []
                var pushersLeft = pushers
                while let result = try await group.next() {
                    if let result {
                        results.append(result)
                    } else {
                        pushersLeft -= 1
                        if pushersLeft == 0 { await pushersDone.set() }
                    }
                }
                return results
            }
            let stored = try await Conformance.pullAll(store, as: Conformance.supervisor).operations
            #expect(stored.count == expected)
            for seen in pulled {
                #expect(seen.count == expected, "a puller that pulled while the pushers pushed missed operations")
                #expect(Set(seen.map(\.operation.opId)).count == seen.count)
                #expect(seen.map(\.seq) == seen.map(\.seq).sorted())
                #expect(
                    seen.count == stored.count && zip(seen, stored).allSatisfy { $0.operation == $1.operation },
                    "a puller's operations differ from the stored ones"
                )
            }
        }
    }

    @Test("the store keeps its operations, records and venues when opened again", arguments: StoreKind.tested)
    func reopen(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            try await Conformance.saveVenues(harness.store)
            let create = Conformance.sighting()
            _ = try await harness.store.push(
                [create, Conformance.amend(create.recordId)],
                by: Conformance.officer,
                now: Date()
            )
            let record = try await harness.store.record(id: create.recordId)
            try await harness.reopen { reopened in
                #expect(try await reopened.operationCount() == 2)
                #expect(try await reopened.venues() == Conformance.venues)
                #expect(try await reopened.record(id: create.recordId) == record)
                let next = Conformance.sighting()
                _ = try await reopened.push([next], by: Conformance.officer, now: Date())
                let all = try await Conformance.pullAll(reopened, as: Conformance.officer).operations
                #expect(all.last?.operation == next)
                #expect(try await reopened.verifyAudit().isIntact)
            }
            if kind == .postgres {
                #expect(
                    try await harness.count("SELECT count(*) FROM schema_migrations") == PostgresSchema.migrations.count
                )
            }
        }
    }

    @Test("records are found by venue, scope, kind and time", arguments: StoreKind.tested)
    func recordQueries(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let early = Conformance.sighting(at: Conformance.venueA, occurredAt: Date().addingTimeInterval(-3600))
            let late = Conformance.sighting(at: Conformance.venueB)
            let intervention = Conformance.intervention(at: Conformance.venueB)
            let note = Conformance.note(about: early.recordId)
            // Moved to venue B by an amendment: its venue and scope change, and its note's with it.
            let moved = Conformance.amend(early.recordId, .venue, to: Conformance.venueB)
            _ = try await store.push([early, late, intervention, note, moved], by: Conformance.officer, now: Date())

            let atB = try await store.records(matching: RecordFilter(venueId: Conformance.venueB))
            #expect(Set(atB.map(\.id)) == [early.recordId, late.recordId, intervention.recordId, note.recordId])
            let scopeA = try await store.records(matching: RecordFilter(scopeVenueIds: [Conformance.venueA]))
            #expect(scopeA.isEmpty)
            let scopeB = try await store.records(matching: RecordFilter(scopeVenueIds: [Conformance.venueB]))
            #expect(Set(scopeB.map(\.id)) == [early.recordId, late.recordId, intervention.recordId, note.recordId])
            let interventions = try await store.records(matching: RecordFilter(types: [.intervention]))
            #expect(interventions.map(\.id) == [intervention.recordId])
            let recent = try await store.records(
                matching: RecordFilter(since: Date().addingTimeInterval(-600), types: [.sighting])
            )
            #expect(recent.map(\.id) == [late.recordId])
            let all = try await store.records(matching: RecordFilter())
            #expect(all.first?.id == early.recordId, "oldest event first")
            #expect(all.count == 4)
        }
    }
}

/// Set once, when every pusher is done.
actor DoneFlag {
    private(set) var isSet = false
    func set() { isSet = true }
}
