import ArgumentParser
import Central
import Foundation
import GRDB
import Models
import Sync
import Synchronization

/// `empower-cli bench`: the figures quoted in closing notes and docs, measured on this machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure recording, push, pull and durable writes (build with -c release first).",
        discussion: "Prints a markdown table. Example: swift build -c release && .build/release/empower-cli bench"
    )

    @Option(help: "Sightings recorded, pushed and pulled.")
    var operations: Int = 10_000

    @Option(help: "Single durable writes timed for the latency medians.")
    var samples: Int = 500

    @Option(help: "Operations in one push.")
    var pushBatch: Int = 500

    @Option(help: "Also push and pull a backlog of this many operations, with a server in its own process.")
    var backlog: Int?

    @Option(
        parsing: .upToNextOption,
        help: "Also time a no-op sync against stores of these sizes (for example 10000 1000000)."
    )
    var noopStoreSizes: [Int] = []

    func validate() throws {
        guard (100...1_000_000).contains(operations) else {
            throw ArgumentParser.ValidationError("--operations must be 100 to 1000000.")
        }
        guard (1...ProtocolLimits.maxOperationsPerPush).contains(pushBatch) else {
            throw ArgumentParser.ValidationError("--push-batch must be 1 to \(ProtocolLimits.maxOperationsPerPush).")
        }
        guard (10...100_000).contains(samples) else {
            throw ArgumentParser.ValidationError("--samples must be 10 to 100000.")
        }
        if let backlog, !(1000...10_000_000).contains(backlog) {
            throw ArgumentParser.ValidationError("--backlog must be 1000 to 10000000.")
        }
        guard noopStoreSizes.allSatisfy({ (1000...10_000_000).contains($0) }) else {
            throw ArgumentParser.ValidationError("--noop-store-sizes must each be 1000 to 10000000.")
        }
    }

    func run() async throws {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent(
            "empower-bench-\(UUID().uuidString.prefix(8))"
        )
        defer { try? FileManager.default.removeItem(at: workspace) }
        var rows: [(String, String)] = []
        #if DEBUG
        print("Warning: a debug build; figures are only meaningful from 'swift build -c release'.")
        #endif

        let writer = try LocalReplica.create(
            in: workspace.appendingPathComponent("writer"),
            identity: Self.identity("dev-bench-a")
        )
        let sightings = (0..<operations).map { Self.sighting(index: $0) }
        let recordSeconds = try Self.time {
            for sighting in sightings { try writer.append(.createSighting(sighting), recordId: sighting.id) }
        }
        rows.append(
            ("Record \(operations) sightings (one durable transaction each)", Self.rate(operations, recordSeconds))
        )

        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        let writerToken = try await Self.token("dev-bench-a", in: store)
        let readerToken = try await Self.token("dev-bench-b", in: store)
        let timings = try await CentralServer.withRunningServer(store: store) { serverURL in
            // The writer's sync pushes its backlog, then pulls its own operations back: time both halves.
            let start = ContinuousClock.now
            let lastPush = Mutex(start)
            let syncSeconds = try await Self.timeAsync {
                try await SyncEngine(
                    replica: writer,
                    transport: URLSessionTransport(serverURL: serverURL, token: writerToken),
                    pushBatchSize: pushBatch
                ).sync {
                    if case .pushed = $0 { lastPush.withLock { $0 = ContinuousClock.now } }
                }
            }
            let reader = try LocalReplica.create(
                in: workspace.appendingPathComponent("reader"),
                identity: Self.identity("dev-bench-b", serverURL: serverURL)
            )
            let pullSeconds = try await Self.timeAsync {
                try await SyncEngine(
                    replica: reader,
                    transport: URLSessionTransport(serverURL: serverURL, token: readerToken)
                ).sync()
            }
            guard try reader.status().records == sightings.count else {
                throw CLIError("The pulling device did not receive every sighting.")
            }
            return (Self.seconds(lastPush.withLock { $0 } - start), syncSeconds, pullSeconds)
        }
        rows.append(("Push \(operations) operations end to end (HTTP, SQLite store)", Self.rate(operations, timings.0)))
        rows.append(("Pull \(operations) operations into a new device", Self.rate(operations, timings.2)))
        rows.append(
            ("Whole first sync of the writer (push, then its own operations back)", Self.rate(operations, timings.1))
        )

        let single = try LocalReplica.create(
            in: workspace.appendingPathComponent("single"),
            identity: Self.identity("dev-bench-c")
        )
        var ours: [Double] = []
        for index in 0..<samples {
            let sighting = Self.sighting(index: index)
            ours.append(try Self.time { try single.append(.createSighting(sighting), recordId: sighting.id) })
        }
        let bare = try Self.bareCommitLatencies(
            directory: workspace.appendingPathComponent("bare"),
            rows: try single.allOperations().prefix(samples).map {
                String(decoding: WireCoding.encodeOperation($0), as: UTF8.self)
            }
        )
        let ourMedian = Self.median(ours)
        let bareMedian = Self.median(bare)
        rows.append(("Median durable local write (`LocalReplica.append`)", Self.milliseconds(ourMedian)))
        rows.append(
            ("Median bare SQLite commit of the same row (WAL, synchronous=FULL)", Self.milliseconds(bareMedian))
        )
        rows.append(("Durable write ÷ bare commit", String(format: "%.2f×", ourMedian / bareMedian)))

        let large = BacklogBench(
            workspace: workspace,
            executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        )
        if let backlog { rows += try await large.backlog(count: backlog) }
        for size in noopStoreSizes { rows.append(try await large.noOpSync(storeSize: size)) }

        print("| measure | result |\n| --- | --- |")
        for (name, value) in rows { print("| \(name) | \(value) |") }
        print("\nMachine: \(Self.machine()). Build: \(Self.buildMode).")
    }

    /// Commits each row in its own transaction into a table shaped like the device's, the way a plain
    /// SQLite program would: the floor under any durable write.
    static func bareCommitLatencies(directory: URL, rows: [String]) throws -> [Double] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try DatabasePool(path: directory.appendingPathComponent("bare.sqlite").path)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE operation (localSeq INTEGER PRIMARY KEY, opId TEXT UNIQUE, body TEXT)")
        }
        return try rows.map { body in
            try time {
                try database.write { db in
                    try db.execute(
                        sql: "INSERT INTO operation (opId, body) VALUES (?, ?)",
                        arguments: [UUID().uuidString, body]
                    )
                }
            }
        }
    }

    static func identity(_ deviceId: String, serverURL: URL = URL(string: "http://127.0.0.1:9")!) -> DeviceIdentity {
        DeviceIdentity(deviceId: deviceId, userId: "PC-4127", role: .officer, venueId: nil, serverURL: serverURL)
    }

    /// Enrols a benchmark device (an officer, PC-4127) in the store: its access token.
    static func token(_ deviceId: String, in store: some AccountDirectory) async throws -> String {
        try await store.provisionDevice(deviceId, for: UserAccount(id: "PC-4127", role: .officer))
    }

    static func sighting(index: Int) -> Sighting {
        let now = Date().truncatedToMilliseconds
        return Sighting(
            occurredAt: now,
            recordedAt: now,
            reporter: "PC-4127",
            location: Location(venueId: "venue-concert-sq-01", place: "Concert Square"),
            behaviours: [.repeatedApproaches, .targetingIntoxicated],
            subject: SubjectDescription(sex: .male, ageBand: .from25to34, clothing: "Navy jacket"),
            riskLevel: .medium,
            narrative: "Benchmark sighting \(index): approached several women after being turned away."
        )
    }

    static func time(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return seconds(ContinuousClock.now - start)
    }

    static func timeAsync(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return seconds(ContinuousClock.now - start)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func rate(_ count: Int, _ seconds: Double) -> String {
        String(format: "%.0f operations/s (%.2f s)", Double(count) / seconds, seconds)
    }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.3f ms", seconds * 1000) }

    static func machine() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(model ?? "unknown CPU"), "
            + "\(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB"
    }

    #if DEBUG
    static let buildMode = "debug"
    #else
    static let buildMode = "release"
    #endif
}
