import Central
import Foundation
import GRDB
import Models
import Sync

/// The large-backlog figures: a backlog pushed to and pulled from a server in its own process, with the
/// peak memory of each side, and a no-op sync against stores of growing size.
struct BacklogBench {
    let workspace: URL
    let executable: URL

    /// A server in its own process (`empower-cli serve`), so its memory is its own.
    final class ServerProcess {
        let process: Process
        let url: URL

        init(executable: URL, data: URL) throws {
            process = Process()
            process.executableURL = executable
            process.arguments = ["serve", "--port", "0", "--data", data.path, "--rate-limit", "100000"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            while !text.contains("\n") {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw CLIError("The benchmark server did not start.") }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let start = text.range(of: "http://"), let end = text[start.lowerBound...].firstIndex(of: " "),
                let url = URL(string: String(text[start.lowerBound..<end]))
            else { throw CLIError("The benchmark server did not say where it listens.") }
            self.url = url
        }

        /// The server's peak resident memory so far, in bytes.
        var peakMemory: Int { BacklogBench.peakMemory(of: "\(process.processIdentifier)") }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Pushes a backlog of `count` sightings, then pulls it into a new device; returns table rows.
    func backlog(count: Int) async throws -> [(String, String)] {
        let data = workspace.appendingPathComponent("backlog-central")
        let (writerToken, readerToken) = try await {
            let store = try SQLiteCentralStore(directory: data)
            return (
                try await BenchCommand.token("dev-backlog-a", in: store),
                try await BenchCommand.token("dev-backlog-b", in: store)
            )
        }()
        let server = try ServerProcess(executable: executable, data: data)
        defer { server.stop() }
        let writer = try LocalReplica.create(
            in: workspace.appendingPathComponent("backlog-writer"),
            identity: BenchCommand.identity("dev-backlog-a", serverURL: server.url)
        )
        for start in stride(from: 0, to: count, by: 1000) {
            let sightings = (start..<min(start + 1000, count)).map { BenchCommand.sighting(index: $0) }
            try writer.append(contentsOf: sightings.map { (.createSighting($0), $0.id) })
        }
        Self.resetPeakMemory()
        let start = ContinuousClock.now
        var lastPush = start
        try await SyncEngine(
            replica: writer,
            transport: URLSessionTransport(serverURL: server.url, token: writerToken)
        ).sync {
            if case .pushed = $0 { lastPush = ContinuousClock.now }
        }
        let pushSeconds = BenchCommand.seconds(lastPush - start)
        let pushPeak = Self.peakMemory(of: "self")

        let reader = try LocalReplica.create(
            in: workspace.appendingPathComponent("backlog-reader"),
            identity: BenchCommand.identity("dev-backlog-b", serverURL: server.url)
        )
        Self.resetPeakMemory()
        let pullSeconds = try await BenchCommand.timeAsync {
            try await SyncEngine(
                replica: reader,
                transport: URLSessionTransport(serverURL: server.url, token: readerToken)
            ).sync()
        }
        let pullPeak = Self.peakMemory(of: "self")
        guard try reader.status().records == count else { throw CLIError("The backlog did not arrive whole.") }
        return [
            (
                "Push a backlog of \(count) operations (server in its own process)",
                BenchCommand.rate(count, pushSeconds)
            ),
            ("Pull a backlog of \(count) operations into a new device", BenchCommand.rate(count, pullSeconds)),
            ("Client peak memory while pushing / pulling", "\(Self.megabytes(pushPeak)) / \(Self.megabytes(pullPeak))"),
            ("Server peak memory", Self.megabytes(server.peakMemory)),
        ]
    }

    /// The median time of a sync that has nothing to move, against a store holding `size` operations.
    func noOpSync(storeSize size: Int, samples: Int = 21) async throws -> (String, String) {
        let data = workspace.appendingPathComponent("noop-\(size)")
        let token: String
        do {
            // Fill the store directly (no HTTP): this is setup, not what is measured.
            let store = try SQLiteCentralStore(directory: data)
            let filler = "dev-filler"
            let fillerCaller = Caller(userId: "PC-4127", deviceId: filler, role: .officer)
            token = try await BenchCommand.token("dev-noop", in: store)
            for start in stride(from: 0, to: size, by: 1000) {
                let operations = (start..<min(start + 1000, size)).map { index in
                    let sighting = BenchCommand.sighting(index: index)
                    return LogOperation(
                        deviceId: filler,
                        author: "PC-4127",
                        hlc: HLCTimestamp(
                            wallMilliseconds: Date().millisecondsSince1970,
                            counter: UInt16(index % 1000)
                        ),
                        recordId: sighting.id,
                        payload: .createSighting(sighting)
                    )
                }
                _ = try await store.push(operations, by: fillerCaller, now: Date())
            }
        }
        let server = try ServerProcess(executable: executable, data: data)
        defer { server.stop() }
        let device = try LocalReplica.create(
            in: workspace.appendingPathComponent("noop-device-\(size)"),
            identity: BenchCommand.identity("dev-noop", serverURL: server.url)
        )
        // A device that has seen everything: its cursor is at the end of the store.
        let last = try await DatabaseQueue(path: data.appendingPathComponent(SQLiteCentralStore.fileName).path).read {
            try Int64.fetchOne($0, sql: "SELECT MAX(seq) FROM operation") ?? 0
        }
        try await DatabaseQueue(path: device.path).write {
            try $0.execute(sql: "UPDATE syncState SET pullCursor = ?", arguments: [last])
        }
        let engine = SyncEngine(replica: device, transport: URLSessionTransport(serverURL: server.url, token: token))
        try await engine.sync()
        var times: [Double] = []
        for _ in 0..<samples {
            times.append(try await BenchCommand.timeAsync { try await engine.sync() })
        }
        return (
            "No-op sync, store of \(size) operations (median of \(samples))",
            BenchCommand.milliseconds(BenchCommand.median(times))
        )
    }

    /// Peak resident memory (VmHWM) of a process in `/proc`, in bytes.
    static func peakMemory(of process: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    /// Starts peak-memory accounting afresh for this process (Linux: writing 5 to clear_refs).
    static func resetPeakMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1_000_000) }
}
