import AsyncHTTPClient
import Central
import Foundation
import Models
import NIOCore
import NIOHTTP1

/// The server time of the server-rendered pages (`make bench`): each page fetched over loopback from a real
/// server on a store holding `records` sightings spread over a year and `reports` StreetSafe reports; the
/// first fetch (the figures reckoned from the store) and the median of the `samples` after it (served from the
/// minute's cache, `PublicFiguresCache`). Times include loopback HTTP.
struct PageBench {
    /// The pages measured. Pages that need a sign-in (the supervisors' dashboard) add their path here with
    /// the request they need.
    static let pages: [String] = ["/public"]

    struct Figure {
        var store: String
        var page: String
        var records: Int
        var reports: Int
        /// The first fetch: the figures reckoned and rendered.
        var firstSeconds: Double
        /// The median of the fetches after it.
        var medianSeconds: Double
    }

    let workspace: URL

    func run(on kind: BenchStore, records: Int, reports: Int, samples: Int) async throws -> [Figure] {
        try await kind.withScratch(in: workspace, named: "pages") { scratch in
            try await scratch.withStore { store in
                try await Self.fill(store, records: records, reports: reports)
                return try await CentralServer.withRunningServer(store: store) { url in
                    var figures: [Figure] = []
                    for page in Self.pages {
                        var times: [Double] = []
                        for _ in 0...samples {
                            times.append(
                                try await BenchCommand.timeAsync {
                                    let request = HTTPClientRequest(url: url.absoluteString + page)
                                    let response = try await BenchCommand.httpClient.execute(
                                        request,
                                        timeout: .seconds(120)
                                    )
                                    guard response.status == .ok else {
                                        throw BenchError("\(page) answered \(response.status.code).")
                                    }
                                    _ = try await response.body.collect(upTo: 64 << 20)
                                }
                            )
                        }
                        figures.append(
                            Figure(
                                store: kind.name,
                                page: page,
                                records: records,
                                reports: reports,
                                firstSeconds: times[0],
                                medianSeconds: BenchCommand.median(Array(times.dropFirst()))
                            )
                        )
                    }
                    return figures
                }
            }
        }
    }

    /// Sightings (every third with an intervention) over the last year, and StreetSafe reports around them.
    private static func fill(_ store: any CentralStore, records: Int, reports: Int) async throws {
        let caller = Caller(userId: "PC-4127", deviceId: "dev-pages", role: .officer)
        let now = Date()
        for start in stride(from: 0, to: records, by: 1000) {
            var operations: [LogOperation] = []
            for index in start..<min(start + 1000, records) {
                var sighting = BenchCommand.sighting(index: index)
                sighting.occurredAt = now.addingTimeInterval(-Double(index % 365) * 86_400).truncatedToMilliseconds
                operations.append(operation(caller, index * 2, sighting.id, .createSighting(sighting)))
                if index % 3 == 0 {
                    let intervention = Intervention(
                        sightingId: sighting.id,
                        occurredAt: sighting.occurredAt,
                        recordedAt: sighting.recordedAt,
                        by: caller.userId,
                        location: sighting.location,
                        actions: index % 9 == 0 ? [.stopAndAccount, .arrest] : [.engagement],
                        outcome: index % 9 == 0 ? .arrested : .adviceGiven
                    )
                    operations.append(
                        operation(caller, index * 2 + 1, intervention.id, .createIntervention(intervention))
                    )
                }
            }
            let outcome = try await store.push(operations, by: caller, now: Date())
            guard outcome.rejected.isEmpty else {
                throw BenchError("Filling the store: \(outcome.rejected[0].message)")
            }
        }
        var streetSafe: [StreetSafeReport] = []
        for index in 0..<reports {
            let days = Double(index % 365)
            let latitude = 53.4034 + Double(index % 40) * 0.0003
            let longitude = -2.98 + Double(index % 30) * 0.0004
            let reason = StreetSafeReason.allCases[index % StreetSafeReason.allCases.count]
            streetSafe.append(
                StreetSafeReport(
                    coarsening: now.addingTimeInterval(-days * 86_400),
                    latitude: latitude,
                    longitude: longitude,
                    reasons: [reason]
                )
            )
        }
        try await store.importStreetSafe(streetSafe, by: .console(user: "bench"), now: Date())
    }

    private static func operation(
        _ caller: Caller,
        _ counter: Int,
        _ id: UUID,
        _ payload: OperationPayload
    )
        -> LogOperation
    {
        LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: HLCTimestamp(wallMilliseconds: Date().millisecondsSince1970, counter: UInt16(counter % 60_000)),
            recordId: id,
            payload: payload
        )
    }
}

extension BenchReport {
    /// The pages' table (`PageBench`).
    func pagesTable() -> [String] {
        guard !pages.isEmpty else { return [] }
        var lines = [
            "## Pages (server time)", "",
            "Each page fetched over loopback from a real server: the first fetch (the figures reckoned from "
                + "the store and rendered), and the median of the fetches after it (the minute's cache).", "",
            "| store | page | records | StreetSafe reports | first | then (median) |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for figure in pages {
            lines.append(
                "| \(figure.store) | `\(figure.page)` | \(figure.records) | \(figure.reports) | "
                    + String(format: "%.1f ms | %.1f ms |", figure.firstSeconds * 1000, figure.medianSeconds * 1000)
            )
        }
        return lines + [""]
    }
}
