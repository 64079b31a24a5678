import Central
import Foundation
import GRDB
import Models
import Testing

/// A device whose wall clock is wrong by hours, for real: the real executable run under libfaketime (Debian's
/// `faketime`), against a real `serve`. The boot clock is left true (`FAKETIME_DONT_FAKE_MONOTONIC`), as setting a
/// device's clock leaves it.
@Suite("Command line: a device whose wall clock is wrong")
struct WrongClockCLITests {
    /// Debian's `faketime` (`make test` installs the package).
    static let faketime = "/usr/bin/faketime"

    /// A wall clock moved by `offset` (as "+2h" or "-2h"): the command that runs the CLI with it.
    private func clock(_ offset: String) throws -> [String] {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.faketime),
            "faketime is missing: apt-get install faketime"
        )
        return [Self.faketime, "-f", offset]
    }

    private func run(_ arguments: [String], on device: URL, clock wrapper: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(
            arguments + ["--data", device.path],
            launcher: wrapper,
            environment: wrapper.isEmpty ? [:] : ["FAKETIME_DONT_FAKE_MONOTONIC": "1"]
        )
    }

    private func record(_ place: String, on device: URL, clock environment: [String] = []) throws {
        let added = try run(
            ["sighting", "add", "--place", place, "--behaviour", "leering", "--risk", "low"],
            on: device,
            clock: environment
        )
        #expect(added.status == 0, "stderr was: \(added.stderr)")
    }

    /// The records on a device, as `list --format json` prints them.
    private func listed(on device: URL) throws -> [RecordState] {
        let listed = try run(["list", "--format", "json"], on: device)
        #expect(listed.status == 0, "stderr was: \(listed.stderr)")
        return try WireCoding.decode(RecordList.self, from: Data(listed.stdout.utf8)).records
    }

    /// Every operation the server's store holds.
    private func stored(_ server: ServeProcess) async throws -> [LogOperation] {
        try await allCentralOperations(try SQLiteCentralStore(directory: server.data))
    }

    /// Whether `date` is a true time of the test: from its start to now (a minute either way, for the
    /// precision of the anchor), not hours off.
    private func isDuringTest(_ date: Date, startedAt start: Date) -> Bool {
        date >= start.addingTimeInterval(-60) && date <= Date().addingTimeInterval(60)
    }

    @Test("2 h fast, never synced: its records are stamped again by the server's time and stored; later ones too")
    func fastClockBeforeFirstSync() async throws {
        let started = Date()
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-pc4127-phone",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        let fast = try clock("+2h")
        for place in ["Seel Street", "Wood Street", "Concert Square"] { try record(place, on: device, clock: fast) }

        let synced = try run(["sync"], on: device, clock: fast)
        #expect(synced.status == 0, "stdout: \(synced.stdout) stderr: \(synced.stderr)")
        #expect(synced.stdout.contains("3 operations were refused because this device's clock ran ahead"))
        #expect(synced.stdout.contains("wall clock is 2 h 0 min ahead of the server's"), "\(synced.stdout)")
        let status = try run(["status"], on: device, clock: fast)
        #expect(status.stdout.contains("Clock      2 h 0 min ahead of the server's"), "\(status.stdout)")
        #expect(status.stdout.contains("Refused    0"))

        // The clock still wrong, then set right: what is recorded is stamped by the server's time either way.
        try record("Bold Street", on: device, clock: fast)
        try record("Hardman Street", on: device)
        let again = try run(["sync"], on: device)
        #expect(again.status == 0, "stdout: \(again.stdout) stderr: \(again.stderr)")

        let operations = try await stored(server)
        #expect(operations.count == 5)
        for operation in operations {
            #expect(isDuringTest(operation.hlc.date, startedAt: started), "stamped at \(operation.hlc)")
            #expect(isDuringTest(try #require(operation.payload.createdRecord).recordedAt, startedAt: started))
        }
        let places = try listed(on: device).compactMap {
            if case .sighting(let sighting) = $0.current { sighting.location.place } else { nil }
        }
        #expect(Set(places) == ["Seel Street", "Wood Street", "Concert Square", "Bold Street", "Hardman Street"])
        #expect(try run(["status"], on: device).stdout.contains("Clock      in step with the server's"))
    }

    @Test("a stamp from a device 2 h fast does not carry a correct device's stamps ahead")
    func fastStampDoesNotSpread() async throws {
        let started = Date()
        let workspace = try makeTemporaryDirectory()
        // A server that lets stamps 3 h ahead through, as one misconfigured would.
        let loose = try ServeProcess(arguments: ["--clock-tolerance", "180"])
        let fastDevice = try loose.enrolDevice(
            "dev-pc4127-phone",
            user: "PC-4127",
            in: workspace.appendingPathComponent("a")
        )
        let goodDevice = try loose.enrolDevice(
            "dev-pc5310-phone",
            user: "PC-5310",
            in: workspace.appendingPathComponent("b")
        )
        try record("Seel Street", on: fastDevice, clock: try clock("+2h"))
        #expect(try run(["sync"], on: fastDevice, clock: try clock("+2h")).status == 0)
        #expect(try run(["sync"], on: goodDevice).status == 0)
        let port = loose.url.port!
        loose.stop()

        // The same server at the default tolerance: the correct device's next records are stamped now.
        let server = try ServeProcess(data: loose.data, port: port)
        defer { server.stop() }
        try record("Wood Street", on: goodDevice)
        let synced = try run(["sync"], on: goodDevice)
        #expect(synced.status == 0, "stdout: \(synced.stdout) stderr: \(synced.stderr)")
        let operations = try await stored(server)
        #expect(operations.count == 2)
        let good = try #require(operations.first { $0.deviceId == "dev-pc5310-phone" })
        #expect(isDuringTest(good.hlc.date, startedAt: started), "stamped at \(good.hlc)")
    }

    @Test("2 h slow: records are stamped and timed by the server's clock; its later amendment wins")
    func slowClock() async throws {
        let started = Date()
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        let slowDevice = try server.enrolDevice(
            "dev-pc4127-phone",
            user: "PC-4127",
            in: workspace.appendingPathComponent("a")
        )
        let supervisor = try server.enrolDevice(
            "dev-ps2001-tablet",
            user: "PS-2001",
            role: "supervisor",
            in: workspace.appendingPathComponent("b")
        )
        let slow = try clock("-2h")
        #expect(try run(["sync"], on: slowDevice, clock: slow).status == 0)
        try record("Concert Square", on: slowDevice, clock: slow)
        let synced = try run(["sync"], on: slowDevice, clock: slow)
        #expect(synced.status == 0)
        #expect(
            synced.stdout.contains("wall clock is 1 h 59 min behind") || synced.stdout.contains("2 h 0 min behind"),
            "\(synced.stdout)"
        )
        let record = try #require(try listed(on: slowDevice).first)
        #expect(isDuringTest(record.current.recordedAt, startedAt: started), "recorded at \(record.current.recordedAt)")
        #expect(isDuringTest(record.current.occurredAt, startedAt: started), "occurred at \(record.current.occurredAt)")

        #expect(try run(["sync"], on: supervisor).status == 0)
        let id = record.id.uuidString.lowercased()
        let amend = ["amend", id, "--field", "place", "--reason", "correction"]
        #expect(try run(amend + ["--value", "Wood Street"], on: supervisor).status == 0)
        #expect(try run(["sync"], on: supervisor).status == 0)
        try await Task.sleep(for: .seconds(2))
        #expect(try run(["sync"], on: slowDevice, clock: slow).status == 0)
        #expect(try run(amend + ["--value", "Seel Street"], on: slowDevice, clock: slow).status == 0)
        #expect(try run(["sync"], on: slowDevice, clock: slow).status == 0)
        #expect(try run(["sync"], on: supervisor).status == 0)
        for device in [slowDevice, supervisor] {
            let current = try #require(try listed(on: device).first).current
            guard case .sighting(let sighting) = current else {
                Issue.record("not a sighting")
                continue
            }
            #expect(sighting.location.place == "Seel Street")
        }
    }

    @Test("one damaged byte in one stored operation: the rest is sent, list works, sync exits 3 and status says why")
    func damagedOperation() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-pc4127-phone",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        for place in ["Seel Street", "Wood Street", "Concert Square", "Bold Street"] { try record(place, on: device) }
        let queue = try DatabaseQueue(path: device.appendingPathComponent("device.sqlite").path)
        try await queue.write { db in
            let row = try #require(
                try Row.fetchOne(db, sql: "SELECT opId, body FROM operation ORDER BY localSeq LIMIT 1 OFFSET 1")
            )
            var body: Data = row["body"]
            body[body.count / 2] ^= 0x01
            try db.execute(
                sql: "UPDATE operation SET body = ? WHERE opId = ?",
                arguments: [body, row["opId"] as String]
            )
        }
        try queue.close()

        let synced = try run(["sync"], on: device)
        #expect(synced.status == 3, "stdout: \(synced.stdout) stderr: \(synced.stderr)")
        #expect(synced.stdout.contains("Pushed 3 operations"))
        #expect(synced.stdout.contains("1 operation is parked"))
        let status = try run(["status"], on: device)
        #expect(status.stdout.contains("Refused    1"))
        #expect(status.stdout.contains("(damaged): This operation's stored copy on this device is damaged"))
        #expect(try listed(on: device).count == 3)
        #expect(try await stored(server).count == 3)
        let help = try CLIRunner.run(["sync", "--help"])
        #expect(help.stdout.contains("3  operations are parked"))
    }
}
