import Foundation
import GRDB
import Models
import Testing

@testable import Sync

/// A device asks for pages without its own operations only while its replica holds every one of them
/// (`LocalReplica.holdsOwnOperations`).
@Suite("Replica: holding every own operation")
struct OwnOperationsHeldTests {
    private func page(cursor: Int64, hasMore: Bool) -> PullResponse {
        PullResponse(operations: [], cursor: cursor, hasMore: hasMore, serverClock: .zero)
    }

    @Test("learnt only from a page that left nothing out and ended the log")
    func learntAtTheEndOfAWholePull() throws {
        let replica = try makeReplica()
        #expect(try !replica.holdsOwnOperations(), "a new replica does not know it")
        try replica.applyPulledPage(page(cursor: 10, hasMore: true))
        #expect(try !replica.holdsOwnOperations())
        try replica.applyPulledPage(page(cursor: 20, hasMore: false), omittedOwn: true)
        #expect(try !replica.holdsOwnOperations(), "a page that left its own out proves nothing")
        try replica.applyPulledPage(page(cursor: 30, hasMore: false))
        #expect(try replica.holdsOwnOperations())
        #expect(try replica.pullCursor() == 30)
    }

    @Test("a damaged own unsent operation is quarantined: the replica forgets it, and pulls again from the start")
    func quarantineForgets() throws {
        let replica = try makeReplica()
        let first = makeSighting()
        let second = makeSighting()
        try replica.append(.createSighting(first), recordId: first.id)
        try replica.append(.createSighting(second), recordId: second.id)
        try replica.applyPulledPage(page(cursor: 50, hasMore: false))
        #expect(try replica.holdsOwnOperations())
        // The second's stored copy replaced by the first's: it fails its integrity check.
        try replica.database.write { db in
            try db.execute(
                sql: "UPDATE operation SET body = (SELECT body FROM operation WHERE recordId = ?) WHERE recordId = ?",
                arguments: [first.id.text, second.id.text]
            )
        }
        _ = try replica.outboxBatch(maxOperations: 10)
        #expect(try replica.parkedOperations().map(\.code) == [LocalReplica.damagedCode])
        #expect(try !replica.holdsOwnOperations())
        #expect(try replica.pullCursor() == 0, "the server's copy may lie behind the cursor")
        try replica.applyPulledPage(page(cursor: 60, hasMore: false))
        #expect(try !replica.holdsOwnOperations(), "never again on this replica")
    }

    @Test("a damaged copy of an acknowledged operation is dropped: the replica forgets it, and pulls it again")
    func droppedCopyForgets() throws {
        let replica = try makeReplica()
        let first = makeSighting()
        let second = makeSighting()
        let kept = try replica.append(.createSighting(first), recordId: first.id)
        let damaged = try replica.append(.createSighting(second), recordId: second.id)
        try replica.applyPushResponse(
            PushResponse(accepted: [kept.opId, damaged.opId], rejected: [], serverClock: .zero)
        )
        try replica.applyPulledPage(page(cursor: 50, hasMore: false), omittedOwn: false)
        #expect(try replica.holdsOwnOperations())
        try replica.database.write { db in
            try db.execute(
                sql: "UPDATE operation SET body = (SELECT body FROM operation WHERE recordId = ?) WHERE recordId = ?",
                arguments: [first.id.text, second.id.text]
            )
        }
        let report = try replica.healDamagedContent()
        #expect(report.refetched == 1)
        #expect(try !replica.holdsOwnOperations())
        #expect(try replica.pullCursor() == 0)
    }
}
