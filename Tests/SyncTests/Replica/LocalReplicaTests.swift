import Foundation
import GRDB
import Models
import Testing

@testable import Sync

@Suite("Local replica")
struct LocalReplicaTests {
    @Test("the device database is in WAL mode with synchronous = FULL, so a returned write survives power loss")
    func durableSettings() throws {
        let replica = try makeReplica()
        let (journal, synchronous) = try replica.database.writeWithoutTransaction { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)  // 2 is FULL: the WAL is synced on every commit.
    }

    @Test("a recorded sighting is there after the replica is closed and opened again")
    func persistsAcrossReopen() throws {
        let directory: URL
        let sighting = makeSighting()
        do {
            let replica = try makeReplica()
            directory = replica.fileURL.deletingLastPathComponent()
            try replica.append(.createSighting(sighting), recordId: sighting.id)
        }
        let reopened = try LocalReplica.open(in: directory, key: testDataKey)
        let state = try #require(try reopened.record(id: sighting.id))
        #expect(state.original == .sighting(sighting))
        #expect(try reopened.status().pending == 1)
    }

    @Test("an invalid record is refused with its reason and nothing is written")
    func invalidWritesNothing() throws {
        let replica = try makeReplica()
        var sighting = makeSighting()
        sighting.behaviours = []
        #expect(
            throws: ReplicaError.invalid(
                ValidationError(code: "no-behaviour", message: "A sighting needs at least one behaviour indicator.")
            )
        ) {
            try replica.append(.createSighting(sighting), recordId: sighting.id)
        }
        #expect(try replica.allOperations().isEmpty)
        #expect(try replica.records().isEmpty)
        #expect(try replica.status().pending == 0)
    }

    @Test("venue staff cannot record at another venue, nor record police actions")
    func venueStaffScope() throws {
        let replica = try makeReplica(userId: "SIA-1012-0001", role: .venueStaff, venueId: "venue-seel-st-03")
        let elsewhere = makeSighting(reporter: "SIA-1012-0001", venueId: "venue-concert-sq-01")
        #expect(throws: ReplicaError.self) { try replica.append(.createSighting(elsewhere), recordId: elsewhere.id) }
        let now = Date().truncatedToMilliseconds
        let arrest = Intervention(
            occurredAt: now,
            recordedAt: now,
            by: "SIA-1012-0001",
            location: Location(venueId: "venue-seel-st-03"),
            actions: [.arrest],
            outcome: .arrested
        )
        #expect(throws: ReplicaError.self) { try replica.append(.createIntervention(arrest), recordId: arrest.id) }
        let own = makeSighting(reporter: "SIA-1012-0001", venueId: "venue-seel-st-03")
        try replica.append(.createSighting(own), recordId: own.id)
        #expect(try replica.allOperations().count == 1)
    }

    @Test("an amendment needs the record on the device, a valid value and a reason; the original stays")
    func amendments() throws {
        let replica = try makeReplica()
        let unknown = UUID()
        #expect(throws: ReplicaError.unknownRecord(unknown)) {
            try replica.append(
                .amend(Amendment(field: .place, value: "Seel Street", reason: "typo")),
                recordId: unknown
            )
        }
        let sighting = makeSighting()
        try replica.append(.createSighting(sighting), recordId: sighting.id)
        #expect(throws: ReplicaError.self) {
            try replica.append(
                .amend(Amendment(field: .riskLevel, value: "extreme", reason: "x")),
                recordId: sighting.id
            )
        }
        try replica.append(
            .amend(Amendment(field: .place, value: "Seel Street", reason: "Wrong street")),
            recordId: sighting.id
        )
        let state = try #require(try replica.record(id: sighting.id))
        #expect(state.original == .sighting(sighting))
        #expect(state.current.location?.place == "Seel Street")
        #expect(state.amendments.count == 1)
        #expect(state.amendments[0].previousValue == "Concert Square")
        #expect(try replica.allOperations().count == 2)
    }

    @Test("an amendment records the value it replaced as this device holds it, whatever the caller said")
    func amendmentRecordsWhatItReplaced() throws {
        let replica = try makeReplica()
        let sighting = makeSighting()
        try replica.append(.createSighting(sighting), recordId: sighting.id)
        let stored = try replica.append(
            .amend(Amendment(field: .place, value: "Seel Street", reason: "Wrong street", replaced: "Made up")),
            recordId: sighting.id
        )
        #expect(
            stored.payload
                == .amend(
                    Amendment(field: .place, value: "Seel Street", reason: "Wrong street", replaced: "Concert Square")
                )
        )
        // In one batch, each amendment replaces what the one before it left.
        try replica.append(
            contentsOf: [
                (.amend(Amendment(field: .place, value: "Wood Street", reason: "Wrong again")), sighting.id),
                (.amend(Amendment(field: .place, value: "Bold Street", reason: "And again")), sighting.id),
                (.amend(Amendment(field: .riskLevel, value: "high", reason: "Reassessed")), sighting.id),
            ]
        )
        let state = try #require(try replica.record(id: sighting.id))
        #expect(
            state.amendments.map(\.amendment.replaced) == ["Concert Square", "Seel Street", "Wood Street", "medium"]
        )
        #expect(state.amendments.allSatisfy { $0.crossing == nil })
        #expect(
            try replica.allOperations().filter { $0.kind == .amend }.map(\.payload)
                == state.amendments.map { .amend($0.amendment) }
        )
    }

    @Test("a pulled page and its cursor are stored together; the same page again adds nothing")
    func pulledPage() throws {
        let replica = try makeReplica()
        let sighting = makeSighting(reporter: "PC-2290")
        let remote = LogOperation(
            deviceId: "dev-other",
            author: "PC-2290",
            hlc: HLCTimestamp(wallMilliseconds: Date().millisecondsSince1970 + 60_000, counter: 3),
            recordId: sighting.id,
            payload: .createSighting(sighting)
        )
        let page = PullResponse(
            operations: [SequencedOperation(seq: 7, operation: remote)],
            cursor: 7,
            hasMore: false,
            serverClock: remote.hlc
        )
        #expect(try replica.applyPulledPage(page) == 1)
        #expect(try replica.pullCursor() == 7)
        // The page was committed without a sync of its own; every write after it is synced again.
        #expect(try replica.database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        #expect(try replica.applyPulledPage(page) == 0)
        #expect(try replica.allOperations().count == 1)
        #expect(try replica.record(id: sighting.id) != nil)
        // The device clock moved past the pulled stamp: its next operation orders after it.
        let mine = makeSighting()
        let operation = try replica.append(.createSighting(mine), recordId: mine.id)
        #expect(operation.hlc > remote.hlc)
    }

    @Test("a pulled page that fails to store leaves nothing of itself, and later writes are synced on commit")
    func failedPageRestoresSync() throws {
        let replica = try makeReplica()
        let sighting = makeSighting(reporter: "PC-2290")
        let remote = LogOperation(
            deviceId: "dev-other",
            author: "PC-2290",
            hlc: HLCTimestamp(wallMilliseconds: Date().millisecondsSince1970, counter: 1),
            recordId: sighting.id,
            payload: .createSighting(sighting)
        )
        let page = PullResponse(
            operations: [SequencedOperation(seq: 4, operation: remote)],
            cursor: 4,
            hasMore: false,
            serverClock: remote.hlc
        )
        // The database refuses the page's record part way through the page's transaction.
        try replica.database.write { db in
            try db.execute(
                sql: "CREATE TRIGGER refuse BEFORE INSERT ON record BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        }
        #expect(throws: DatabaseError.self) { try replica.applyPulledPage(page) }
        #expect(try replica.database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        #expect(try replica.pullCursor() == 0)
        #expect(try replica.allOperations().isEmpty)
    }

    @Test("an own operation that comes back in a pull leaves the outbox (its push answer was lost)")
    func ownOperationPulledBack() throws {
        let replica = try makeReplica()
        let sighting = makeSighting()
        let operation = try replica.append(.createSighting(sighting), recordId: sighting.id)
        #expect(try replica.status().pending == 1)
        try replica.applyPulledPage(
            PullResponse(
                operations: [SequencedOperation(seq: 1, operation: operation)],
                cursor: 1,
                hasMore: false,
                serverClock: operation.hlc
            )
        )
        #expect(try replica.status().pending == 0)
        #expect(try replica.allOperations().count == 1)
    }

    @Test("a push answer acknowledges accepted operations and parks rejected ones with the server's reason")
    func pushAnswer() throws {
        let replica = try makeReplica()
        let first = makeSighting()
        let second = makeSighting()
        let accepted = try replica.append(.createSighting(first), recordId: first.id)
        let rejected = try replica.append(.createSighting(second), recordId: second.id)
        try replica.applyPushResponse(
            PushResponse(
                accepted: [accepted.opId],
                rejected: [RejectedOperation(opId: rejected.opId, code: "record-exists", message: "Exists.")],
                serverClock: .zero
            )
        )
        let status = try replica.status()
        #expect(status.pending == 0)
        #expect(status.parked == 1)
        #expect(
            try replica.parkedOperations() == [
                RejectedOperation(opId: rejected.opId, code: "record-exists", message: "Exists.")
            ]
        )
        #expect(try replica.outboxBatch(maxOperations: 10).isEmpty)
    }

    @Test("opening a directory with no device says so")
    func notInitialised() throws {
        let directory = try makeTemporaryDirectory()
        #expect(throws: ReplicaError.notInitialised(path: directory.path)) {
            try LocalReplica.open(in: directory, key: testDataKey)
        }
    }

    @Test("a second init in the same directory is refused and leaves the device as it was")
    func alreadyInitialised() throws {
        let replica = try makeReplica()
        let directory = replica.fileURL.deletingLastPathComponent()
        #expect(throws: ReplicaError.alreadyInitialised(path: directory.path)) {
            try LocalReplica.create(in: directory, identity: try replica.identity(), key: testDataKey)
        }
        #expect(try LocalReplica.open(in: directory, key: testDataKey).identity() == (try replica.identity()))
    }
}
