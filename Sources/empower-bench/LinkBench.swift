import AsyncHTTPClient
import Foundation
import Models
import Sync

/// A device on a weak signal (issue 16, "Smaller on a weak signal"): one device pushes `count` sightings, then a
/// new device pulls them, both `SyncEngine`s on `HTTPTransport` in this process, with gzip negotiated or not,
/// through a `ThrottleProxy` (2 Mbit/s and 50 ms each way) or straight over loopback. SQLite store.
struct LinkBench {
    let workspace: URL
    let executable: URL

    struct Figures {
        var throttled: Bool
        var gzip: Bool
        var count: Int
        /// The pushing device's whole sync (it pulls its own operations back, as a device does today) and the
        /// new device's pull.
        var pushSeconds: Double
        var pullSeconds: Double
        /// Bytes of request and answer bodies, as sent (compressed when they were): the pushing device's sync,
        /// then the new device's.
        var push: TrafficMeter.Counts
        var pull: TrafficMeter.Counts
    }

    func run(count: Int, throttled: Bool, gzip: Bool, name: String) async throws -> Figures {
        try await BenchStore.sqlite.withScratch(in: workspace, named: name) { store in
            let tokens = try await store.withStore { central in
                (
                    writer: try await BenchCommand.token("dev-\(name)-a", in: central),
                    reader: try await BenchCommand.token("dev-\(name)-b", in: central)
                )
            }
            let server = try BenchServer(executable: executable, store: store)
            defer { server.stop() }
            let proxy = try throttled ? ThrottleProxy(targetPort: UInt16(server.url.port ?? 0)) : nil
            defer { proxy?.stop() }
            let devices = workspace.appendingPathComponent("devices-\(name)")
            defer { try? FileManager.default.removeItem(at: devices) }
            // A pool of its own, so that no connection outlives its proxy or crosses from one run to the next.
            let client = HTTPTransport.makeClient(connectionsPerHost: 1)
            do {
                var figures = try await measure(
                    count: count,
                    devices: devices,
                    name: name,
                    tokens: tokens,
                    transport: {
                        // A page of 5,000 uncompressed operations takes about 17 s at 2 Mbit/s.
                        HTTPTransport(
                            serverURL: proxy.map { URL(string: "http://127.0.0.1:\($0.port)")! } ?? server.url,
                            token: $0,
                            requestTimeout: 300,
                            client: client,
                            compression: gzip,
                            meter: $1,
                            // As an enrolled device knows from `device init` (`LocalReplica.serverTakesGzip`).
                            serverTakesGzip: gzip
                        )
                    }
                )
                figures.throttled = throttled
                figures.gzip = gzip
                try? await client.shutdown()
                return figures
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    /// Records `count` sightings on a new device and syncs it, then syncs a second new device.
    private func measure(
        count: Int,
        devices: URL,
        name: String,
        tokens: (writer: String, reader: String),
        transport: (String, TrafficMeter) -> HTTPTransport
    ) async throws -> Figures {
        func engine(_ device: String, token: String) throws -> (SyncEngine, TrafficMeter) {
            let meter = TrafficMeter()
            let transport = transport(token, meter)
            let replica = try LocalReplica.create(
                in: devices.appendingPathComponent(device),
                identity: BenchCommand.identity("dev-\(name)-\(device)", serverURL: transport.serverURL),
                key: DataKey.random()
            )
            return (SyncEngine(replica: replica, transport: transport), meter)
        }
        let (writer, writerMeter) = try engine("a", token: tokens.writer)
        for start in stride(from: 0, to: count, by: 1000) {
            let sightings = (start..<min(start + 1000, count)).map { BenchCommand.sighting(index: $0) }
            try writer.replica.append(contentsOf: sightings.map { (.createSighting($0), $0.id) })
        }
        let pushSeconds = try await BenchCommand.timeAsync {
            let report = try await writer.sync()
            guard report.pushed == count, report.rejected.isEmpty else {
                throw BenchError("The link measure pushed \(report.pushed) operations, not \(count).")
            }
        }
        let (reader, readerMeter) = try engine("b", token: tokens.reader)
        let pullSeconds = try await BenchCommand.timeAsync { try await reader.sync() }
        guard try reader.replica.status().records == count else {
            throw BenchError("The link measure's pull did not arrive whole.")
        }
        return Figures(
            throttled: false,
            gzip: false,
            count: count,
            pushSeconds: pushSeconds,
            pullSeconds: pullSeconds,
            push: writerMeter.counts,
            pull: readerMeter.counts
        )
    }

    /// The table of every link measure (medians of the runs of each kind), and the ratios the issue's targets are
    /// about.
    static func markdown(_ runs: [Figures]) -> [String] {
        guard let count = runs.first?.count else { return [] }
        let link = ThrottleProxy.Link.weakSignal
        var lines = [
            "## A weak signal (push and pull of \(BenchReport.count(count)) operations)",
            "",
            "One device pushes \(BenchReport.count(count)) sightings (its sync also pulls its own operations back), "
                + "then a new device pulls them; both are `SyncEngine`s on `HTTPTransport` in the bench process, "
                + "SQLite store. Throttled: through the bench's `ThrottleProxy` on loopback, "
                + String(format: "%.0f Mbit/s", link.bitsPerSecond / 1e6)
                + " and \(link.latency.components.attoseconds / 1_000_000_000_000_000) ms each way "
                + "(a \(2 * link.latency.components.attoseconds / 1_000_000_000_000_000) ms round trip). Bytes are "
                + "request / answer bodies as sent (headers not counted). Median of the runs where there were "
                + "several.",
            "",
            "| link, gzip | push: seconds | push: bytes up / down | pull: seconds | pull: bytes up / down |",
            "| --- | --- | --- | --- | --- |",
        ]
        for throttled in [true, false] {
            for gzip in [false, true] {
                let same = runs.filter { $0.throttled == throttled && $0.gzip == gzip }
                guard let first = same.first else { continue }
                lines.append(
                    "| \(throttled ? "throttled" : "loopback"), gzip \(gzip ? "on" : "off")"
                        + (same.count > 1 ? " (\(same.count) runs)" : "") + " | "
                        + seconds(same.map(\.pushSeconds)) + " | " + bytes(first.push) + " | "
                        + seconds(same.map(\.pullSeconds)) + " | " + bytes(first.pull) + " |"
                )
            }
        }
        return lines + [""]
    }

    /// The issue's two targets for gzip: at least 5× faster over the weak link, at most 10% slower on loopback.
    static func targetRows(_ runs: [Figures]) -> [String] {
        func total(_ throttled: Bool, _ gzip: Bool) -> Double? {
            let same = runs.filter { $0.throttled == throttled && $0.gzip == gzip }
            guard !same.isEmpty else { return nil }
            return BenchCommand.median(same.map(\.pushSeconds)) + BenchCommand.median(same.map(\.pullSeconds))
        }
        var lines: [String] = []
        if let plain = total(true, false), let gzip = total(true, true) {
            let speedUp = plain / gzip
            lines.append(
                "| Push then pull over 2 Mbit/s and 100 ms round trip with gzip ≥ 5× faster than without "
                    + "(Smaller on a weak signal) | "
                    + String(format: "%.1f s ÷ %.1f s = %.1f×", plain, gzip, speedUp) + " | "
                    + (speedUp >= 5 ? "yes" : "**no**") + " |"
            )
        }
        if let plain = total(false, false), let gzip = total(false, true) {
            let slower = gzip / plain - 1
            lines.append(
                "| Push then pull over loopback with gzip ≤ 10% slower than without (Smaller on a weak signal) | "
                    + String(format: "%.2f s vs %.2f s: %+.0f%%", gzip, plain, slower * 100) + " | "
                    + (slower <= 0.1 ? "yes" : "**no**") + " |"
            )
        }
        return lines
    }

    static func seconds(_ values: [Double]) -> String {
        let median = String(format: "%.2f s", BenchCommand.median(values))
        guard values.count > 1, let low = values.min(), let high = values.max() else { return median }
        return median + String(format: " (runs: %.2f–%.2f)", low, high)
    }

    static func bytes(_ counts: TrafficMeter.Counts) -> String {
        "\(kilobytes(counts.sentBytes)) / \(kilobytes(counts.receivedBytes))"
    }

    static func kilobytes(_ bytes: Int) -> String {
        if bytes >= 10_000_000 { return String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        return bytes >= 10_000 ? BenchReport.count(bytes / 1000) + " KB" : BenchReport.count(bytes) + " B"
    }
}
