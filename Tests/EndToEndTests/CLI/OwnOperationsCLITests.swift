import Central
import Foundation
import GRDB
import Models
import Sync
import Testing

/// A device is not sent back what it pushed (`omitOwn`), through the real command line and a real server: the
/// server's audit log says what each pull disclosed, so it shows what went over the wire.
@Suite("Command line: a device's own operations are not pulled back")
struct OwnOperationsCLITests {
    private func run(_ arguments: [String], on device: URL) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--data", device.path])
    }

    private func recordSightings(_ count: Int, on device: URL, user: String) throws {
        let replica = try LocalReplica.open(in: device, key: unlockedKey(of: device))
        let now = Date().truncatedToMilliseconds
        try replica.append(
            contentsOf: (0..<count).map { index in
                let sighting = Sighting(
                    occurredAt: now,
                    recordedAt: now,
                    reporter: user,
                    location: Location(venueId: "venue-concert-sq-01", place: "Concert Square, bench \(index)"),
                    behaviours: [.following],
                    riskLevel: .medium,
                    narrative: "Followed a lone woman from the square (\(index))."
                )
                return (.createSighting(sighting), sighting.id)
            }
        )
    }

    /// How many operations the pulls of a device disclosed, from the audit log's entries after `after`.
    private func pulledOperations(by deviceId: String, after seq: Int64, _ server: ServeProcess) throws -> Int {
        try auditLog(server).filter { $0.action == .pull && $0.deviceId == deviceId && $0.seq > seq }
            .reduce(0) { $0 + ($1.count ?? 0) }
    }

    @Test(
        "a device that pushes N is sent none of them back; the same user's other device and another user's get all N"
    )
    func ownOperationsStayHome() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let phone = try server.enrolDevice("dev-own-phone", user: "PC-4127", in: workspace.appendingPathComponent("p"))
        // The same officer's second device, approved from the first.
        let tabletToken = try CLIAccounts.enrolmentToken(
            user: "PC-4127",
            device: "dev-own-tablet",
            serverData: server.data
        )
        #expect(try run(["device", "approve", "dev-own-tablet"], on: phone).status == 0)
        let tablet = workspace.appendingPathComponent("t")
        let initialised = try CLIAccounts.initDevice(server: server.url, token: tabletToken, directory: tablet)
        #expect(initialised.status == 0, "stderr was: \(initialised.stderr)")
        let colleague = try server.enrolDevice(
            "dev-own-other",
            user: "PC-5230",
            in: workspace.appendingPathComponent("c")
        )

        // Each device's first sync pulls whole pages: it learns it holds everything of its own.
        for device in [phone, tablet, colleague] { #expect(try run(["sync"], on: device).status == 0) }
        let start = try #require(try auditLog(server).last?.seq)

        let count = 120
        try recordSightings(count, on: phone, user: "PC-4127")
        let pushed = try run(["sync"], on: phone)
        #expect(pushed.status == 0, "stderr was: \(pushed.stderr)")
        #expect(pushed.stdout.contains("Pushed \(count) operations; pulled 0 new."), "stdout was: \(pushed.stdout)")
        #expect(try pulledOperations(by: "dev-own-phone", after: start, server) == 0, "none sent back to the pusher")

        for (device, id) in [(tablet, "dev-own-tablet"), (colleague, "dev-own-other")] {
            let pulled = try run(["sync"], on: device)
            #expect(pulled.stdout.contains("pulled \(count) new."), "\(id): stdout was: \(pulled.stdout)")
            #expect(try pulledOperations(by: id, after: start, server) == count, "\(id) receives every one")
        }
        // The pusher holds its own all the same, and a colleague's operation still reaches it.
        try recordSightings(1, on: colleague, user: "PC-5230")
        #expect(try run(["sync"], on: colleague).status == 0)
        let again = try run(["sync"], on: phone)
        #expect(again.stdout.contains("Pushed 0 operations; pulled 1 new."), "stdout was: \(again.stdout)")
        let records = try LocalReplica.open(in: phone, key: unlockedKey(of: phone)).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM record")
        }
        #expect(records == count + 1)
    }
}
