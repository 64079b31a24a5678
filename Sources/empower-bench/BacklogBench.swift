import Central
import Foundation
import GRDB
import Models
import Sync

/// One device pushing to and pulling from a server, end to end over HTTP, each in a process of its own (the
/// device is `empower-cli sync`, as an officer runs it), with the peak memory of each; and a no-op sync against
/// a large store.
struct BacklogBench {
    let workspace: URL
    let executable: URL

    /// What one push-then-pull of a backlog measured.
    struct Transfer {
        var count: Int
        var pushSeconds: Double
        var pullSeconds: Double
        var clientPushPeak: Int
        var clientPullPeak: Int
        var serverPeak: Int
        /// The operations pushed, as the device made them (the rows of the raw-insert comparison).
        var operations: [LogOperation]
    }

    /// One device records `count` sightings offline, then pushes them (`pushBatch` a request) to a new store;
    /// a second device then pulls them all.
    func transfer(on kind: BenchStore, count: Int, pushBatch: Int, name: String) async throws -> Transfer {
        try await kind.withScratch(in: workspace, named: name) { store in
            let (writerToken, readerToken) = try await store.withStore { central in
                (
                    try await BenchCommand.token("dev-\(name)-a", in: central),
                    try await BenchCommand.token("dev-\(name)-b", in: central)
                )
            }
            let server = try BenchServer(executable: executable, store: store)
            defer { server.stop() }
            let devices = workspace.appendingPathComponent("devices-\(name)")
            defer { try? FileManager.default.removeItem(at: devices) }
            let writerDirectory = devices.appendingPathComponent("writer")
            let writerKey = DataKey.random()
            let writer = try LocalReplica.create(
                in: writerDirectory,
                identity: BenchCommand.identity("dev-\(name)-a", serverURL: server.url),
                key: writerKey
            )
            for start in stride(from: 0, to: count, by: 1000) {
                let sightings = (start..<min(start + 1000, count)).map { BenchCommand.sighting(index: $0) }
                try writer.append(contentsOf: sightings.map { (.createSighting($0), $0.id) })
            }
            // `empower-cli sync` in its own process finds the key where `device unlock` leaves it.
            try AccessTokenFile.save(writerToken, in: writerDirectory, key: writerKey)
            try KernelKeyring.store(writerKey, for: writerDirectory, lasting: 3600)
            defer { KernelKeyring.forget(for: writerDirectory) }
            let push = try syncInOwnProcess(device: writerDirectory, pushBatch: pushBatch)
            guard let pushSeconds = push.lastPushSeconds else { throw BenchError("The backlog was not pushed.") }

            let readerDirectory = devices.appendingPathComponent("reader")
            let readerKey = DataKey.random()
            let reader = try LocalReplica.create(
                in: readerDirectory,
                identity: BenchCommand.identity("dev-\(name)-b", serverURL: server.url),
                key: readerKey
            )
            try AccessTokenFile.save(readerToken, in: readerDirectory, key: readerKey)
            try KernelKeyring.store(readerKey, for: readerDirectory, lasting: 3600)
            defer { KernelKeyring.forget(for: readerDirectory) }
            let pull = try syncInOwnProcess(device: readerDirectory, pushBatch: pushBatch)
            guard try reader.status().records == count else { throw BenchError("The backlog did not arrive whole.") }
            return Transfer(
                count: count,
                pushSeconds: pushSeconds,
                pullSeconds: pull.seconds,
                clientPushPeak: push.peakMemory,
                clientPullPeak: pull.peakMemory,
                serverPeak: server.peakMemory,
                operations: try writer.allOperations()
            )
        }
    }

    /// What a no-op sync against a large store measured, and pushes into it.
    struct NoOpSync {
        var size: Int
        var fillSeconds: Double
        var medianSeconds: Double
        var samples: Int
        /// Operations per second of each push of `largeStorePushCount` new operations into the store, one after
        /// another.
        var pushRates: [Double]
    }

    /// Pushes into a store of a given size: how many runs, and how many operations each.
    static let largeStorePushRuns = 3
    static let largeStorePushCount = 5000

    /// The median time of a sync that has nothing to move, against a store holding `size` operations.
    /// The store is filled directly through its `push` (no HTTP), in batches of 1000 from `streams` tasks.
    func noOpSync(on kind: BenchStore, storeSize size: Int, streams: Int, samples: Int = 21) async throws -> NoOpSync {
        try await kind.withScratch(in: workspace, named: "noop-\(size)") { store in
            let start = ContinuousClock.now
            let token = try await store.withStore { central in
                let token = try await BenchCommand.token("dev-noop", in: central)
                try await Self.fill(central, size: size, streams: streams)
                return token
            }
            let fillSeconds = BenchCommand.seconds(ContinuousClock.now - start)
            let server = try BenchServer(executable: executable, store: store)
            defer { server.stop() }
            let deviceDirectory = workspace.appendingPathComponent("noop-device-\(size)")
            defer { try? FileManager.default.removeItem(at: deviceDirectory) }
            let device = try LocalReplica.create(
                in: deviceDirectory,
                identity: BenchCommand.identity("dev-noop", serverURL: server.url),
                key: DataKey.random()
            )
            // A device that has seen everything: its cursor is at the end of the store.
            let last = try await store.lastPosition()
            try await DatabaseQueue(path: device.path).write {
                try $0.execute(sql: "UPDATE syncState SET pullCursor = ?", arguments: [last])
            }
            let engine = SyncEngine(
                replica: device,
                transport: HTTPTransport(serverURL: server.url, token: token)
            )
            try await engine.sync()
            var times: [Double] = []
            for _ in 0..<samples {
                times.append(try await BenchCommand.timeAsync { try await engine.sync() })
            }
            // Then pushes of new sightings into the large store. The device holds all of its own operations (it
            // has made none the server holds), so the sync pulls nothing back: the time is the push's.
            try await DatabaseQueue(path: device.path).write {
                try $0.execute(sql: "UPDATE syncState SET ownOperationsHeld = 1")
            }
            var pushRates: [Double] = []
            for run in 0..<Self.largeStorePushRuns {
                let first = size + run * Self.largeStorePushCount
                let sightings = (first..<first + Self.largeStorePushCount).map { BenchCommand.sighting(index: $0) }
                try device.append(contentsOf: sightings.map { (.createSighting($0), $0.id) })
                let seconds = try await BenchCommand.timeAsync { try await engine.sync() }
                guard try device.status().pending == 0 else {
                    throw BenchError("A push into the store of \(size) operations left operations unsent.")
                }
                pushRates.append(Double(Self.largeStorePushCount) / seconds)
            }
            return NoOpSync(
                size: size,
                fillSeconds: fillSeconds,
                medianSeconds: BenchCommand.median(times),
                samples: samples,
                pushRates: pushRates
            )
        }
    }

    /// Pushes `size` sightings of one filler device straight into the store, 1000 a transaction.
    private static func fill(_ store: any CentralStore, size: Int, streams: Int) async throws {
        let caller = Caller(userId: "PC-4127", deviceId: "dev-filler", role: .officer)
        let batches = Array(stride(from: 0, to: size, by: 1000))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for stream in 0..<streams {
                tasks.addTask {
                    for start in stride(from: stream, to: batches.count, by: streams).map({ batches[$0] }) {
                        let operations = (start..<min(start + 1000, size)).map { index in
                            let sighting = BenchCommand.sighting(index: index)
                            return LogOperation(
                                deviceId: caller.deviceId,
                                author: caller.userId,
                                hlc: HLCTimestamp(
                                    wallMilliseconds: Date().millisecondsSince1970,
                                    counter: UInt16(index % 1000)
                                ),
                                recordId: sighting.id,
                                payload: .createSighting(sighting)
                            )
                        }
                        let outcome = try await store.push(operations, by: caller, now: Date())
                        guard outcome.rejected.isEmpty else {
                            throw BenchError("Filling the store: \(outcome.rejected[0].message)")
                        }
                    }
                }
            }
            try await tasks.waitForAll()
        }
    }

    /// What one device's `empower-cli sync` in a process of its own took.
    struct DeviceSync {
        /// From the start of the process to its last line saying a batch was pushed (nil if none was).
        var lastPushSeconds: Double?
        /// From the start of the process to its end.
        var seconds: Double
        /// The process's peak resident memory, in bytes.
        var peakMemory: Int
    }

    /// Runs `empower-cli sync` for the device in `directory` in a process of its own, as an officer would, so
    /// that its memory is a device's alone; times it by its progress lines (one per batch or page).
    func syncInOwnProcess(device directory: URL, pushBatch: Int) throws -> DeviceSync {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["sync", "--data", directory.path, "--batch-size", String(pushBatch)]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let start = ContinuousClock.now
        try process.run()
        var lastPush: ContinuousClock.Instant?
        var peak = 0
        var pending = ""
        while case let chunk = output.fileHandleForReading.availableData, !chunk.isEmpty {
            // The high-water mark only grows: read at every line, the last read is the peak up to the end.
            peak = max(peak, Self.peakMemory(of: "\(process.processIdentifier)"))
            pending += String(decoding: chunk, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                if pending[..<newline].hasPrefix("pushed ") { lastPush = ContinuousClock.now }
                pending = String(pending[pending.index(after: newline)...])
            }
        }
        process.waitUntilExit()
        let end = ContinuousClock.now
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw BenchError("A benchmark device's sync failed: \(message)")
        }
        return DeviceSync(
            lastPushSeconds: lastPush.map { BenchCommand.seconds($0 - start) },
            seconds: BenchCommand.seconds(end - start),
            peakMemory: peak
        )
    }

    /// Peak resident memory (VmHWM) of a process in `/proc`, in bytes.
    static func peakMemory(of process: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1_000_000) }
}
