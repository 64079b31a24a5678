import Central
import Foundation
import GRDB
import Models
import Sync
import Testing

/// What leaving a device's own operations out of its pulls saves, against a real server process over real HTTP:
/// the bytes of the answers (gzip on, as devices ask) and the wall time of a sync that pushes N operations, the
/// sync engine in this process and then the real `empower-cli sync`. `EMPOWER_OWN_OPS_COUNT` sets N (default 100).
@Suite("Command line: the traffic a device's own operations no longer cost")
struct OwnOperationsTrafficTests {
    static let count = ProcessInfo.processInfo.environment["EMPOWER_OWN_OPS_COUNT"].flatMap { Int($0) } ?? 100

    struct Figures {
        var received = 0
        var receivedBytes = 0
        var engineSeconds = 0.0
        var cliSeconds = 0.0
    }

    private func recordSightings(_ count: Int, on device: URL) throws {
        let replica = try LocalReplica.open(in: device, key: unlockedKey(of: device))
        let now = Date().truncatedToMilliseconds
        try replica.append(
            contentsOf: (0..<count).map { index in
                let sighting = Sighting(
                    occurredAt: now,
                    recordedAt: now,
                    reporter: "PC-4127",
                    location: Location(venueId: "venue-concert-sq-01", place: "Concert Square, bench \(index)"),
                    behaviours: [.repeatedApproaches, .following],
                    riskLevel: .medium,
                    narrative: String(repeating: "Approached several people after being turned away. ", count: 4)
                )
                return (.createSighting(sighting), sighting.id)
            }
        )
    }

    /// Whether the device's next pulls leave its own out, set as a replica would hold it.
    private func setHoldsOwn(_ holds: Bool, on device: URL) throws {
        let database = try DatabaseQueue(path: device.appendingPathComponent("device.sqlite").path)
        try database.write { db in
            try db.execute(sql: "UPDATE syncState SET ownOperationsHeld = ?", arguments: [holds])
        }
        try database.close()
    }

    /// A fresh server and device; N pushed by the engine, then N more by the command line.
    private func measure(omitting: Bool) async throws -> Figures {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let device = try server.enrolDevice("dev-traffic", user: "PC-4127", in: workspace.appendingPathComponent("d"))
        #expect(try CLIRunner.run(["sync", "--data", device.path]).status == 0)
        var figures = Figures()

        try recordSightings(Self.count, on: device)
        try setHoldsOwn(omitting, on: device)
        let key = try unlockedKey(of: device)
        let meter = TrafficMeter()
        let replica = try LocalReplica.open(in: device, key: key)
        let token = try AccessTokenFile.load(from: device, key: key)
        let engine = SyncEngine(
            replica: replica,
            transport: HTTPTransport(serverURL: server.url, token: token, meter: meter)
        )
        let clock = ContinuousClock()
        var report = SyncReport()
        let engineTime = try await clock.measure { report = try await engine.sync() }
        #expect(report.pushed == Self.count)
        figures.received = report.received
        figures.receivedBytes = meter.counts.receivedBytes
        figures.engineSeconds = Double(engineTime.components.attoseconds) / 1e18 + Double(engineTime.components.seconds)

        try recordSightings(Self.count, on: device)
        try setHoldsOwn(omitting, on: device)
        var synced: CLIRunner.Result?
        let cliTime = try clock.measure { synced = try CLIRunner.run(["sync", "--data", device.path]) }
        #expect(synced?.status == 0)
        #expect(synced?.stdout.contains("Pushed \(Self.count) operations; pulled 0 new.") == true)
        figures.cliSeconds = Double(cliTime.components.attoseconds) / 1e18 + Double(cliTime.components.seconds)
        return figures
    }

    @Test("pushing N: whole pages bring the N back, pages that leave them out bring none and fewer bytes")
    func ownOperationsCostNothing() async throws {
        let whole = try await measure(omitting: false)
        let omitting = try await measure(omitting: true)
        print(
            "[own operations] N=\(Self.count): whole pages received \(whole.received) operations, "
                + "\(whole.receivedBytes) bytes, engine \(whole.engineSeconds) s, CLI \(whole.cliSeconds) s; "
                + "leaving own out received \(omitting.received) operations, \(omitting.receivedBytes) bytes, "
                + "engine \(omitting.engineSeconds) s, CLI \(omitting.cliSeconds) s"
        )
        #expect(whole.received == Self.count)
        #expect(omitting.received == 0)
        #expect(omitting.receivedBytes < whole.receivedBytes)
    }
}
