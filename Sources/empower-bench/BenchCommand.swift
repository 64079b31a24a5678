import ArgumentParser
import Central
import Foundation
import Models
import Sync

/// `empower-bench`: the figures quoted in docs/benchmarks.md and docs/scaling.md, measured on this machine.
/// Its servers and its devices' own-process syncs are the `empower-cli` beside it (`--cli`).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "empower-bench",
        abstract: "Measure recording, push, pull, many devices at once and large stores (build with -c release).",
        discussion: """
            Prints a markdown table (and writes it with --out). The central-store measures run on SQLite, and on \
            PostgreSQL too with --database: each measure gets a database of its own on that server, dropped \
            afterwards, so the URL's user must be allowed to create databases. `make bench` starts a throwaway \
            PostgreSQL and writes docs/benchmarks.md. Servers are `empower-cli serve` processes: build both \
            products (`swift build -c release --product empower-cli`, then `--product empower-bench`).

            Example: .build/release/empower-bench --database postgres://postgres@127.0.0.1:5432/postgres
            """
    )

    @Option(help: "Sightings recorded, pushed and pulled.")
    var operations: Int = 10_000

    @Option(help: "Single durable writes timed for the latency medians.")
    var samples: Int = 500

    @Option(help: "Operations in one push (default: the sync engine's).")
    var pushBatch: Int = SyncEngine.defaultPushBatchSize

    @Option(help: "Runs of each end-to-end throughput measure (the median is reported).")
    var rounds: Int = 3

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL server to measure the PostgreSQL store on, too (its user may create databases).",
            valueName: "url"
        )
    )
    var database: String?

    @Option(help: "Records in the store the server-rendered pages are timed on (0 leaves them out).")
    var pageRecords: Int = 10_000

    @Option(help: "Devices syncing at once in the fleet measure (0 leaves it out).")
    var devices: Int = 200

    @Option(
        parsing: .upToNextOption,
        help: """
            How many of the fleet devices are officers' (they pull every operation; the rest are venue staff's, \
            two a venue, who pull only their venue's records): one fleet run for each number given \
            (default: all of them, then a tenth).
            """
    )
    var officers: [Int] = []

    @Option(help: "Most fleet devices syncing at any moment.")
    var concurrency: Int = 50

    @Option(help: "New sightings per fleet device per round.")
    var deviceOperations: Int = 5

    @Option(help: "Devices pushing at once in the one-versus-two-instances measure (PostgreSQL; 0 leaves it out).")
    var instanceDevices: Int = 16

    @Option(help: "Audit entries written at once, then sealed and verified (0 leaves it out).")
    var auditEntries: Int = 1_000_000

    @Option(help: "Pushes at once in the position-row hold measure (PostgreSQL; 0 leaves it out).")
    var lockWriters: Int = 8

    @Option(help: "Also push and pull a backlog of this many operations, with the memory of each side.")
    var backlog: Int?

    @Option(
        parsing: .upToNextOption,
        help: "Also time a no-op sync against stores of these sizes (for example 10000 1000000)."
    )
    var noopStoreSizes: [Int] = []

    @Option(help: "Sightings and interventions in the dashboard measure: each page's server time (0 leaves it out).")
    var dashboardRecords: Int = 1_000_000

    @Option(help: "Encodes and decodes of one operation in each run of the codec measure (0 leaves it out).")
    var codecIterations: Int = 2000

    @Option(
        help: """
            Operations pushed and pulled through the throttling proxy (2 Mbit/s, 50 ms each way) and over \
            loopback, with gzip and without (0 leaves it out).
            """
    )
    var linkOperations: Int = 10_000

    @Option(help: ArgumentHelp("Also write the markdown to this file.", valueName: "file"))
    var out: String?

    @Option(
        help: ArgumentHelp(
            "The empower-cli that serves and syncs (default: the one beside this executable).",
            valueName: "file"
        )
    )
    var cli: String?

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
        guard (1...21).contains(rounds) else { throw ArgumentParser.ValidationError("--rounds must be 1 to 21.") }
        guard (0...2000).contains(devices), officers.allSatisfy({ (0...devices).contains($0) }),
            (1...1000).contains(concurrency),
            (1...1000).contains(deviceOperations), (0...256).contains(instanceDevices)
        else {
            throw ArgumentParser.ValidationError(
                "--devices must be 0 to 2000, --officers 0 to --devices, --concurrency and --device-operations "
                    + "1 to 1000, --instance-devices 0 to 256."
            )
        }
        guard (0...10_000_000).contains(auditEntries), (0...256).contains(lockWriters) else {
            throw ArgumentParser.ValidationError("--audit-entries must be 0 to 10000000, --lock-writers 0 to 256.")
        }
        if let backlog, !(1000...10_000_000).contains(backlog) {
            throw ArgumentParser.ValidationError("--backlog must be 1000 to 10000000.")
        }
        guard noopStoreSizes.allSatisfy({ (1000...10_000_000).contains($0) }) else {
            throw ArgumentParser.ValidationError("--noop-store-sizes must each be 1000 to 10000000.")
        }
        guard (0...1_000_000).contains(codecIterations), (0...1_000_000).contains(linkOperations) else {
            throw ArgumentParser.ValidationError("--codec-iterations and --link-operations must be 0 to 1000000.")
        }
        guard (0...10_000_000).contains(dashboardRecords) else {
            throw ArgumentParser.ValidationError("--dashboard-records must be 0 to 10000000.")
        }
        if let database {
            do { _ = try PostgresDatabaseURL(database) } catch {
                throw ArgumentParser.ValidationError("--database: \(error.message)")
            }
        }
    }

    /// `--cli`, or `empower-cli` in this executable's directory; an error unless it can be run.
    func cliExecutable() throws -> URL {
        let url =
            cli.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("empower-cli")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw BenchError(
                "No empower-cli to run at \(url.path): build it (swift build --product empower-cli, with the same "
                    + "-c as this bench) or name it with --cli."
            )
        }
        return url
    }

    func run() async throws {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent(
            "empower-bench-\(UUID().uuidString.prefix(8))"
        )
        defer { try? FileManager.default.removeItem(at: workspace) }
        #if DEBUG
        print("Warning: a debug build; figures are only meaningful from 'swift build -c release'.")
        #endif
        let start = ContinuousClock.now
        var stores: [BenchStore] = [.sqlite]
        var report = BenchReport()
        if let database {
            let url = try PostgresDatabaseURL(database)
            stores.append(.postgres(url))
            report.postgres = try await BenchStore.serverDescription(url)
        }
        report.machine = Self.machine()
        report.loadAverage = Self.loadAverage()
        report.commit = Self.commit()
        report.stores = stores.map(\.name)
        report.rounds = rounds
        report.rawRounds = 5
        report.pushBatch = pushBatch
        report.settings =
            "end-to-end push and pull: median of \(rounds) run(s), each on a new store; raw inserts: median of "
            + "\(report.rawRounds); single writes: median of \(samples); no-op syncs: median of 21; fleet "
            + "latencies: every request of the run."

        let executable = try cliExecutable()
        let transfers = BacklogBench(workspace: workspace, executable: executable)
        let raw = RawInsertBench(workspace: workspace)
        let fleet = FleetBench(workspace: workspace, executable: executable)

        Self.progress("device: recording and single durable writes")
        report.device = try DeviceBench(workspace: workspace).run(operations: operations, samples: samples)
        if codecIterations > 0 {
            Self.progress("codec: encode and decode one operation, hand-written and Foundation")
            report.codec = try CodecBench().run(iterations: codecIterations)
        }
        if linkOperations > 0 {
            let link = LinkBench(workspace: workspace, executable: executable)
            // Over the throttled link the link is what is measured: one run each. Loopback runs alternate.
            let kinds =
                [(true, false), (true, true)]
                + Array(repeating: [(false, false), (false, true)], count: rounds)
                .flatMap { $0 }
            for (index, (throttled, gzip)) in kinds.enumerated() {
                let path = throttled ? "through the throttling proxy" : "over loopback"
                Self.progress("push and pull \(linkOperations) operations \(path), gzip \(gzip ? "on" : "off")")
                report.links.append(
                    try await link.run(count: linkOperations, throttled: throttled, gzip: gzip, name: "link\(index)")
                )
            }
        }
        if let backlog {
            for store in stores {
                for round in 1...rounds {
                    Self.progress("\(store.name): push and pull a backlog of \(backlog) operations, run \(round)")
                    var transfer = try await transfers.transfer(
                        on: store,
                        count: backlog,
                        pushBatch: pushBatch,
                        name: "backlog"
                    )
                    // Not kept: a hundred thousand operations this process does not need.
                    transfer.operations = []
                    report.backlog[store.name, default: []].append(transfer)
                }
            }
        }
        for store in stores {
            for round in 1...rounds {
                Self.progress("\(store.name): push and pull \(operations) operations, run \(round) of \(rounds)")
                let transfer = try await transfers.transfer(
                    on: store,
                    count: operations,
                    pushBatch: pushBatch,
                    name: "transfer\(round)"
                )
                report.transfers[store.name, default: []].append(transfer)
            }
        }
        let rows = report.transfers["SQLite"]![0].operations.map {
            RawInsertBench.Row($0, receivedAt: WireCoding.formatDate(Date()))
        }
        for store in stores {
            Self.progress("\(store.name): raw insert of the same \(rows.count) rows, \(report.rawRounds) runs")
            for round in 1...report.rawRounds {
                let rate =
                    switch store {
                    case .sqlite: try raw.sqlite(rows, name: "\(round)")
                    case .postgres: try await raw.postgres(rows, on: store, name: "\(round)")
                    }
                report.raw[store.name, default: []].append(rate)
            }
        }
        if devices > 0 {
            for store in stores {
                let real = (officers.isEmpty ? [devices, devices / 10] : officers).map { ($0, false) }
                for (officers, light) in real + [(devices, true)] {
                    Self.progress(
                        "\(store.name): \(devices) \(light ? "light clients" : "devices") syncing at once, "
                            + "\(officers) of them officers'"
                    )
                    report.fleet[store.name, default: []].append(
                        try await fleet.run(
                            on: store,
                            devices: devices,
                            officers: officers,
                            light: light,
                            operationsPerRound: deviceOperations,
                            rounds: 3,
                            concurrency: concurrency
                        )
                    )
                }
            }
        }
        if let postgres = stores.first(where: { $0 != .sqlite }), instanceDevices > 0 {
            report.instances = try await compareInstances(on: postgres, workspace: workspace, executable: executable)
        }
        if auditEntries > 0 {
            let audit = AuditBench(workspace: workspace)
            for store in stores {
                Self.progress("\(store.name): \(auditEntries) audit entries written, sealed and verified")
                report.auditLogs[store.name] = try await audit.largeLog(on: store, entries: auditEntries)
            }
        }
        if case .postgres(let url)? = stores.first(where: { $0 != .sqlite }), lockWriters > 0 {
            Self.progress("PostgreSQL: \(lockWriters) writers pushing, position-row holds recorded")
            report.lockHolds = try await AuditBench(workspace: workspace).lockHolds(
                on: url,
                writers: lockWriters,
                pushesPerWriter: 250,
                operationsPerPush: 5
            )
        }
        if pageRecords > 0 {
            for store in stores {
                Self.progress("\(store.name): the pages' server time, \(pageRecords) records")
                report.pages += try await PageBench(workspace: workspace).run(
                    on: store,
                    records: pageRecords,
                    reports: pageRecords / 2,
                    samples: 21
                )
            }
        }
        for size in noopStoreSizes {
            for store in stores {
                Self.progress("\(store.name): filling a store of \(size) operations for the no-op sync")
                report.noOp[store.name, default: []].append(
                    try await transfers.noOpSync(on: store, storeSize: size, streams: store == .sqlite ? 1 : 4)
                )
            }
        }
        var dashboard: [String: [DashboardBench.PageTimes]] = [:]
        if dashboardRecords > 0 {
            for store in stores {
                Self.progress("\(store.name): dashboard pages over \(dashboardRecords) records")
                dashboard[store.name] = try await DashboardBench(workspace: workspace)
                    .run(on: store, records: dashboardRecords, samples: 10)
            }
        }
        report.seconds = Self.seconds(ContinuousClock.now - start)
        let markdown = report.markdown + DashboardBench.markdown(dashboard, records: dashboardRecords, samples: 10)
        print(markdown, terminator: "")
        if let out {
            do {
                try Data(markdown.utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                throw BenchError("The table could not be written to \(out): \(error.localizedDescription)")
            }
        }
    }
}
