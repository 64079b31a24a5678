import Foundation
import Sync

/// Everything one `empower-bench` run measured, and its markdown.
struct BenchReport {
    var started = Date()
    var machine = ""
    var loadAverage = ""
    var commit: String?
    var postgres: String?
    var settings = ""
    var stores: [String] = []
    var rounds = 0
    var rawRounds = 0
    var pushBatch = 0
    var device: DeviceBench.Figures?
    var transfers: [String: [BacklogBench.Transfer]] = [:]
    var raw: [String: [Double]] = [:]
    /// Per store, one run per fleet composition.
    var fleet: [String: [FleetBench.Figures]] = [:]
    var noOp: [String: [BacklogBench.NoOpSync]] = [:]
    /// Per store, one transfer per run.
    var backlog: [String: [BacklogBench.Transfer]] = [:]
    var instances: InstanceBench.Comparison?
    var auditLogs: [String: AuditBench.LargeLog] = [:]
    var lockHolds: AuditBench.LockHolds?
    /// The server-rendered pages' times (`PageBench`).
    var pages: [PageBench.Figure] = []
    /// The codec micro-benchmark and the weak-signal runs (`CodecBench`, `LinkBench`).
    var codec: CodecBench.Figures?
    var links: [LinkBench.Figures] = []
    var seconds = 0.0

    /// The median push rate of a store, end to end.
    func pushRate(_ store: String) -> Double? {
        transfers[store].map { BenchCommand.median($0.map { Double($0.count) / $0.pushSeconds }) }
    }

    /// A row of the central-store table: the measure, and its value on a store (by name), if measured there.
    typealias Row = (String, (String) -> String?)

    var markdown: String {
        var lines = [
            "# Benchmarks",
            "",
            "Written by `empower-bench` (`make bench` runs it with a throwaway PostgreSQL and writes this "
                + "file) on " + ISO8601DateFormatter().string(from: started)
                + (commit.map { " at commit \($0)" } ?? "") + String(format: ", in %.0f s. ", seconds)
                + (BenchCommand.buildMode == "release" ? "Release build." : "**Debug build: figures meaningless.**")
                + " Every server is an `empower-cli serve` process of its own on loopback, with "
                + "`--rate-limit 1000000`; devices are real `LocalReplica` files syncing over HTTP in the bench "
                + "process, except where a row says otherwise.",
            "",
            "- Machine: \(machine); load average \(loadAverage) when the run started (other work shares it).",
            "- SQLite: WAL, `synchronous = FULL` (device and central store)."
                + (postgres.map { " \($0): a throwaway local cluster started by `scripts/with-postgres.sh`." } ?? ""),
            "- Samples: \(settings)",
            "- Server, database, devices and the bench itself share the same cores, so every figure here is a floor "
                + "for a deployment where they do not.",
            "",
        ]
        if let device { lines += deviceTable(device) }
        lines += centralTable()
        lines += CodecBench.markdown(codec) + LinkBench.markdown(links)
        lines += pagesTable()
        lines += targetTable()
        lines += [
            "What these figures mean for a deployment, and why the targets missed here are missed: "
                + "[scaling.md](scaling.md).",
            "",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func deviceTable(_ device: DeviceBench.Figures) -> [String] {
        [
            "## Device (the same whichever central store)",
            "",
            "| measure | result |",
            "| --- | --- |",
            "| Record \(Self.count(device.operations)) sightings, one durable transaction each | "
                + Self.rate(device.operations, device.oneByOneSeconds) + " |",
            "| Bulk record \(Self.count(device.operations)) sightings, \(DeviceBench.bulkBatch) per transaction | "
                + Self.rate(device.operations, device.bulkSeconds) + " |",
            "| One durable local write, `LocalReplica.append` (median of \(device.samples)) | "
                + Self.milliseconds(device.writeMedian) + " |",
            "| Bare SQLite commit of the same row, WAL, synchronous=FULL (median of \(device.samples)) | "
                + Self.milliseconds(device.bareCommitMedian) + " |",
            "| Durable local write ÷ bare commit | "
                + String(format: "%.2f×", device.writeMedian / device.bareCommitMedian) + " |",
            "",
        ]
    }

    private func centralTable() -> [String] {
        var rows: [Row] = []
        if let count = transfers.values.first?.first?.count {
            let runs = rounds == 1 ? "one run" : "median of \(rounds) runs"
            rows.append(
                (
                    "Push \(Self.count(count)) operations end to end over HTTP, one device, "
                        + "\(pushBatch) a request (\(runs))",
                    { store in self.transfers[store].map { Self.medianRate($0.map { ($0.count, $0.pushSeconds) }) } }
                )
            )
            rows.append(
                (
                    "Pull them into a new device, \(SyncEngine.defaultPullPageSize) a page (\(runs))",
                    { store in self.transfers[store].map { Self.medianRate($0.map { ($0.count, $0.pullSeconds) }) } }
                )
            )
            rows.append(
                (
                    "Raw limit: the same rows inserted straight into the database, no HTTP, "
                        + "\(RawInsertBench.rowsPerTransaction) a transaction (median of \(rawRounds))",
                    { store in self.raw[store].map(Self.medianRate) }
                )
            )
            rows.append(
                (
                    "Push ÷ raw insert into the same database",
                    { store in
                        guard let push = self.pushRate(store), let raw = self.raw[store] else { return nil }
                        return Self.percent(push / BenchCommand.median(raw))
                    }
                )
            )
            rows.append(
                (
                    "Push ÷ raw SQLite insert",
                    { store in
                        guard let push = self.pushRate(store), let raw = self.raw["SQLite"] else { return nil }
                        return Self.percent(push / BenchCommand.median(raw))
                    }
                )
            )
        }
        rows += fleetRows()
        for size in (noOp.values.first ?? []).map(\.size) {
            rows.append(
                (
                    "No-op sync against \(Self.count(size)) stored operations (median of 21)",
                    { store in
                        self.noOp[store]?.first { $0.size == size }.map {
                            Self.milliseconds($0.medianSeconds)
                                + String(format: " (filling the store directly took %.0f s)", $0.fillSeconds)
                        }
                    }
                )
            )
        }
        for size in (noOp.values.first ?? []).map(\.size) {
            rows.append(
                (
                    "Push \(Self.count(BacklogBench.largeStorePushCount)) new operations into a store holding "
                        + "\(Self.count(size)), one device, \(pushBatch) a request (median of "
                        + "\(BacklogBench.largeStorePushRuns) pushes one after another)",
                    { store in
                        self.noOp[store]?.first { $0.size == size }.map { Self.medianRate($0.pushRates) }
                    }
                )
            )
        }
        if let count = backlog.values.first?.first?.count {
            let runs = rounds == 1 ? "one run" : "median of \(rounds) runs"
            rows.append(
                (
                    "Backlog: push \(Self.count(count)) operations, \(pushBatch) a request / pull them into a new "
                        + "device, \(SyncEngine.defaultPullPageSize) a page (\(runs))",
                    { store in
                        self.backlog[store].map {
                            Self.medianRate($0.map { ($0.count, $0.pushSeconds) }) + " / "
                                + Self.medianRate($0.map { ($0.count, $0.pullSeconds) })
                        }
                    }
                )
            )
            rows.append(
                (
                    "Backlog: peak memory, device pushing / pulling / server (highest of the runs)",
                    { store in
                        self.backlog[store].map { runs in
                            [\.clientPushPeak, \.clientPullPeak, \.serverPeak].map {
                                (peak: KeyPath<BacklogBench.Transfer, Int>) in
                                BacklogBench.megabytes(runs.map { $0[keyPath: peak] }.max() ?? 0)
                            }.joined(separator: " / ")
                        }
                    }
                )
            )
        }
        if let instances {
            let title =
                "Push throughput, \(instances.devices) devices × \(Self.count(instances.operationsPerDevice)) "
                + "operations, 250 a request (light clients), through one instance / two `serve --database` "
                + "instances on one database (median of \(instances.one.count); the machine's CPU busy meanwhile)"
            rows.append(
                (
                    title,
                    { store in
                        guard store == "PostgreSQL" else { return nil }
                        let ratio = BenchCommand.median(instances.two) / BenchCommand.median(instances.one)
                        return Self.medianRate(instances.one) + " / " + Self.medianRate(instances.two)
                            + String(
                                format: " = %.2f×; %.0f%% / %.0f%% busy",
                                ratio,
                                BenchCommand.median(instances.busyOne) * 100,
                                BenchCommand.median(instances.busyTwo) * 100
                            )
                    }
                )
            )
        }
        if let size = auditLogs.values.first?.entries {
            rows.append(
                (
                    "Audit log of \(Self.count(size)) entries written at once: one sealer sealing them all / "
                        + "`verify` of the whole log (every entry hashed again, every head and signature checked)",
                    { store in
                        self.auditLogs[store].map {
                            String(format: "%.2f s / %.2f s", $0.sealSeconds, $0.verifySeconds)
                                + ($0.intact ? "" : " (NOT intact)")
                        }
                    }
                )
            )
        }
        if let holds = lockHolds {
            let mean = holds.holds.reduce(0, +) / Double(max(1, holds.holds.count))
            rows.append(
                (
                    "The one shared lock left: PostgreSQL's position row, held by each push from taking its "
                        + "positions to commit (\(holds.writers) writers, \(Self.count(holds.pushes)) pushes of "
                        + "\(holds.operationsPerPush) sightings, in-process): p50 / p99 / mean hold; the serial "
                        + "ceiling that follows (1 ÷ mean hold), against the pushes per second reached",
                    { store in
                        guard store == "PostgreSQL" else { return nil }
                        return "\(Self.milliseconds(Self.percentile(holds.holds, 0.5))) / "
                            + "\(Self.milliseconds(Self.percentile(holds.holds, 0.99))) / \(Self.milliseconds(mean)); "
                            + "ceiling \(Self.count(Int((1 / max(mean, 1e-9)).rounded()))) pushes/s "
                            + "(\(Self.count(Int((1 / max(mean, 1e-9)).rounded()) * holds.operationsPerPush)) "
                            + "operations/s) vs \(Self.count(Int((Double(holds.pushes) / holds.seconds).rounded()))) "
                            + "pushes/s reached; pulls and account changes hold no shared row"
                    }
                )
            )
        }
        var lines = [
            "## Central store", "",
            "| measure | " + stores.joined(separator: " | ") + " |",
            "| --- |" + String(repeating: " --- |", count: stores.count),
        ]
        for (name, value) in rows {
            lines.append("| \(name) | " + stores.map { value($0) ?? "—" }.joined(separator: " | ") + " |")
        }
        return lines + [""]
    }

    private func targetTable() -> [String] {
        var lines = ["## Targets", "", "| target (issue) | measured | met |", "| --- | --- | --- |"]
        for store in stores {
            guard let runs = backlog[store], let count = runs.first?.count else { continue }
            let push = BenchCommand.median(runs.map { Double($0.count) / $0.pushSeconds })
            let pull = BenchCommand.median(runs.map { Double($0.count) / $0.pullSeconds })
            let peak = runs.map { max($0.clientPushPeak, $0.clientPullPeak) }.max() ?? 0
            lines += [
                "| Backlog of \(Self.count(count)) pushed, \(store) store: ≥ 20,000 operations/s (3) | "
                    + "\(Self.perSecond(push)) | " + (push >= 20_000 ? "yes" : "**no**") + " |",
                "| Backlog of \(Self.count(count)) pulled, \(store) store: ≥ 50,000 operations/s (3) | "
                    + "\(Self.perSecond(pull)) | " + (pull >= 50_000 ? "yes" : "**no**") + " |",
                "| Device peak memory during the backlog, \(store) store: < 100 MB (3) | "
                    + "\(BacklogBench.megabytes(peak)) | " + (peak < 100_000_000 ? "yes" : "**no**") + " |",
            ]
        }
        for store in stores {
            guard let small = noOp[store]?.first(where: { $0.size == 10_000 }),
                let large = noOp[store]?.first(where: { $0.size == 1_000_000 })
            else { continue }
            let fall = 1 - BenchCommand.median(large.pushRates) / BenchCommand.median(small.pushRates)
            lines.append(
                "| Push rate into a store of 1,000,000 operations, \(store) store: less than 15% below the rate into "
                    + "one of 10,000 (16) | \(Self.perSecond(BenchCommand.median(large.pushRates))) against "
                    + "\(Self.perSecond(BenchCommand.median(small.pushRates))): "
                    + (fall > 0 ? "\(Self.percent(fall)) lower" : "\(Self.percent(-fall)) higher") + " | "
                    + (fall < 0.15 ? "yes" : "**no**") + " |"
            )
        }
        for store in stores {
            guard let sync = noOp[store]?.first(where: { $0.size == 1_000_000 }) else { continue }
            lines.append(
                "| No-op sync against 1,000,000 operations, \(store) store: < 20 ms (3) | "
                    + "\(Self.milliseconds(sync.medianSeconds)) | " + (sync.medianSeconds < 0.02 ? "yes" : "**no**")
                    + " |"
            )
        }
        if let rawSQLite = raw["SQLite"].map(BenchCommand.median) {
            for store in stores {
                guard let push = pushRate(store) else { continue }
                let fraction = push / rawSQLite
                lines.append(
                    "| Push end to end (\(store) store) ≥ 30% of the raw SQLite insert rate (5) | "
                        + "\(Self.perSecond(push)) ÷ \(Self.perSecond(rawSQLite)) = \(Self.percent(fraction)) | "
                        + (fraction >= 0.3 ? "yes" : "**no**") + " |"
                )
            }
        }
        for store in stores {
            for figures in fleet[store] ?? [] {
                let p99 = Self.percentile(figures.all, 0.99)
                lines.append(
                    "| \(figures.devices) concurrent devices on \(store), \(figures.composition): p99 per request "
                        + "< 250 ms (5) | \(Self.milliseconds(p99)) | " + (p99 < 0.25 ? "yes" : "**no**") + " |"
                )
            }
        }
        for store in stores {
            if let log = auditLogs[store], log.entries >= 1_000_000 {
                lines.append(
                    "| Verify \(Self.count(log.entries)) audit entries, \(store) store: < 10 s (13) | "
                        + String(format: "%.2f s", log.verifySeconds) + " | "
                        + (log.verifySeconds < 10 && log.intact ? "yes" : "**no**") + " |"
                )
            }
            for figures in fleet[store] ?? [] where figures.light {
                let p99 = Self.percentile(figures.sealingLag, 0.99)
                lines.append(
                    "| Audit sealing lag under \(figures.devices) light clients on \(store): p99 within the "
                        + "sealer's second (13) | \(Self.milliseconds(p99)) | " + (p99 < 1 ? "yes" : "**no**") + " |"
                )
            }
        }
        if let instances {
            let ratio = BenchCommand.median(instances.two) / BenchCommand.median(instances.one)
            lines.append(
                "| Two instances on one PostgreSQL ≥ 1.5× one instance (5) | "
                    + String(format: "%.2f×", ratio) + " | " + (ratio >= 1.5 ? "yes" : "**no**") + " |"
            )
        }
        lines += LinkBench.targetRows(links)
        return lines + [""]
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    static func medianRate(_ runs: [(Int, Double)]) -> String {
        medianRate(runs.map { Double($0.0) / $0.1 })
    }

    /// The median rate, with the range of the runs when there were several.
    static func medianRate(_ rates: [Double]) -> String {
        let median = perSecond(BenchCommand.median(rates))
        guard rates.count > 1, let low = rates.min(), let high = rates.max() else { return median }
        return median + " (runs: \(count(Int(low.rounded())))–\(count(Int(high.rounded()))))"
    }

    static func rate(_ count: Int, _ seconds: Double) -> String {
        perSecond(Double(count) / seconds) + String(format: " (%.2f s)", seconds)
    }

    static func perSecond(_ rate: Double) -> String { count(Int(rate.rounded())) + " operations/s" }

    static func percent(_ fraction: Double) -> String { String(format: "%.0f%%", fraction * 100) }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.2f ms", seconds * 1000) }

    /// An integer with thousands separated by commas.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }
}
