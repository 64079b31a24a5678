import Central
import Foundation
import GRDB
import Models
import Sync
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A full server disk, met for real: a real `serve` process on a small tmpfs of its own (`TinyDisk`), real devices
/// made with the real executable, syncing over loopback HTTP. The disk is filled as a runaway log would fill it.
/// The server must say so plainly (503 `disk-full` with `Retry-After`, never 500; one log line naming the data
/// directory), keep serving reads, start again on the full disk, and take the devices' queued operations once
/// there is room: nothing lost, nothing stored twice.
@Suite("A full server disk", .serialized)
struct DiskFullTests {
    /// A push refused for the full disk, as `pushOnce` tells it.
    static let refused = "503 disk-full, retry after 10 s"

    /// Whether the tests can run here; when not, says why.
    static let canRun: Bool = {
        guard let reason = TinyDisk.skipReason else { return true }
        print("WARNING: the full-disk tests are skipped: \(reason).")
        return false
    }()

    @Test(
        "a full disk: 503 disk-full with Retry-After, reads go on, a restart on the full disk, and every queued operation arrives once there is room",
        .enabled(if: canRun)
    )
    func fullDiskEndToEnd() async throws {
        let disk = try TinyDisk(megabytes: 8)
        let workspace = try makeTemporaryDirectory()
        let data = disk.mountPoint.appendingPathComponent("central")
        let tokens = try provision(
            [
                ("dev-pc4127", "PC-4127", "officer"), ("dev-pc5310", "PC-5310", "officer"),
                ("dev-ps1187", "PS-1187", "supervisor"),
            ],
            onto: disk
        )
        let firstLog = workspace.appendingPathComponent("serve-1.log")
        // The first server logs JSON lines, the second text: the no-personal-data check covers both formats.
        var server = try startServer(on: disk, reserveMegabytes: 1, log: firstLog, logFormat: "json")
        #expect(reserveSize(disk) == 1 << 20, "the reserve is made at start")
        let port = try #require(server.url.port)

        try await FaultProxy.withRunningProxy(upstream: server.url, seed: 1, script: []) { proxy, url in
            // Devices sync through a plain forwarding proxy, which keeps every status the server answered.
            let first = try initDevice("dev-pc4127", tokens, server: url, in: workspace)
            let second = try initDevice("dev-pc5310", tokens, server: url, in: workspace)
            let supervisor = try initDevice("dev-ps1187", tokens, server: url, in: workspace)
            var made: Set<String> = []
            for index in 1...3 {
                made.insert(try record("Seel Street \(index)", on: first))
                made.insert(try record("Bold Street \(index)", on: second))
            }
            for device in [first, second] {
                let synced = try CLIRunner.run(["sync", "--data", device.path])
                #expect(synced.status == 0, "stderr was: \(synced.stderr)")
            }

            // The disk fills up; the devices go on recording.
            try disk.fill()
            for index in 4...5 {
                made.insert(try record("Seel Street \(index)", on: first))
                made.insert(try record("Bold Street \(index)", on: second))
            }

            // Reads go on, the first of them too (its audit entry finds no room, and the reserve gives some
            // back): a pull, a search, the venues. Pushes are refused plainly, never with a 500.
            #expect(try await pulled(by: second, from: url) == 6)
            let search = try await get(url, "/v1/records?reason=Weekly%20review", device: supervisor)
            #expect(search.status == 200)
            #expect(try WireCoding.decode(RecordList.self, from: search.body).records.count == 6)
            #expect(try await get(url, "/v1/venues", device: first).status == 200)
            try await expectPush(from: first, to: url, answered: Self.refused)
            try await expectPush(from: second, to: url, answered: Self.refused)

            // The log says it once, plainly, with where; the reserve was given back to the disk.
            let log = try String(contentsOf: firstLog, encoding: .utf8)
            #expect(occurrences(of: "Disk full:", in: log) == 1, "log was: \(log)")
            #expect(log.contains("the disk that holds the central store (\(data.path))"), "log was: \(log)")
            #expect(!log.contains("PC-4127") && !log.contains("Seel Street"), "no personal data in the log")
            for line in log.split(separator: "\n") {
                #expect(
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any],
                    "not JSON: \(line)"
                )
            }
            #expect(reserveSize(disk) == nil)

            // A restart on the full disk: it starts, serves reads, and refuses pushes from the start.
            server.stop()
            #expect(server.termination.status == 0)
            let secondLog = workspace.appendingPathComponent("serve-2.log")
            server = try startServer(on: disk, port: port, reserveMegabytes: 1, log: secondLog)
            #expect(try String(contentsOf: secondLog, encoding: .utf8).contains("Started with pushes refused"))
            #expect(try await pulled(by: first, from: url) == 6)
            try await expectPush(from: second, to: url, answered: Self.refused)

            // A device syncs meanwhile: refused, it waits as Retry-After says; room is made; its retry is taken.
            let refusedPushes = { proxy.injections.filter { $0.route == .push && $0.upstreamStatus == 503 } }
            let refusedBefore = refusedPushes().count
            let pushesBefore = proxy.injections.count
            let waiting = try startSync(first)
            try await waitUntil { refusedPushes().count > refusedBefore }
            try disk.removeFillers()
            let (status, output) = finish(waiting)
            #expect(status == 0, "sync said: \(output)")
            #expect(output.contains("Pushed 2 operations"), "sync said: \(output)")
            // Timed by the proxy, from the refusal's answer to the retry, not by when this test noticed it.
            let pushes = proxy.injections.dropFirst(pushesBefore).filter { $0.route == .push }
            let refusal = try #require(pushes.first { $0.upstreamStatus == 503 }?.answeredAt)
            let retry = try #require(pushes.last { $0.upstreamStatus == 200 }?.receivedAt)
            #expect(retry - refusal >= .seconds(8), "the device waited as Retry-After said")
            #expect(reserveSize(disk) == 1 << 20, "the reserve is back in place")
            let recovered = try String(contentsOf: secondLog, encoding: .utf8)
            #expect(recovered.contains("Disk space recovered"), "log was: \(recovered)")
            #expect(!recovered.contains("PC-4127") && !recovered.contains("Seel Street"), "no personal data in the log")

            // Everyone syncs: every record everywhere, each operation stored once.
            for device in [second, first, supervisor] {
                let synced = try CLIRunner.run(["sync", "--data", device.path])
                #expect(synced.status == 0, "stderr was: \(synced.stderr)")
                #expect(try recordIds(on: device) == made)
                let status = try CLIRunner.run(["status", "--data", device.path])
                #expect(status.stdout.contains("Pending    0 operations"), "status was: \(status.stdout)")
            }
            #expect(!proxy.injections.contains { ($0.upstreamStatus ?? 0) >= 500 && $0.upstreamStatus != 503 })
            server.stop()
            let stored = try storedOperations(on: disk)
            #expect(stored.records == made)
            #expect(stored.operations == made.count && stored.distinctOperations == made.count)
        }
    }

    @Test(
        "on a disk full to the last byte, with no reserve left, it starts read-only and opens for writing once there is room",
        .enabled(if: canRun)
    )
    func startsReadOnly() async throws {
        let disk = try TinyDisk(megabytes: 8)
        let workspace = try makeTemporaryDirectory()
        let data = disk.mountPoint.appendingPathComponent("central")
        let tokens = try provision(
            [("dev-pc4127", "PC-4127", "officer"), ("dev-ps1187", "PS-1187", "supervisor")],
            onto: disk
        )
        var server = try startServer(
            on: disk,
            reserveMegabytes: 1,
            log: workspace.appendingPathComponent("serve-1.log")
        )
        let port = try #require(server.url.port)
        let officer = try initDevice("dev-pc4127", tokens, server: server.url, in: workspace)
        let supervisor = try initDevice("dev-ps1187", tokens, server: server.url, in: workspace)
        _ = try record("Seel Street", on: officer)
        #expect(try CLIRunner.run(["sync", "--data", officer.path]).status == 0)
        server.stop()

        // Stopped cleanly into one file (no write-ahead log or shared memory beside it), its reserve released by
        // an earlier fill, the disk full to the last byte: SQLite has not even room for its shared memory.
        try foldIntoOneFile(disk)
        try FileManager.default.removeItem(at: disk.outside("central/disk-reserve"))
        try disk.fill()
        let log = workspace.appendingPathComponent("serve-2.log")
        server = try startServer(on: disk, port: port, reserveMegabytes: 1, log: log)
        let started = try String(contentsOf: log, encoding: .utf8)
        #expect(
            started.contains("Started read-only: the disk that holds the central store (\(data.path))"),
            "log was: \(started)"
        )
        #expect(try await get(server.url, "/v1/health", device: nil).status == 200)
        _ = try record("Bold Street", on: officer)
        try await expectPush(from: officer, to: server.url, answered: Self.refused)
        // A read is audited before anything is sent, and no entry can be stored: it is refused too, the venue
        // list as a search.
        for (path, device) in [("/v1/records?reason=Weekly%20review", supervisor), ("/v1/venues", officer)] {
            let refused = try await get(server.url, path, device: device)
            #expect(refused.status == 503 && refused.retryAfter == "10", "\(path)")
            #expect(try WireCoding.decode(ErrorBody.self, from: refused.body).code == "disk-full", "\(path)")
        }

        // Room is made: the store is opened for writing again, the reserve made again, and all of it taken.
        try disk.removeFillers()
        try await Task.sleep(for: .milliseconds(1100))  // free space is looked at once a second at most
        try await expectPush(from: officer, to: server.url, answered: "200")
        #expect(try await get(server.url, "/v1/venues", device: officer).status == 200)
        let search = try await get(server.url, "/v1/records?reason=Weekly%20review", device: supervisor)
        #expect(try WireCoding.decode(RecordList.self, from: search.body).records.count == 2)
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(said.contains("is open for writing again"), "log was: \(said)")
        #expect(reserveSize(disk) == 1 << 20)
        server.stop()
    }

    @Test(
        "without a reserve, a write that finds the disk full is answered 503 disk-full, said once in the log",
        .enabled(if: canRun)
    )
    func fullDiskWithoutReserve() async throws {
        let disk = try TinyDisk(megabytes: 4)
        let workspace = try makeTemporaryDirectory()
        let tokens = try provision([("dev-pc4127", "PC-4127", "officer")], onto: disk)
        let log = workspace.appendingPathComponent("serve.log")
        let server = try startServer(on: disk, reserveMegabytes: 0, log: log)
        defer { server.stop() }
        let device = try initDevice("dev-pc4127", tokens, server: server.url, in: workspace)
        _ = try record("Seel Street", on: device)
        try disk.fill()
        try await expectPush(from: device, to: server.url, answered: Self.refused)
        try await expectPush(from: device, to: server.url, answered: Self.refused)
        #expect(try await get(server.url, "/v1/health", device: nil).status == 200)
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(occurrences(of: "Disk full:", in: said) == 1, "log was: \(said)")
        #expect(said.contains("(\(disk.mountPoint.path)/central)"), "log was: \(said)")
    }

    @Test(
        "pushes stop while less than the reserve is free, before the disk is full, and resume once there is room",
        .enabled(if: canRun)
    )
    func pushesStopBeforeTheDiskIsFull() async throws {
        let disk = try TinyDisk(megabytes: 8)
        let workspace = try makeTemporaryDirectory()
        let tokens = try provision([("dev-pc4127", "PC-4127", "officer")], onto: disk)
        let log = workspace.appendingPathComponent("serve.log")
        let server = try startServer(on: disk, reserveMegabytes: 2, log: log)
        defer { server.stop() }
        let device = try initDevice("dev-pc4127", tokens, server: server.url, in: workspace)
        _ = try record("Seel Street", on: device)
        try disk.fill(leaving: 1 << 20)
        try await Task.sleep(for: .milliseconds(1100))  // free space is looked at once a second at most
        try await expectPush(from: device, to: server.url, answered: Self.refused)
        #expect(try await pulled(by: device, from: server.url) == 0, "reads go on")
        #expect(reserveSize(disk) == 2 << 20, "the reserve stays in place: nothing failed")
        var said = try String(contentsOf: log, encoding: .utf8)
        #expect(said.contains("Disk space low"), "log was: \(said)")
        #expect(!said.contains("Disk full"), "log was: \(said)")

        try disk.removeFillers()
        try await Task.sleep(for: .milliseconds(1100))
        try await expectPush(from: device, to: server.url, answered: "200")
        said = try String(contentsOf: log, encoding: .utf8)
        #expect(said.contains("Disk space recovered"), "log was: \(said)")
    }

    @Test("a reserve size out of range, or given for PostgreSQL, is refused clearly before anything starts")
    func badReserveOption() throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("central")
        let tooLarge = try CLIRunner.run(["serve", "--port", "0", "--data", data.path, "--disk-reserve-mb=70000"])
        #expect(tooLarge.status != 0)
        #expect(tooLarge.stderr.contains("--disk-reserve-mb must be 0 to 65536"), "stderr was: \(tooLarge.stderr)")
        let negative = try CLIRunner.run(["serve", "--port", "0", "--data", data.path, "--disk-reserve-mb=-1"])
        #expect(negative.status != 0 && negative.stderr.contains("--disk-reserve-mb must be 0 to 65536"))
        let postgres = try CLIRunner.run([
            "serve", "--port", "0", "--database", "postgres://empower@127.0.0.1:1/empower", "--disk-reserve-mb", "8",
        ])
        #expect(postgres.status != 0)
        #expect(postgres.stderr.contains("PostgreSQL keeps no reserve file"), "stderr was: \(postgres.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data.path), "nothing was made")
    }

    // MARK: - Helpers

    /// Users and devices made with the real `admin` commands in a staging directory, which is then copied onto
    /// the disk as the server's data directory (SQLite cannot open a database through `/proc/PID/root`).
    /// - Returns: each device's enrolment token.
    private func provision(
        _ devices: [(id: String, user: String, role: String)],
        onto disk: TinyDisk
    ) throws
        -> [String: String]
    {
        let staging = try makeTemporaryDirectory().appendingPathComponent("central")
        _ = try SQLiteCentralStore(directory: staging)  // the admin commands work on a store that exists
        var tokens: [String: String] = [:]
        for device in devices {
            try CLIAccounts.addUser(device.user, role: device.role, serverData: staging)
            tokens[device.id] = try CLIAccounts.enrolmentToken(
                user: device.user,
                device: device.id,
                serverData: staging
            )
        }
        try FileManager.default.copyItem(at: staging, to: disk.outside("central"))
        return tokens
    }

    /// - Parameter logFormat: `serve --log-format`: text or json.
    private func startServer(
        on disk: TinyDisk,
        port: Int = 0,
        reserveMegabytes: Int,
        log: URL,
        logFormat: String = "text"
    ) throws -> ServeProcess {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        return try ServeProcess(
            data: disk.mountPoint.appendingPathComponent("central"),
            port: port,
            diskReserveMegabytes: reserveMegabytes,
            launcher: disk.launcher,
            standardError: try FileHandle(forWritingTo: log),
            arguments: ["--log-format", logFormat]
        )
    }

    private func initDevice(_ id: String, _ tokens: [String: String], server: URL, in workspace: URL) throws -> URL {
        let directory = workspace.appendingPathComponent(id)
        let initialised = try CLIAccounts.initDevice(
            server: server,
            token: try #require(tokens[id]),
            directory: directory
        )
        #expect(initialised.status == 0, "device init said: \(initialised.stderr)")
        return directory
    }

    /// Records a sighting on the device. - Returns: its record id, lower case.
    private func record(_ place: String, on device: URL) throws -> String {
        let added = try CLIRunner.run([
            "sighting", "add", "--place", place, "--behaviour", "leering", "--risk", "low", "--data", device.path,
        ])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        return added.stdout.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    private func token(of device: URL) throws -> String {
        try #require(try AccessTokenFile.load(from: device, key: unlockedKey(of: device)))
    }

    /// Expects `pushOnce` to be answered so.
    private func expectPush(
        from device: URL,
        to server: URL,
        answered expected: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let answer = try await pushOnce(device, to: server)
        #expect(answer == expected, sourceLocation: sourceLocation)
    }

    /// One push of the device's queued operations, as the real transport sends it, outside its sync engine (so
    /// nothing is retried and nothing leaves the queue): "200", or the refusal as "503 disk-full, retry after
    /// 10 s".
    private func pushOnce(_ device: URL, to server: URL) async throws -> String {
        let replica = try LocalReplica.open(in: device, key: try unlockedKey(of: device))
        let batch = try replica.outboxBatch(maxOperations: 100)
        let transport = HTTPTransport(serverURL: server, token: try token(of: device), requestTimeout: 20)
        let deviceId = try replica.identity().deviceId
        do {
            _ = try await transport.push(deviceId: deviceId, batch: batch)
            return "200"
        } catch .server(let status, let code, _, let retryAfter) {
            return "\(status) \(code), retry after \(retryAfter.map { "\(Int($0)) s" } ?? "nothing")"
        } catch {
            return "\(error)"
        }
    }

    /// How many operations a pull from the start gives the device (one page).
    private func pulled(by device: URL, from server: URL) async throws -> Int {
        let transport = HTTPTransport(serverURL: server, token: try token(of: device), requestTimeout: 20)
        return try await transport.pull(after: 0, limit: 1000).operations.count
    }

    /// A GET with the device's token (none when nil).
    private func get(
        _ server: URL,
        _ pathAndQuery: String,
        device: URL?
    ) async throws
        -> (status: Int, retryAfter: String?, body: Data)
    {
        var request = URLRequest(url: try #require(URL(string: server.absoluteString + pathAndQuery)))
        if let device { request.setValue("Bearer \(try token(of: device))", forHTTPHeaderField: "Authorization") }
        let (body, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Retry-After"), body)
    }

    /// `empower-cli sync` on the device, running.
    private func startSync(_ device: URL) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["sync", "--timeout", "30", "--data", device.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return (process, output)
    }

    private func finish(_ running: (Process, Pipe)) -> (Int32, String) {
        let output = running.1.fileHandleForReading.readDataToEndOfFile()
        running.0.waitUntilExit()
        return (running.0.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    private func waitUntil(seconds: Double = 60, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TinyDiskError("waited \(seconds) s in vain") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The record ids the device lists, lower case.
    private func recordIds(on device: URL) throws -> Set<String> {
        let listed = try CLIRunner.run(["list", "--format", "csv", "--data", device.path])
        #expect(listed.status == 0, "stderr was: \(listed.stderr)")
        return Set(listed.stdout.split(whereSeparator: \.isNewline).dropFirst().map { $0.prefix(36).lowercased() })
    }

    /// Folds the stopped server's write-ahead log into its database file and removes it and the shared memory,
    /// as a clean stop of its last connection would (a copy is folded outside: SQLite cannot open the disk's
    /// files from here).
    private func foldIntoOneFile(_ disk: TinyDisk) throws {
        let parent = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        let copy = parent.appendingPathComponent("central")
        try FileManager.default.copyItem(at: disk.outside("central"), to: copy)
        let database = try DatabaseQueue(path: copy.appendingPathComponent("central.sqlite").path)
        try database.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try database.close()
        #expect(!FileManager.default.fileExists(atPath: copy.appendingPathComponent("central.sqlite-wal").path))
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: disk.outside("central/central.sqlite\(suffix)"))
        }
        try FileManager.default.copyItem(
            at: copy.appendingPathComponent("central.sqlite"),
            to: disk.outside("central/central.sqlite")
        )
    }

    /// What the stopped server stored, read from a copy of its data directory.
    private func storedOperations(
        on disk: TinyDisk
    ) throws -> (records: Set<String>, operations: Int, distinctOperations: Int) {
        let copy = try makeTemporaryDirectory().appendingPathComponent("central")
        try FileManager.default.copyItem(at: disk.outside("central"), to: copy)
        let database = try DatabaseQueue(path: copy.appendingPathComponent("central.sqlite").path)
        return try database.read { db in
            (
                Set(try String.fetchAll(db, sql: "SELECT id FROM record").map { $0.lowercased() }),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM operation") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT opId) FROM operation") ?? 0
            )
        }
    }

    /// The reserve file's allocated size, or nil when there is none.
    private func reserveSize(_ disk: TinyDisk) -> Int64? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: disk.outside("central/disk-reserve").path)
        return (attributes?[.size] as? NSNumber)?.int64Value
    }

    private func occurrences(of text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }
}
