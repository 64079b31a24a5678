import Central
import Foundation
import GRDB
import Models
import Testing

@testable import Sync

/// One bad operation never holds back the others, over real HTTP to a real server on a real store: a batch the
/// server refuses whole is halved down to the operation at fault, and a stored copy that fails its integrity
/// check is quarantined before it is sent or, when the server holds it, pulled again.
@Suite("Nothing stranded: one bad operation")
struct StrandedOperationTests {
    /// Every operation of the device's own the store holds, by id.
    private func stored(in store: SQLiteCentralStore) async throws -> [UUID: LogOperation] {
        Dictionary(try await allCentralOperations(store).map { ($0.opId, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The set-up device's replica, syncing with the server at `serverURL`.
    private func makeReplica(_ setup: OneDeviceSetup, serverURL: URL) throws -> LocalReplica {
        try LocalReplica.create(
            in: setup.workspace.appendingPathComponent(setup.device.deviceId),
            identity: setup.device.identity(serverURL: serverURL),
            key: testDataKey
        )
    }

    /// A sync engine of `replica` over real HTTP with the set-up device's token.
    private func httpEngine(_ replica: LocalReplica, _ setup: OneDeviceSetup, serverURL: URL) -> SyncEngine {
        SyncEngine(
            replica: replica,
            transport: HTTPTransport(serverURL: serverURL, token: setup.token, requestTimeout: 10)
        )
    }

    /// Changes one byte of one stored value, through a connection of its own, as a failing disk would.
    private func flipByte(in replica: LocalReplica, table: String, column: String, key: String, value: String) throws {
        let queue = try DatabaseQueue(path: replica.path)
        defer { try? queue.close() }
        try queue.write { db in
            var bytes = try #require(
                try Data.fetchOne(db, sql: "SELECT \(column) FROM \(table) WHERE \(key) = ?", arguments: [value])
            )
            bytes[bytes.count / 2] ^= 0x5A
            try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(key) = ?", arguments: [bytes, value])
        }
    }

    @Test("a push refused whole is halved down to the operation at fault; every other one is stored once")
    func refusedBatchIsNarrowed() async throws {
        try await withOneDevice { setup in
            try await CentralServer.withRunningServer(store: setup.store) { serverURL in
                let replica = try makeReplica(setup, serverURL: serverURL)
                let entries = setup.log.entries(of: setup.device.deviceId)
                try #require(entries.count >= 4)
                var good = try entries.prefix(entries.count / 2).map { try $0.record(on: replica) }
                // An operation that is sealed soundly but is not valid JSON (a fault of the app that made it): the
                // server refuses any push that carries it as malformed, whole.
                let badId = UUID.timeOrdered()
                let badBody = try ContentCipher(testDataKey).seal(
                    Data("{\"opId\":".utf8),
                    as: .operationBody,
                    of: badId
                )
                let badStamp = good.last!.hlc.rawValue + 1
                try await replica.database.write { db in
                    try db.execute(
                        sql: "INSERT INTO operation (opId, recordId, hlc, body, outbox) VALUES (?, ?, ?, ?, 'pending')",
                        arguments: [badId.text, UUID().text, badStamp, badBody]
                    )
                }
                good += try entries.suffix(from: entries.count / 2).map { try $0.record(on: replica) }
                let engine = httpEngine(replica, setup, serverURL: serverURL)
                let report = try await engine.sync()

                #expect(report.rejected.map(\.opId) == [badId])
                #expect(report.rejected.first?.code == "bad-json", "\(report.rejected)")
                #expect(report.pushed == good.count)
                // Halving finds one operation among n in about 2·log2(n) requests.
                #expect(report.splitBatches >= 1 && report.splitBatches <= 2 * 6, "\(report.splitBatches) splits")
                let held = try await stored(in: setup.store)
                #expect(held.count == good.count)
                #expect(good.allSatisfy { held[$0.opId] == $0 })
                #expect(try replica.parkedOperations().map(\.opId) == [badId])
                #expect(try replica.status().pending == 0)
            }
        }
    }

    @Test("an operation whose stored copy is damaged is quarantined before it is sent; the rest of its batch goes")
    func damagedCopyIsQuarantined() async throws {
        try await withOneDevice { setup in
            try await CentralServer.withRunningServer(store: setup.store) { serverURL in
                let replica = try makeReplica(setup, serverURL: serverURL)
                let recorded = try setup.log.entries(of: setup.device.deviceId).map { try $0.record(on: replica) }
                let damaged = try #require(recorded.dropFirst().first { $0.kind.isCreate })
                try flipByte(in: replica, table: "operation", column: "body", key: "opId", value: damaged.opId.text)

                let report = try await httpEngine(replica, setup, serverURL: serverURL).sync()
                let parked = try replica.parkedOperations()
                #expect(parked.first { $0.opId == damaged.opId }?.code == LocalReplica.damagedCode)
                #expect(parked.first { $0.opId == damaged.opId }?.message.contains("damaged") == true)
                let held = try await stored(in: setup.store)
                #expect(held[damaged.opId] == nil)
                // Everything else is stored, except what hangs from the lost record (refused as unknown to the server).
                let dependants = Set(parked.map(\.opId)).subtracting([damaged.opId])
                for operation in recorded where operation.opId != damaged.opId && !dependants.contains(operation.opId) {
                    #expect(held[operation.opId] == operation, "\(operation.kind) of \(operation.recordId) not stored")
                }
                for opId in dependants {
                    let operation = try #require(recorded.first { $0.opId == opId })
                    #expect(
                        operation.recordId == damaged.recordId
                            || OperationAdmission.referencedRecordId(of: operation) == damaged.recordId
                    )
                }
                #expect(report.pushed == recorded.count - 1 - dependants.count)
                // Listing does not fail on it: the record whose only create is damaged is left out.
                let listed = Set(try replica.records().map(\.id))
                #expect(!listed.contains(damaged.recordId))
                for operation in recorded where operation.kind.isCreate && operation.opId != damaged.opId {
                    #expect(listed.contains(operation.recordId))
                }
            }
        }
    }

    @Test("a damaged copy of what the server holds is dropped and pulled again: the replica equals the store")
    func damagedPulledCopyIsPulledAgain() async throws {
        try await withOneDevice { setup in
            try await CentralServer.withRunningServer(store: setup.store) { serverURL in
                let replica = try makeReplica(setup, serverURL: serverURL)
                let recorded = try setup.log.entries(of: setup.device.deviceId).map { try $0.record(on: replica) }
                let engine = httpEngine(replica, setup, serverURL: serverURL)
                try await engine.sync()
                let expected = try await setup.store.records(matching: RecordFilter())
                #expect(try replica.records() == expected)

                // The device's copy of a create the server holds, and a merged state, are damaged.
                let create = try #require(recorded.first { $0.kind.isCreate })
                try flipByte(in: replica, table: "operation", column: "body", key: "opId", value: create.opId.text)
                let amended = try replica.read { db in
                    try String.fetchOne(db, sql: "SELECT id FROM record WHERE state IS NOT NULL LIMIT 1")
                }
                if let amended {
                    try flipByte(in: replica, table: "record", column: "state", key: "id", value: amended)
                }
                // Reading sets the damage aside: nothing fails, nothing is quarantined (the server holds it all).
                _ = try replica.records()
                #expect(try replica.parkedOperations().isEmpty)
                #expect(try replica.pullCursor() < (try await stored(in: setup.store)).count)

                try await engine.sync()
                #expect(try replica.records() == expected)
                #expect(Set(try replica.allOperations()) == Set(try await allCentralOperations(setup.store)))
            }
        }
    }
}
