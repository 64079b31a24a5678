import Central
import Foundation
import Models
import Sync
import Testing

/// Three devices record offline and sync over real HTTP with a real server on a real SQLite store.
@Suite("Devices and the central store converge")
struct ConvergenceTests {
    /// Orders in which the three devices sync; each is a permutation, then the same permutation again
    /// without its last device, so that every device pulls after every push.
    static let syncOrders: [[Int]] = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]]

    @Test(
        "after syncing in any order, every device holds exactly the central store's records and operations",
        arguments: syncOrders
    )
    func convergeInAnyOrder(order: [Int]) async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        for venue in try loadVenues() { try await store.saveVenue(venue) }
        let log = try loadPatrolLog()

        try await CentralServer.withRunningServer(store: store) { serverURL in
            let replicas = try log.devices.map { device in
                try LocalReplica.create(
                    in: workspace.appendingPathComponent(device.deviceId),
                    identity: device.identity(serverURL: serverURL)
                )
            }
            // Offline: every device records its part of the log before anyone syncs.
            for (device, replica) in zip(log.devices, replicas) {
                for entry in log.entries(of: device.deviceId) { try entry.record(on: replica) }
            }
            for index in order + order.dropLast() {
                try await SyncEngine(replica: replicas[index], transport: URLSessionTransport(serverURL: serverURL))
                    .sync()
            }

            let centralRecords = try await store.records(matching: RecordFilter())
            let centralOperations = try await allCentralOperations(store)
            #expect(centralRecords.count == 12)
            #expect(centralOperations.count == log.entries.count)
            for replica in replicas {
                // Whole merged states, field by field, including amendment histories.
                #expect(try replica.records() == centralRecords)
                #expect(Set(try replica.allOperations()) == Set(centralOperations))
                #expect(try replica.status().pending == 0)
                #expect(try replica.venues().count == (try loadVenues().count))
            }
        }
    }

    @Test("a second sync moves nothing and changes nothing")
    func secondSyncIsANoOp() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        let log = try loadPatrolLog()

        try await CentralServer.withRunningServer(store: store) { serverURL in
            let replicas = try log.devices.map { device in
                try LocalReplica.create(
                    in: workspace.appendingPathComponent(device.deviceId),
                    identity: device.identity(serverURL: serverURL)
                )
            }
            for (device, replica) in zip(log.devices, replicas) {
                for entry in log.entries(of: device.deviceId) { try entry.record(on: replica) }
            }
            for replica in replicas + replicas {
                try await SyncEngine(replica: replica, transport: URLSessionTransport(serverURL: serverURL)).sync()
            }
            let centralBefore = try await allCentralOperations(store)
            for replica in replicas {
                let before = try snapshot(ofDatabaseAt: replica.path).filter { !$0.hasPrefix("syncState") }
                let report = try await SyncEngine(
                    replica: replica,
                    transport: URLSessionTransport(serverURL: serverURL)
                )
                .sync()
                #expect(report.pushed == 0)
                #expect(report.pulled == 0)
                #expect(report.received == 0)
                let after = try snapshot(ofDatabaseAt: replica.path).filter { !$0.hasPrefix("syncState") }
                #expect(after == before)
            }
            #expect(try await allCentralOperations(store) == centralBefore)
        }
    }

    @Test("the same push sent twice (its answer lost) is acknowledged twice and stored once")
    func repeatedPushStoresOnce() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        let log = try loadPatrolLog()
        let device = log.devices[0]

        try await CentralServer.withRunningServer(store: store) { serverURL in
            let replica = try LocalReplica.create(
                in: workspace.appendingPathComponent(device.deviceId),
                identity: device.identity(serverURL: serverURL)
            )
            for entry in log.entries(of: device.deviceId) { try entry.record(on: replica) }
            let batch = try replica.outboxBatch(maxOperations: 100)
            let transport = URLSessionTransport(serverURL: serverURL)
            let first = try await transport.push(deviceId: device.deviceId, batch: batch)
            let second = try await transport.push(deviceId: device.deviceId, batch: batch)
            #expect(first.accepted == batch.operationIds)
            #expect(second.accepted == batch.operationIds)
            #expect(second.rejected.isEmpty)
            #expect(try await store.operationCount() == batch.operationIds.count)
            // The device never saw either answer; its next sync repeats the push harmlessly.
            let report = try await SyncEngine(replica: replica, transport: transport).sync()
            #expect(report.pushed == batch.operationIds.count)
            #expect(try await store.operationCount() == batch.operationIds.count)
            #expect(try replica.records() == (try await store.records(matching: RecordFilter())))
        }
    }
}

/// Every operation in the central store, in position order.
func allCentralOperations(_ store: any CentralStore) async throws -> [LogOperation] {
    var operations: [LogOperation] = []
    var cursor: Int64 = 0
    while true {
        let page = try await store.pull(after: cursor, limit: 1000)
        operations += try page.decodedOperations().map(\.operation)
        guard let last = page.operations.last, page.hasMore else { break }
        cursor = last.seq
    }
    return operations
}
