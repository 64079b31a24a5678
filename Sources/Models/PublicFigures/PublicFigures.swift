import Foundation

/// The operation's monthly figures for the public: aggregates only, never a record, with small counts hidden
/// (`PublicSuppression`). No free text, no time finer than a month (Europe/London), no place smaller than an
/// area (a venue's `area`: a town centre or ward).
///
/// Each month has the same rows in the same order, whatever the data, so the shape of the table says nothing:
/// sightings; interventions, by action and by outcome; venues taking part; StreetSafe reports, by reason and by
/// area.
public struct PublicFigures: Sendable, Hashable {
    /// What a row counts.
    public enum Measure: String, Sendable, Hashable, CaseIterable {
        /// Sightings that happened in the month.
        case sightings = "sightings"
        /// Interventions that happened in the month.
        case interventions = "interventions"
        /// Interventions that included the action (one intervention may have several).
        case interventionsByAction = "interventions-by-action"
        /// Interventions by how they ended (they add up to `interventions`).
        case interventionsByOutcome = "interventions-by-outcome"
        /// Venues with at least one sighting or intervention in the month.
        case venuesTakingPart = "venues-taking-part"
        /// StreetSafe reports made in the month.
        case streetSafeReports = "streetsafe-reports"
        /// StreetSafe reports that gave the reason (one report may give several).
        case streetSafeByReason = "streetsafe-by-reason"
        /// StreetSafe reports by area (they add up to `streetSafeReports`).
        case streetSafeByArea = "streetsafe-by-area"
    }

    /// One published count: a month, a measure, a category (an action, outcome, reason or area; empty for
    /// totals) and the count, or nil where it is hidden.
    public struct Row: Sendable, Hashable {
        public var month: String
        public var measure: Measure
        public var category: String
        /// nil when hidden: the count is then not kept at all, so nothing can show it by mistake.
        public var count: Int?
    }

    /// The area given to StreetSafe reports farther than `PublicAreas.nearbyMetres` from every venue.
    public static let elsewhere = "Elsewhere"

    /// Counts below this are hidden.
    public var threshold: Int
    /// The months covered, `YYYY-MM` in Europe/London, oldest first, with no gaps.
    public var months: [String]
    /// Every row, month by month in `months` order, each month's rows in the fixed order.
    public var rows: [Row]

    /// How a hidden count is shown: "fewer than 5".
    public var hiddenText: String { "fewer than \(threshold)" }

    /// A row's count as people read it: the number, or `hiddenText`.
    public func text(_ row: Row) -> String { row.count.map(String.init) ?? hiddenText }

    /// The rows of one month and measure, in order.
    public func rows(month: String, measure: Measure) -> [Row] {
        rows.filter { $0.month == month && $0.measure == measure }
    }

    /// The figures of the records, venues and StreetSafe reports given. Redacted records and notes are not
    /// counted; a record counts in the month of its current (amended) time.
    public init(
        records: [RecordState],
        venues: [Venue],
        reports: [StreetSafeReport],
        threshold: Int = PublicSuppression.defaultThreshold
    ) {
        self.threshold = threshold
        let areas = PublicAreas(venues: venues)
        var raw: [String: [Measure: [String: Int]]] = [:]
        func add(_ month: String, _ measure: Measure, _ category: String = "") {
            raw[month, default: [:]][measure, default: [:]][category, default: 0] += 1
        }
        var venuesByMonth: [String: Set<String>] = [:]
        for record in records where record.redaction == nil {
            switch record.current {
            case .sighting(let sighting):
                let month = PublicMonths.key(sighting.occurredAt)
                add(month, .sightings)
                if let venue = sighting.location.venueId { venuesByMonth[month, default: []].insert(venue) }
            case .intervention(let intervention):
                let month = PublicMonths.key(intervention.occurredAt)
                add(month, .interventions)
                for action in Set(intervention.actions) { add(month, .interventionsByAction, action.rawValue) }
                add(month, .interventionsByOutcome, intervention.outcome.rawValue)
                if let venue = intervention.location.venueId { venuesByMonth[month, default: []].insert(venue) }
            case .note, .authorisation, .redacted:
                continue
            }
        }
        for (month, venueIds) in venuesByMonth { raw[month, default: [:]][.venuesTakingPart] = ["": venueIds.count] }
        for report in reports {
            let month = PublicMonths.key(report.reportedAt)
            add(month, .streetSafeReports)
            for reason in report.reasons { add(month, .streetSafeByReason, reason.rawValue) }
            add(month, .streetSafeByArea, areas.area(latitude: report.latitude, longitude: report.longitude))
        }
        months = PublicMonths.span(Array(raw.keys))
        let categories: [Measure: [String]] = [
            .sightings: [""], .interventions: [""], .venuesTakingPart: [""], .streetSafeReports: [""],
            .interventionsByAction: InterventionAction.recordable.map(\.rawValue),
            .interventionsByOutcome: Outcome.recordable.map(\.rawValue),
            .streetSafeByReason: StreetSafeReason.allCases.map(\.rawValue),
            .streetSafeByArea: areas.names + [Self.elsewhere],
        ]
        var rows: [Row] = []
        for month in months {
            var counts: [Measure: [(String, Int)]] = [:]
            for measure in Measure.allCases {
                counts[measure] = categories[measure]!.map { ($0, raw[month]?[measure]?[$0] ?? 0) }
            }
            let shown = PublicSuppression.apply(counts, threshold: threshold)
            for measure in Measure.allCases {
                for (category, count) in shown[measure]! {
                    rows.append(Row(month: month, measure: measure, category: category, count: count))
                }
            }
        }
        self.rows = rows
    }
}

/// Months as the public figures use them: calendar months in Europe/London.
public enum PublicMonths {
    public static let timeZone = TimeZone(identifier: "Europe/London")!

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// `YYYY-MM` of the month, in Europe/London, that holds the time.
    public static func key(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }

    /// "November 2026".
    public static func label(_ key: String) -> String {
        let parts = key.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else {
            return key
        }
        return "\(names[month - 1]) \(year)"
    }

    static let names = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// Every month from the earliest to the latest of the keys, oldest first.
    static func span(_ keys: [String]) -> [String] {
        func number(_ key: String) -> Int? {
            let parts = key.split(separator: "-")
            guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]) else { return nil }
            return year * 12 + month - 1
        }
        let numbers = keys.compactMap(number)
        guard let first = numbers.min(), let last = numbers.max() else { return [] }
        return (first...last).map { String(format: "%04d-%02d", $0 / 12, $0 % 12 + 1) }
    }
}

/// The areas the public figures name: the venues' areas (a town centre or ward, as administrators set them).
/// A StreetSafe report belongs to the area of the nearest venue within `nearbyMetres`, or to
/// `PublicFigures.elsewhere`.
public struct PublicAreas: Sendable {
    public static let nearbyMetres = 2_000.0

    let venues: [Venue]
    /// The areas, sorted.
    public let names: [String]

    public init(venues: [Venue]) {
        self.venues = venues
        self.names = Set(venues.map(\.area)).sorted()
    }

    public func area(latitude: Double, longitude: Double) -> String {
        var best: (distance: Double, area: String)?
        for venue in venues {
            let distance = Self.metres(latitude, longitude, venue.latitude, venue.longitude)
            if distance <= Self.nearbyMetres, distance < best?.distance ?? .infinity { best = (distance, venue.area) }
        }
        return best?.area ?? PublicFigures.elsewhere
    }

    /// The distance on an equirectangular projection: close enough within a few kilometres.
    static func metres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let x = (lon2 - lon1) * cos((lat1 + lat2) / 2 * .pi / 180)
        let y = lat2 - lat1
        return (x * x + y * y).squareRoot() * 111_195
    }
}
