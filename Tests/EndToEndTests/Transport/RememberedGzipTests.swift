import Central
import Foundation
import GRDB
import Models
import Sync
import Testing

/// A device keeps what its server said of gzip, so each `sync` (a new process) sends its very first push gzip
/// rather than learning it again from the first answer: on a weak signal that first push is most of what goes up.
@Suite("A device remembers that its server takes gzip")
struct RememberedGzipTests {
    @Test("told the server takes gzip, a transport sends its first push gzip, and the replica keeps what it heard")
    func firstPushGzip() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        let token = try await store.provisionDevice("dev-remembers", for: UserAccount(id: "PC-4127", role: .officer))
        try await CentralServer.withRunningServer(store: store) { serverURL in
            let replica = try LocalReplica.create(
                in: workspace.appendingPathComponent("device"),
                identity: DeviceIdentity(
                    deviceId: "dev-remembers",
                    userId: "PC-4127",
                    role: .officer,
                    venueId: nil,
                    serverURL: serverURL
                ),
                key: testDataKey
            )
            #expect(try replica.serverTakesGzip() == false, "a new replica has heard nothing")
            let now = Date().truncatedToMilliseconds
            for index in 0..<100 {
                let sighting = Sighting(
                    occurredAt: now.addingTimeInterval(Double(-index)),
                    recordedAt: now,
                    reporter: "PC-4127",
                    location: Location(venueId: "venue-bold-st-05", place: "Bold Street"),
                    behaviours: [.following],
                    riskLevel: .low,
                    narrative: "Followed a woman along Bold Street; door staff spoke to him."
                )
                try replica.append(.createSighting(sighting), recordId: sighting.id)
            }
            try replica.noteServerTakesGzip(true)
            let meter = TrafficMeter()
            let transport = HTTPTransport(
                serverURL: serverURL,
                token: token,
                meter: meter,
                serverTakesGzip: try replica.serverTakesGzip()
            )
            _ = try await SyncEngine(replica: replica, transport: transport, pushBatchSize: 100).sync()
            #expect(meter.counts.sentGzip == 1, "the one push, the process's first request of it, went gzip")
            #expect(try replica.status().pending == 0)
            #expect(transport.serverTakesGzip)
        }
    }

    @Test("device init keeps that the server takes gzip, and the next sync's first push goes gzip")
    func cliRemembers() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let server = try ServeProcess()
        try await FaultProxy.withRunningProxy(upstream: server.url, seed: 1, script: []) { proxy, proxyURL in
            let device = try CLIAccounts.enrolDevice(
                "dev-remembers-cli",
                user: "PC-4127",
                server: proxyURL,
                serverData: server.data,
                directory: workspace.appendingPathComponent("device")
            )
            let database = device.appendingPathComponent(LocalReplica.fileName).path
            #expect(try Self.remembered(database) == 1, "device init heard the enrolment's answer")
            let added = try CLIRunner.run([
                "sighting", "add", "--place", "Seel Street", "--behaviour", "leering", "--risk", "low",
                "--data", device.path,
            ])
            #expect(added.status == 0, "stderr was: \(added.stderr)")
            let synced = try CLIRunner.run(["sync", "--data", device.path])
            #expect(synced.status == 0, "sync said: \(synced.stderr)")
            let pushes = proxy.injections.filter { $0.route == .push }
            #expect(pushes.count == 1)
            #expect(pushes.first?.contentEncoding == "gzip", "the sync's first request was its push, gzip")
            #expect(try Self.remembered(database) == 1)
        }
    }

    private static func remembered(_ path: String) throws -> Int? {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? database.close() }
        return try database.read { try Int.fetchOne($0, sql: "SELECT serverTakesGzip FROM syncState") }
    }
}
