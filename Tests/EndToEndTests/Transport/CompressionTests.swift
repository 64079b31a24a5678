import Central
import Foundation
import Models
import Sync
import Testing

/// A device and a real server over loopback HTTP: pages come back gzip, pushes go gzip once the server has said it
/// takes them, and a device that asks for none gets the same records as before.
@Suite("gzip between devices and the server")
struct CompressionTests {
    private func record(_ count: Int, on replica: LocalReplica, by userId: String) throws {
        let now = Date().truncatedToMilliseconds
        for index in 0..<count {
            let sighting = Sighting(
                occurredAt: now.addingTimeInterval(Double(-index)),
                recordedAt: now,
                reporter: userId,
                location: Location(venueId: "venue-bold-st-05", place: "Bold Street, by the bus stop"),
                behaviours: [.following, .leering],
                riskLevel: .medium,
                narrative: "Followed a woman from the venue towards the taxi rank; staff walked her to a cab."
            )
            try replica.append(.createSighting(sighting), recordId: sighting.id)
        }
    }

    @Test("pages come back gzip, pushes go gzip after the first answer, and a plain device ends with the same log")
    func compressedBothWays() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        let writerToken = try await store.provisionDevice("dev-gzip", for: UserAccount(id: "PC-4127", role: .officer))
        let readerToken = try await store.provisionDevice("dev-plain", for: UserAccount(id: "PC-5310", role: .officer))
        try await CentralServer.withRunningServer(store: store) { serverURL in
            func replica(_ deviceId: String, _ userId: String) throws -> LocalReplica {
                try LocalReplica.create(
                    in: workspace.appendingPathComponent(deviceId),
                    identity: DeviceIdentity(
                        deviceId: deviceId,
                        userId: userId,
                        role: .officer,
                        venueId: nil,
                        serverURL: serverURL
                    ),
                    key: testDataKey
                )
            }
            let writer = try replica("dev-gzip", "PC-4127")
            let meter = TrafficMeter()
            let transport = HTTPTransport(serverURL: serverURL, token: writerToken, meter: meter)
            // The first push goes before any answer has said the server takes gzip: plain.
            try record(200, on: writer, by: "PC-4127")
            _ = try await SyncEngine(replica: writer, transport: transport, pushBatchSize: 200).sync()
            let first = meter.counts
            #expect(first.sentGzip == 0)
            #expect(first.receivedGzip >= 1, "the pull of 200 operations came back gzip")
            try record(200, on: writer, by: "PC-4127")
            _ = try await SyncEngine(replica: writer, transport: transport, pushBatchSize: 200).sync()
            let second = meter.counts
            #expect(second.sentGzip >= 1, "once the server has said so, pushes go gzip")
            #expect((second.sentBytes - first.sentBytes) * 5 < first.sentBytes, "200 operations, a fifth the bytes")
            #expect(try writer.status().pending == 0)

            let reader = try replica("dev-plain", "PC-5310")
            let plainMeter = TrafficMeter()
            _ = try await SyncEngine(
                replica: reader,
                transport: HTTPTransport(
                    serverURL: serverURL,
                    token: readerToken,
                    compression: false,
                    meter: plainMeter
                )
            ).sync()
            #expect(plainMeter.counts.receivedGzip == 0 && plainMeter.counts.sentGzip == 0)
            let byId = { (operations: [LogOperation]) in operations.sorted { $0.opId.uuidString < $1.opId.uuidString } }
            #expect(byId(try reader.allOperations()) == byId(try writer.allOperations()))
            #expect(try reader.allOperations().count == 400)
        }
    }
}
