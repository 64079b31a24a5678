import Central
import Foundation
import GRDB
import Models
import Sync
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers of the crash tests: seeded kill moments, processes to SIGKILL, and SQLite files read back.
enum Crash {

    /// The seed of one scenario: fixed, unless `EMPOWER_CRASH_SEED` names one (to replay a failure) or is `random`
    /// (stress runs by hand); printed either way. (The kill moments repeat with the seed; where they land in the
    /// work still depends on the machine's speed.)
    static func seed(for scenario: String) -> UInt64 {
        let seed = SeedText.fromEnvironment("EMPOWER_CRASH_SEED", default: 0xC2A5_5EED_0000_0001)
        print("[crash] \(scenario): seed \(seed) (replay with EMPOWER_CRASH_SEED=\(seed))")
        return seed
    }

    /// The number of kill trials of a scenario: `base` scaled by `EMPOWER_CRASH_SCALE` (default 1).
    static func trials(_ base: Int) -> Int {
        let scale = ProcessInfo.processInfo.environment["EMPOWER_CRASH_SCALE"].flatMap { Double($0) } ?? 1
        return max(1, Int((Double(base) * scale).rounded()))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) / 1e18
    }

    static func format(_ duration: Duration) -> String {
        String(format: "%.3fs", seconds(duration))
    }

    /// Sends SIGKILL if the process still runs, then waits until it has gone.
    static func sigkill(_ process: Process) async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        await waitForExit(process)
    }

    /// Sleeps until `deadline`, or until none of `processes` runs any more.
    static func sleep(until deadline: ContinuousClock.Instant, whileAnyRuns processes: [Process]) async {
        while ContinuousClock.now < deadline && processes.contains(where: \.isRunning) && !Task.isCancelled {
            try? await Task.sleep(for: min(.milliseconds(2), deadline - .now))
        }
    }

    /// Polls until `process` has exited, without blocking a thread of the test runner.
    static func waitForExit(_ process: Process) async {
        while process.isRunning && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        process.waitUntilExit()
    }

    /// Polls a SQLite file (read-only) until its `operation` table holds more than `count` rows, or none of
    /// `processes` runs.
    static func waitForOperations(in path: String, toExceed count: Int, whileRunning processes: [Process]) async {
        while processes.contains(where: \.isRunning) && !Task.isCancelled {
            if (try? operationCount(path)) ?? 0 > count { return }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// `PRAGMA integrity_check` of a SQLite file: "ok" when it is sound.
    static func integrityCheck(_ path: String) throws -> String {
        try withReadOnlyDatabase(path) { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
        }
    }

    /// How many operations a central store holds, read while its server may be writing.
    static func operationCount(_ path: String) throws -> Int {
        try withReadOnlyDatabase(path) { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM operation") ?? 0 }
    }

    /// Runs `body` on a read-only connection to a SQLite file, closed before returning.
    static func withReadOnlyDatabase<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let database = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? database.close() }
        return try database.read(body)
    }

    /// A few ids of a set, for failure messages.
    static func sample(_ ids: Set<String>) -> String {
        let shown = ids.sorted().prefix(3).joined(separator: ", ")
        return ids.count > 3 ? "\(shown), … (\(ids.count) in all)" : shown
    }
}

/// A real `empower-cli serve` process that a test starts, kills and starts again on the same data.
final class CrashServer {
    let dataDirectory: URL
    private(set) var process: Process
    private(set) var url: URL

    init(dataDirectory: URL) throws {
        self.dataDirectory = dataDirectory
        (process, url) = try CLIRunner.startServer(dataDirectory: dataDirectory)
    }

    /// The central store's SQLite file.
    var databasePath: String {
        dataDirectory.appendingPathComponent(SQLiteCentralStore.fileName).path
    }

    /// SIGKILL: no draining of requests, no clean close of the database.
    func crash() async {
        await Crash.sigkill(process)
    }

    /// Starts a new process on the same data directory; it listens on a new port.
    func restart() throws {
        precondition(!process.isRunning, "the server must be stopped before it is restarted")
        (process, url) = try CLIRunner.startServer(dataDirectory: dataDirectory)
    }

    /// SIGTERM, then wait: the end of a test.
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        await Crash.waitForExit(process)
    }
}

/// An `empower-cli` process left running, to be waited for or killed.
struct CrashCLIRun {
    let process: Process
    let started: ContinuousClock.Instant
    private let stdout: URL
    private let stderr: URL

    /// Starts `empower-cli` with `arguments`; its output goes to files in `logDirectory`.
    init(_ arguments: [String], logDirectory: URL) throws {
        let name = UUID().uuidString
        stdout = logDirectory.appendingPathComponent("\(name).out")
        stderr = logDirectory.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        started = .now
        try process.run()
    }

    /// Waits for the process to end by itself; after `timeout` (or when the test is cancelled) it is killed, and
    /// its status is then not 0.
    func finish(timeout: Duration = .seconds(120)) async -> CLIRunner.Result {
        let deadline = started + timeout
        while process.isRunning && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
        await Crash.sigkill(process)
        return result
    }

    /// SIGKILL at `moment` after the start (at once if that has passed), then waits for the process to go.
    /// - Returns: whether the kill landed (false when the process had already ended by itself).
    @discardableResult
    func kill(at moment: Duration) async -> Bool {
        await Crash.sleep(until: started + moment, whileAnyRuns: [process])
        let landed = process.isRunning
        await Crash.sigkill(process)
        return landed
    }

    /// SIGKILL `delay` after the SQLite file at `path` first holds more than `count` operations (a pushed batch
    /// on the server, a pulled page on a device; at once if the process has ended by then), then waits for the
    /// process to go.
    /// - Returns: whether the kill landed (false when the process had already ended by itself).
    func kill(after delay: Duration, onceOperationsIn path: String, exceed count: Int) async -> Bool {
        await Crash.waitForOperations(in: path, toExceed: count, whileRunning: [process])
        return await kill(at: ContinuousClock.now - started + delay)
    }

    var result: CLIRunner.Result {
        CLIRunner.Result(
            status: process.isRunning ? -1 : process.terminationStatus,
            stdout: (try? String(contentsOf: stdout, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        )
    }
}

/// A device enrolled with the real executable (`admin user add`, `admin device enrol` on the server's data
/// directory, then `device init` with the enrolment token), whose backlog is recorded in-process, fast.
struct CrashDevice {
    let directory: URL
    let identity: DeviceIdentity

    var databasePath: String { directory.appendingPathComponent(LocalReplica.fileName).path }
    var name: String { identity.deviceId }

    /// An officer's device, the officer added to the server if new.
    static func create(in parent: URL, deviceId: String, userId: String, server: CrashServer) throws -> CrashDevice {
        let directory = try CLIAccounts.enrolDevice(
            deviceId,
            user: userId,
            server: server.url,
            serverData: server.dataDirectory,
            directory: parent.appendingPathComponent(deviceId)
        )
        let identity = try LocalReplica.open(in: directory, key: nil).identity()
        return CrashDevice(directory: directory, identity: identity)
    }

    /// Records `count` sightings through the Sync API on the device's own file, in one transaction; the replica
    /// is closed again before this returns, so no CLI process shares the file with it.
    /// - Returns: the new operations' ids.
    func recordBacklog(_ count: Int) throws -> Set<String> {
        let replica = try LocalReplica.open(in: directory, key: try unlockedKey(of: directory))
        let now = Date().truncatedToMilliseconds
        let entries: [(OperationPayload, UUID)] = (0..<count).map { index in
            let sighting = Sighting(
                occurredAt: now,
                recordedAt: now,
                reporter: identity.userId,
                location: Location(venueId: "venue-concert-sq-01", place: "Concert Square"),
                behaviours: [.repeatedApproaches],
                riskLevel: .medium,
                narrative: "Backlog entry \(index): approached several women after being turned away."
            )
            return (.createSighting(sighting), sighting.id)
        }
        return Set(try replica.append(contentsOf: entries).map(\.opId.uuidString))
    }

    /// Points the device at the server's new address (it restarted on a new port). Only while no process has
    /// the device's file open.
    func setServer(_ url: URL) throws {
        let database = try DatabaseQueue(path: databasePath)
        try database.write { db in
            try db.execute(sql: "UPDATE deviceIdentity SET serverURL = ?", arguments: [url.absoluteString])
        }
        try database.close()
    }

    /// `empower-cli sync` of this device.
    /// Small batches, so that a push has several and a kill can fall between them.
    var syncArguments: [String] { ["sync", "--timeout", "30", "--batch-size", "500", "--data", directory.path] }

    /// What its SQLite file holds now.
    func contents() throws -> CrashDeviceContents {
        try CrashDeviceContents(path: databasePath)
    }
}

/// What a device's SQLite file holds, read with a read-only connection.
struct CrashDeviceContents {
    /// The outbox column by opId: 'pending', 'acknowledged', 'parked' or 'pulled'.
    var outbox: [String: String]
    var pullCursor: Int64

    var opIds: Set<String> { Set(outbox.keys) }

    func opIds(_ state: String) -> Set<String> {
        Set(outbox.compactMap { $0.value == state ? $0.key : nil })
    }

    init(path: String) throws {
        (outbox, pullCursor) = try Crash.withReadOnlyDatabase(path) { db in
            var outbox: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT opId, outbox FROM operation") {
                outbox[(row["opId"] as String).uppercased()] = row["outbox"]
            }
            return (outbox, try Int64.fetchOne(db, sql: "SELECT pullCursor FROM syncState") ?? 0)
        }
    }
}

/// What the central store's SQLite file holds, read with a read-only connection.
struct CrashCentralContents {
    /// Positions and opIds, in position order.
    var operations: [(seq: Int64, opId: String)]
    /// `COUNT(*)` and `COUNT(DISTINCT opId)` of the operation table.
    var count: Int
    var distinctCount: Int

    var opIds: Set<String> { Set(operations.map(\.opId)) }
    var lastSeq: Int64 { operations.last?.seq ?? 0 }

    /// The operations a device that has pulled through `cursor` must hold.
    func opIds(throughSeq cursor: Int64) -> Set<String> {
        Set(operations.prefix { $0.seq <= cursor }.map(\.opId))
    }

    /// The position of each opId.
    var seqByOpId: [String: Int64] {
        Dictionary(operations.map { ($0.opId, $0.seq) }, uniquingKeysWith: min)
    }

    init(path: String) throws {
        (operations, count, distinctCount) = try Crash.withReadOnlyDatabase(path) { db in
            let operations = try Row.fetchAll(db, sql: "SELECT seq, opId FROM operation ORDER BY seq").map {
                (seq: $0["seq"] as Int64, opId: ($0["opId"] as String).uppercased())
            }
            let counts = try Row.fetchOne(db, sql: "SELECT COUNT(*), COUNT(DISTINCT opId) FROM operation")!
            return (operations, counts[0] as Int, counts[1] as Int)
        }
    }
}

extension SeededGenerator {
    /// A moment drawn uniformly from zero to `limit`.
    mutating func moment(upTo limit: Duration) -> Duration {
        .microseconds(Int64((Crash.seconds(limit) * 1e6 * Double.random(in: 0..<1, using: &self)).rounded()))
    }
}
