import Central
import Foundation
import Models

/// The supervisors' dashboard at scale: every page's server time (aggregation and rendering, as a page view
/// does it) over a store holding `records` sightings and interventions.
///
/// The store's dashboard facts are filled directly (the rows `RecordFacts` makes of a record, generated with a
/// fixed seed, in time order over two years of nights at 100 venues in five areas, 1% linked as the same subject,
/// 0.5% action-required), as pushing a million records would take far longer than the pages do.
struct DashboardBench {
    let workspace: URL

    /// The times of one page, in milliseconds.
    struct PageTimes: Sendable {
        var page: String
        var period: String
        var median: Double
        var p95: Double
    }

    func run(on kind: BenchStore, records: Int, samples: Int) async throws -> [PageTimes] {
        try await kind.withScratch(in: workspace, named: "dashboard") { scratch in
            try await scratch.withStore { store in
                let venues = try await Self.fill(store, records: records)
                let session = DashboardSessions.Session(
                    caller: Caller(userId: "PS-0001", deviceId: "dev-bench", role: .supervisor),
                    reason: "Benchmark"
                )
                let periods = [
                    ("28 nights", DashboardFilter(from: "2026-10-26", to: "2026-11-22")),
                    ("one year", DashboardFilter(from: "2025-11-23", to: "2026-11-22")),
                    ("28 nights, one area", DashboardFilter(from: "2026-10-26", to: "2026-11-22", area: "Area 2")),
                ]
                var results: [PageTimes] = []
                for (name, filter) in periods {
                    for page in DashboardPage.allCases {
                        var times: [Double] = []
                        for _ in 0..<samples {
                            let start = ContinuousClock.now
                            _ = try await DashboardRoutes.render(
                                page,
                                filter: filter,
                                venues: venues,
                                session: session,
                                store: store
                            )
                            times.append(BenchCommand.seconds(ContinuousClock.now - start) * 1000)
                        }
                        times.sort()
                        results.append(
                            PageTimes(
                                page: page.rawValue,
                                period: name,
                                median: times[times.count / 2],
                                p95: times[min(times.count - 1, Int(Double(times.count) * 0.95))]
                            )
                        )
                    }
                }
                return results
            }
        }
    }

    /// Venues, facts, links and StreetSafe reports; returns the venues.
    private static func fill(_ store: any CentralStore, records: Int) async throws -> [Venue] {
        let admin = Caller(userId: "ADMIN-1", deviceId: "dev-admin", role: .admin)
        let venues = (0..<100).map { index in
            Venue(
                id: "venue-bench-\(index)",
                name: "Bench venue \(index)",
                licenceNumber: "TEST-BENCH-\(index)",
                area: "Area \(index % 5)",
                address: "\(index) Bench Street \(index % 20), Liverpool",
                latitude: 53.39 + Double(index % 10) * 0.002,
                longitude: -2.99 + Double(index / 10) * 0.003
            )
        }
        for venue in venues { try await store.saveVenue(venue, by: admin, now: Date()) }
        var generator = SeededGenerator(seed: 14)
        let end = DashboardNight.start(ofNight: "2026-11-22")!.timeIntervalSince1970
        let span = 730.0 * 24 * 3600
        let batch = 500
        var linkRows: [(String, String)] = []
        var previousLinked: String?
        for start in stride(from: 0, to: records, by: batch) {
            var values: [String] = []
            var arguments: [DashboardValue] = []
            for index in start..<min(start + batch, records) {
                // Records arrive in time order, as pushes bring them: night by night over the two years, most
                // between 20:00 and 04:00.
                let night = end - span + (span * Double(index) / Double(records) / 86400).rounded(.down) * 86400
                let offset = Double.random(in: 2 * 3600..<10 * 3600, using: &generator)
                let date = Date(
                    timeIntervalSince1970: (night - night.truncatingRemainder(dividingBy: 86400)) + 18 * 3600 + offset
                )
                let isSighting = index % 3 != 2
                let id = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", index))!.text
                let venue = venues[Int.random(in: 0..<venues.count, using: &generator)]
                let review: ReviewStatus =
                    index % 200 == 0 ? .actionRequired : (index % 4 == 0 ? .reviewed : .awaitingReview)
                let facts = RecordFacts(
                    recordId: UUID(text: id)!,
                    type: isSighting ? .sighting : .intervention,
                    occurredAt: date.millisecondsSince1970,
                    night: DashboardNight.night(of: date),
                    hour: DashboardNight.hour(of: date),
                    venueId: index % 10 == 0 ? nil : venue.id,
                    cell: index % 10 == 0
                        ? HotspotGrid.Cell(latitude: venue.latitude + 0.001, longitude: venue.longitude) : nil,
                    behaviours: isSighting ? Int64(1) << Int64.random(in: 0..<15, using: &generator) | 2 : 0,
                    actions: isSighting ? 0 : Int64(1) << Int64.random(in: 0..<17, using: &generator),
                    riskLevel: isSighting ? RiskLevel.allCases[index % 3] : nil,
                    outcome: isSighting ? nil : Outcome.recordable[index % Outcome.recordable.count],
                    review: review
                )
                if index % 100 == 0 {
                    if let previousLinked, index % 300 != 0 { linkRows.append((id, previousLinked)) }
                    previousLinked = id
                }
                values.append("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                arguments += [
                    .text(id), .text(facts.type.rawValue), .integer(facts.occurredAt),
                    facts.night.map { .text($0) } ?? .null, .integer(Int64(facts.hour)),
                    facts.venueId.map { .text($0) } ?? .null, facts.cell.map { .integer($0.row) } ?? .null,
                    facts.cell.map { .integer($0.column) } ?? .null, .integer(facts.behaviours),
                    .integer(facts.actions), facts.riskLevel.map { .text($0.rawValue) } ?? .null,
                    facts.outcome.map { .text($0.rawValue) } ?? .null, .null, .text(facts.review.rawValue),
                ]
            }
            _ = try await store.dashboardWrite(
                DashboardSQL(
                    """
                    INSERT INTO dashboard_fact (record_id, type, occurred_at, night, hour, venue_id, cell_row,
                        cell_column, behaviours, actions, risk_level, outcome, sighting_id, review)
                    VALUES \(values.joined(separator: ", "))
                    """,
                    arguments
                )
            )
        }
        for start in stride(from: 0, to: linkRows.count, by: batch) {
            let chunk = linkRows[start..<min(start + batch, linkRows.count)]
            _ = try await store.dashboardWrite(
                DashboardSQL(
                    "INSERT INTO dashboard_subject_link (record_id, target_id) VALUES "
                        + chunk.map { _ in "(?, ?)" }.joined(separator: ", "),
                    chunk.flatMap { [DashboardValue.text($0.0), .text($0.1)] }
                )
            )
        }
        let reports = (0..<5000).map { index in
            StreetSafeReport(
                coarsening: Date(timeIntervalSince1970: end - Double(index) * 3 * 3600),
                latitude: 53.39 + Double(index % 37) * 0.0006,
                longitude: -2.99 + Double(index % 41) * 0.0008,
                reasons: [StreetSafeReason.allCases[index % StreetSafeReason.allCases.count]]
            )
        }
        try await store.importStreetSafe(reports, by: admin, now: Date())
        return venues
    }

    /// The markdown section of the figures.
    static func markdown(_ results: [String: [PageTimes]], records: Int, samples: Int) -> String {
        guard !results.isEmpty else { return "" }
        var text = "\n## Supervisors' dashboard\n\n"
        text +=
            "Server time of each page (aggregation in SQL and rendering), \(samples) views each, over "
            + "\(records) sightings and interventions on two years of nights (100 venues, 5 areas). Target: p95 "
            + "under 150 ms.\n\n| store | period | page | median ms | p95 ms |\n| --- | --- | --- | ---: | ---: |\n"
        for store in results.keys.sorted() {
            for times in results[store]! {
                text +=
                    "| \(store) | \(times.period) | \(times.page) | "
                    + String(format: "%.1f | %.1f |\n", times.median, times.p95)
            }
        }
        return text
    }
}

/// A fixed-seed generator (SplitMix64), so the bench's data is the same every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
