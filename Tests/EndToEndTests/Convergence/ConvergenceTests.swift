import Central
import Foundation
import Models
import Sync
import Testing

/// Three devices record offline and sync over real HTTP, each with its own access token, with a real server on a
/// real SQLite store: the two officers' devices end holding exactly the central store, the venue staff's device
/// (dev-copperline-door at venue-seel-st-03) exactly the records made at its venue.
@Suite("Devices and the central store converge")
struct ConvergenceTests {
    /// Orders in which the three devices sync; each is a permutation, then the same permutation again
    /// without its last device, so that every device pulls after every push.
    static let syncOrders: [[Int]] = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]]

    @Test(
        "after syncing in any order, every device holds exactly the central store's records and operations in scope",
        arguments: syncOrders
    )
    func convergeInAnyOrder(order: [Int]) async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        for venue in try loadVenues() { try await store.saveVenue(venue, by: .console(), now: Date()) }
        let log = try loadPatrolLog()
        let tokens = try await provisionDevices(of: log, on: store)

        try await CentralServer.withRunningServer(store: store) { serverURL in
            let replicas = try log.devices.map { device in
                try LocalReplica.create(
                    in: workspace.appendingPathComponent(device.deviceId),
                    identity: device.identity(serverURL: serverURL),
                    key: testDataKey
                )
            }
            // Offline: every device records its part of the log before anyone syncs.
            for (device, replica) in zip(log.devices, replicas) {
                for entry in log.entries(of: device.deviceId) { try entry.record(on: replica) }
            }
            for index in order + order.dropLast() {
                try await SyncEngine(
                    replica: replicas[index],
                    transport: HTTPTransport(serverURL: serverURL, token: tokens[index])
                )
                .sync()
            }

            let centralRecords = try await store.records(matching: RecordFilter())
            let centralOperations = try await allCentralOperations(store)
            #expect(centralRecords.count == 12)
            #expect(centralOperations.count == log.entries.count)
            for (device, replica) in zip(log.devices, replicas) {
                let expected = try await centralContents(for: device.caller, of: store)
                if device.role == .venueStaff {
                    // Only the records made at its venue: its own sighting, intervention and note.
                    #expect(expected.records.count == 3)
                    #expect(expected.records.allSatisfy { $0.original.author == device.userId })
                } else {
                    #expect(expected.records == centralRecords)
                    #expect(expected.operations == Set(centralOperations))
                }
                // Whole merged states, field by field, including amendment histories.
                #expect(try replica.records() == expected.records, "\(device.deviceId) records")
                #expect(Set(try replica.allOperations()) == expected.operations, "\(device.deviceId) operations")
                #expect(try replica.status().pending == 0)
                #expect(try replica.status().parked == 0)
                #expect(try replica.venues().count == (try loadVenues().count))
            }
        }
    }

    @Test("a second sync moves nothing and changes nothing")
    func secondSyncIsANoOp() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        for venue in try loadVenues() { try await store.saveVenue(venue, by: .console(), now: Date()) }
        let log = try loadPatrolLog()
        let tokens = try await provisionDevices(of: log, on: store)

        try await CentralServer.withRunningServer(store: store) { serverURL in
            let replicas = try log.devices.map { device in
                try LocalReplica.create(
                    in: workspace.appendingPathComponent(device.deviceId),
                    identity: device.identity(serverURL: serverURL),
                    key: testDataKey
                )
            }
            for (device, replica) in zip(log.devices, replicas) {
                for entry in log.entries(of: device.deviceId) { try entry.record(on: replica) }
            }
            let transports = tokens.map { HTTPTransport(serverURL: serverURL, token: $0) }
            for (replica, transport) in zip(replicas + replicas, transports + transports) {
                try await SyncEngine(replica: replica, transport: transport).sync()
            }
            let centralBefore = try await allCentralOperations(store)
            for (replica, transport) in zip(replicas, transports) {
                let before = try snapshot(ofDatabaseAt: replica.path).filter { !$0.hasPrefix("syncState") }
                let report = try await SyncEngine(replica: replica, transport: transport).sync()
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
        try await withOneDevice { setup in
            let (workspace, store, log, device, token) = (
                setup.workspace, setup.store, setup.log, setup.device, setup.token
            )

            try await CentralServer.withRunningServer(store: store) { serverURL in
                let replica = try LocalReplica.create(
                    in: workspace.appendingPathComponent(device.deviceId),
                    identity: device.identity(serverURL: serverURL),
                    key: testDataKey
                )
                for entry in log.entries(of: device.deviceId) { try entry.record(on: replica) }
                let batch = try replica.outboxBatch(maxOperations: 100)
                let transport = HTTPTransport(serverURL: serverURL, token: token)
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
}
