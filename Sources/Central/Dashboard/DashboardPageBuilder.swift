import Foundation
import Models

/// Builds each dashboard page's sections from the store's aggregates (`DashboardQueries`), and says which
/// records a page listed (for the audit log).
struct DashboardPageBuilder: Sendable {
    let store: any CentralStore
    let filter: DashboardFilter
    let venues: [Venue]

    private var queries: DashboardQueries { DashboardQueries(store: store, filter: filter, venues: venues) }
    private var venuesById: [String: Venue] { Dictionary(uniqueKeysWithValues: venues.map { ($0.id, $0) }) }

    /// A page's sections and the records it lists by id.
    func build(_ page: DashboardPage) async throws -> (sections: [DashboardView.Section], listed: [UUID]) {
        switch page {
        case .hotspots: (try await hotspots(), [])
        case .places: (try await places(), [])
        case .times: (try await times(), [])
        case .behaviours: (try await behaviours(), [])
        case .interventions: (try await interventions(), [])
        case .subjects: try await subjects()
        case .actionRequired: try await actionRequired()
        case .streetSafe: (try await streetSafe(), [])
        }
    }

    // MARK: - Places

    /// Counts by hotspot cell: a record's own position, else its venue's; records with neither are apart.
    private func cellCounts() async throws -> (cells: [HotspotGrid.Cell: (sightings: Int, interventions: Int)], unplaced: (Int, Int)) {
        var cells: [HotspotGrid.Cell: (sightings: Int, interventions: Int)] = [:]
        var unplaced = (0, 0)
        let venuesById = venuesById
        for place in try await queries.places() {
            let cell = place.cell
                ?? place.venueId.flatMap { venuesById[$0] }.map {
                    HotspotGrid.Cell(latitude: $0.latitude, longitude: $0.longitude)
                }
            let sightings = place.type == .sighting ? place.count : 0
            let interventions = place.type == .intervention ? place.count : 0
            if let cell {
                cells[cell, default: (0, 0)].sightings += sightings
                cells[cell, default: (0, 0)].interventions += interventions
            } else {
                unplaced.0 += sightings
                unplaced.1 += interventions
            }
        }
        return (cells, unplaced)
    }

    /// The name of a cell for people: its venues' streets, else its position.
    private func cellName(_ cell: HotspotGrid.Cell) -> String {
        let streets = Set(
            venues.filter { HotspotGrid.Cell(latitude: $0.latitude, longitude: $0.longitude) == cell }
                .map { Self.street(of: $0) }
        ).sorted()
        if !streets.isEmpty { return streets.joined(separator: " / ") }
        let (latitude, longitude) = cell.centre
        return String(format: "near %.4f, %.4f", latitude, longitude)
    }

    private func hotspots() async throws -> [DashboardView.Section] {
        let (cells, unplaced) = try await cellCounts()
        let all = cells.sorted { ($0.value.sightings + $0.value.interventions, $1.key) > ($1.value.sightings + $1.value.interventions, $0.key) }
        let ordered = Array(all.prefix(Self.cellLimit))
        let rest = all.dropFirst(Self.cellLimit).reduce((0, 0)) { ($0.0 + $1.value.sightings, $0.1 + $1.value.interventions) }
        let points = ordered.map { cell, counts in
            let centre = cell.centre
            return DashboardChart.Point(
                latitude: centre.latitude,
                longitude: centre.longitude,
                count: counts.sightings + counts.interventions,
                label: cellName(cell),
                kind: "sighting"
            )
        }
        var rows = ordered.map { cell, counts -> [DashboardView.Cell] in
            [
                .text(cellName(cell)), .text(cell.name), .number(counts.sightings), .number(counts.interventions),
                .number(counts.sightings + counts.interventions),
            ]
        }
        if all.count > Self.cellLimit {
            rows.append([.text("\(all.count - Self.cellLimit) other cells"), .text("—"), .number(rest.0), .number(rest.1), .number(rest.0 + rest.1)])
        }
        if unplaced.0 + unplaced.1 > 0 {
            rows.append([.text("No place recorded"), .text("—"), .number(unplaced.0), .number(unplaced.1), .number(unplaced.0 + unplaced.1)])
        }
        return [
            DashboardView.Section(
                id: "hotspots",
                heading: "Where sightings and interventions happened",
                note: "Cells of about 200 m; a record without its own position is placed at its venue. "
                    + "Circles grow with the number of records; the \(Self.cellLimit) busiest cells are drawn. "
                    + "Choose an area to see its streets closer.",
                chart: DashboardChart.map(points, title: "Map of sightings and interventions by cell"),
                table: DashboardView.Table(
                    caption: "Records by cell",
                    headers: ["Place", "Cell", "Sightings", "Interventions", "Total"],
                    rows: rows
                )
            )
        ]
    }

    /// How many cells a map draws and its table lists one by one (the rest are summed in one row).
    static let cellLimit = 40

    private func places() async throws -> [DashboardView.Section] {
        var byVenue: [String: (sightings: Int, interventions: Int)] = [:]
        for place in try await queries.places() {
            let key = place.venueId ?? ""
            if place.type == .sighting { byVenue[key, default: (0, 0)].sightings += place.count }
            if place.type == .intervention { byVenue[key, default: (0, 0)].interventions += place.count }
        }
        let venuesById = venuesById
        func name(_ id: String) -> String { id.isEmpty ? "No venue" : venuesById[id]?.name ?? id }
        let venueRows = byVenue.sorted { ($0.value.sightings + $0.value.interventions, name($1.key)) > ($1.value.sightings + $1.value.interventions, name($0.key)) }
        var byStreet: [String: (sightings: Int, interventions: Int)] = [:]
        for (id, counts) in byVenue {
            let street = venuesById[id].map(Self.street(of:)) ?? "No venue"
            byStreet[street, default: (0, 0)].sightings += counts.sightings
            byStreet[street, default: (0, 0)].interventions += counts.interventions
        }
        let streetRows = byStreet.sorted { ($0.value.sightings + $0.value.interventions, $1.key) > ($1.value.sightings + $1.value.interventions, $0.key) }
        return [
            DashboardView.Section(
                id: "venues",
                heading: "By venue",
                chart: DashboardChart.bars(
                    venueRows.prefix(15).map { DashboardChart.Bar(label: name($0.key), value: $0.value.sightings) },
                    title: "Sightings by venue"
                ),
                table: DashboardView.Table(
                    caption: "Records by venue",
                    headers: ["Venue", "Area", "Street", "Sightings", "Interventions"],
                    rows: venueRows.map { id, counts in
                        [
                            .text(name(id)), .text(venuesById[id]?.area ?? "—"),
                            .text(venuesById[id].map(Self.street(of:)) ?? "—"), .number(counts.sightings),
                            .number(counts.interventions),
                        ]
                    }
                )
            ),
            DashboardView.Section(
                id: "streets",
                heading: "By street",
                note: "A venue's street is taken from its address; records at no venue are counted apart.",
                chart: DashboardChart.bars(
                    streetRows.prefix(15).map { DashboardChart.Bar(label: $0.key, value: $0.value.sightings) },
                    title: "Sightings by street"
                ),
                table: DashboardView.Table(
                    caption: "Records by street",
                    headers: ["Street", "Sightings", "Interventions"],
                    rows: streetRows.map { [.text($0.key), .number($0.value.sightings), .number($0.value.interventions)] }
                )
            ),
        ]
    }

    /// A venue's street: the first part of its address without the number.
    static func street(of venue: Venue) -> String {
        let first = venue.address.split(separator: ",").first.map(String.init) ?? venue.address
        let words = first.split(separator: " ")
        let dropped = words.drop { $0.first?.isNumber == true }
        return dropped.isEmpty ? first.trimmingCharacters(in: .whitespaces) : dropped.joined(separator: " ")
    }

    // MARK: - Times

    private func times() async throws -> [DashboardView.Section] {
        let counts = try await queries.times()
        var nights: [String: (sightings: Int, interventions: Int)] = [:]
        var hours: [Int: (sightings: Int, interventions: Int)] = [:]
        for count in counts {
            let key = count.night ?? ""
            if count.type == .sighting {
                nights[key, default: (0, 0)].sightings += count.count
                hours[count.hour, default: (0, 0)].sightings += count.count
            } else {
                nights[key, default: (0, 0)].interventions += count.count
                hours[count.hour, default: (0, 0)].interventions += count.count
            }
        }
        let nightRows = nights.filter { !$0.key.isEmpty }.sorted { $0.key < $1.key }
        let daytime = nights[""]
        let hourOrder = Array(18...23) + Array(0...17)
        let hourRows = hourOrder.compactMap { hour in hours[hour].map { (hour, $0) } }
        var nightTable = nightRows.map { night, counts -> [DashboardView.Cell] in
            [.text(night), .text(Self.weekday(night)), .number(counts.sightings), .number(counts.interventions)]
        }
        if let daytime {
            nightTable.append([.text("Outside 18:00–06:00"), .text("—"), .number(daytime.sightings), .number(daytime.interventions)])
        }
        return [
            DashboardView.Section(
                id: "nights",
                heading: "By operational night",
                note: "A night runs from 18:00 to 06:00 (Europe/London) and is named by the date it starts; "
                    + "records outside those hours are counted apart.",
                chart: DashboardChart.columns(
                    nightRows.map { DashboardChart.Bar(label: String($0.key.suffix(5)), value: $0.value.sightings) },
                    title: "Sightings by night",
                    labelEvery: max(nightRows.count / 12, 1)
                ),
                table: DashboardView.Table(
                    caption: "Records by night",
                    headers: ["Night", "Day", "Sightings", "Interventions"],
                    rows: nightTable
                )
            ),
            DashboardView.Section(
                id: "hours",
                heading: "By hour",
                note: "Local time. On the night the clocks go back, 01:00–02:00 happens twice and both count as 01.",
                chart: DashboardChart.columns(
                    hourRows.map { DashboardChart.Bar(label: Self.hourLabel($0.0), value: $0.1.sightings) },
                    title: "Sightings by hour"
                ),
                table: DashboardView.Table(
                    caption: "Records by hour",
                    headers: ["Hour", "Sightings", "Interventions"],
                    rows: hourRows.map { [.text(Self.hourLabel($0.0)), .number($0.1.sightings), .number($0.1.interventions)] }
                )
            ),
        ]
    }

    private static func hourLabel(_ hour: Int) -> String { hour < 10 ? "0\(hour):00" : "\(hour):00" }

    private static func weekday(_ night: String) -> String {
        guard let start = DashboardNight.start(ofNight: night) else { return "" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = DashboardNight.zone
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        return names[calendar.component(.weekday, from: start) - 1]
    }

    // MARK: - Behaviours

    private func behaviours() async throws -> [DashboardView.Section] {
        let counts = try await queries.behaviours()
        let total = counts.reduce(0) { $0 + $1.sightings }
        var byBehaviour = Array(repeating: 0, count: Behaviour.allCases.count)
        var byRisk: [RiskLevel: Int] = [:]
        var weeks: [String: (sightings: Int, behaviours: [Int])] = [:]
        for count in counts {
            for (index, value) in count.behaviours.enumerated() { byBehaviour[index] += value }
            if let risk = count.riskLevel { byRisk[risk, default: 0] += count.sightings }
            let week = count.night.map(DashboardNight.week(ofNight:)) ?? "Outside 18:00–06:00"
            var entry = weeks[week] ?? (0, Array(repeating: 0, count: Behaviour.allCases.count))
            entry.sightings += count.sightings
            for (index, value) in count.behaviours.enumerated() { entry.behaviours[index] += value }
            weeks[week] = entry
        }
        let ranked = Behaviour.allCases.indices.filter { byBehaviour[$0] > 0 }
            .sorted { (byBehaviour[$0], $1) > (byBehaviour[$1], $0) }
        let top = Array(ranked.prefix(4))
        let weekRows = weeks.sorted { $0.key < $1.key }
        return [
            DashboardView.Section(
                id: "behaviours",
                heading: "Behaviours observed",
                note: "A sighting records one or more behaviours, so the counts add up to more than the \(total) sightings.",
                chart: DashboardChart.bars(
                    ranked.map { DashboardChart.Bar(label: Behaviour.allCases[$0].label, value: byBehaviour[$0]) },
                    title: "Sightings by behaviour"
                ),
                table: DashboardView.Table(
                    caption: "Sightings recording each behaviour",
                    headers: ["Behaviour", "Sightings", "Share of sightings"],
                    rows: ranked.map {
                        [
                            .text(Behaviour.allCases[$0].label), .number(byBehaviour[$0]),
                            .text(Self.percent(byBehaviour[$0], of: total)),
                        ]
                    }
                )
            ),
            DashboardView.Section(
                id: "trend",
                heading: "Trend by week",
                note: "Weeks start on Monday; a night belongs to the week of the date it starts.",
                chart: DashboardChart.columns(
                    weekRows.map { DashboardChart.Bar(label: String($0.key.suffix(5)), value: $0.value.sightings) },
                    title: "Sightings by week",
                    labelEvery: max(weekRows.count / 12, 1)
                ),
                table: DashboardView.Table(
                    caption: "Sightings by week, with the most recorded behaviours",
                    headers: ["Week of", "Sightings"] + top.map { Behaviour.allCases[$0].label },
                    rows: weekRows.map { week, entry in
                        [.text(week), .number(entry.sightings)] + top.map { .number(entry.behaviours[$0]) }
                    }
                )
            ),
            DashboardView.Section(
                id: "risk",
                heading: "Risk assessed",
                note: "The risk level is the reporter's assessment, not an observed fact.",
                chart: DashboardChart.bars(
                    RiskLevel.allCases.reversed().map { DashboardChart.Bar(label: $0.rawValue, value: byRisk[$0] ?? 0) },
                    title: "Sightings by risk level"
                ),
                table: DashboardView.Table(
                    caption: "Sightings by risk level",
                    headers: ["Risk level", "Sightings"],
                    rows: RiskLevel.allCases.reversed().map { [.text($0.rawValue), .number(byRisk[$0] ?? 0)] }
                )
            ),
        ]
    }

    private static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "—" : String(format: "%.0f%%", 100 * Double(part) / Double(whole))
    }

    // MARK: - Interventions

    private func interventions() async throws -> [DashboardView.Section] {
        let counts = try await queries.interventions()
        let total = counts.reduce(0) { $0 + $1.interventions }
        var byOutcome: [Outcome: Int] = [:]
        var byAction = Array(repeating: 0, count: InterventionAction.allCases.count)
        var following = 0
        for count in counts {
            if let outcome = count.outcome { byOutcome[outcome, default: 0] += count.interventions }
            if count.followsSighting { following += count.interventions }
            for (index, value) in count.actions.enumerated() { byAction[index] += value }
        }
        let outcomes = byOutcome.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }
        let actions = InterventionAction.allCases.indices.filter { byAction[$0] > 0 }
            .sorted { (byAction[$0], $1) > (byAction[$1], $0) }
        return [
            DashboardView.Section(
                id: "outcomes",
                heading: "Outcomes",
                chart: DashboardChart.bars(outcomes.map { DashboardChart.Bar(label: $0.key.rawValue, value: $0.value) }, title: "Interventions by outcome"),
                table: DashboardView.Table(
                    caption: "Interventions by outcome",
                    headers: ["Outcome", "Interventions", "Share"],
                    rows: outcomes.map { [.text($0.key.rawValue), .number($0.value), .text(Self.percent($0.value, of: total))] }
                )
            ),
            DashboardView.Section(
                id: "actions",
                heading: "Actions taken",
                note: "An intervention records one or more actions.",
                chart: DashboardChart.bars(
                    actions.map { DashboardChart.Bar(label: InterventionAction.allCases[$0].rawValue, value: byAction[$0]) },
                    title: "Interventions by action"
                ),
                table: DashboardView.Table(
                    caption: "Interventions recording each action",
                    headers: ["Action", "Interventions"],
                    rows: actions.map { [.text(InterventionAction.allCases[$0].rawValue), .number(byAction[$0])] }
                )
            ),
            DashboardView.Section(
                id: "following",
                heading: "After a sighting",
                table: DashboardView.Table(
                    caption: "Interventions after a sighting and on their own",
                    headers: ["Interventions", "Count"],
                    rows: [
                        [.text("After a sighting"), .number(following)],
                        [.text("On their own"), .number(total - following)],
                        [.text("All"), .number(total)],
                    ]
                )
            ),
        ]
    }

    // MARK: - Records listed

    private func subjects() async throws -> ([DashboardView.Section], [UUID]) {
        let groups = try await queries.repeatSubjects()
        let venuesById = venuesById
        let rows = groups.enumerated().map { index, records -> [DashboardView.Cell] in
            let venueNames = Set(records.map { $0.venueId.flatMap { venuesById[$0]?.name } ?? "No venue" }).sorted()
            let nights = Set(records.compactMap(\.night)).sorted()
            return [
                .text("Subject \(index + 1)"), .number(records.count),
                .number(records.filter { $0.type == .sighting }.count), .number(venueNames.count),
                .text(venueNames.joined(separator: "; ")), .number(nights.count), .text(nights.joined(separator: ", ")),
                .text(records.map { String($0.id.text.prefix(8)) }.joined(separator: " ")),
            ]
        }
        return (
            [
                DashboardView.Section(
                    id: "subjects",
                    heading: "Records linked as the same subject",
                    note: "Records an analyst linked as describing the same subject (links followed both ways), "
                        + "with at least two records in the period; each group once, the largest first.",
                    chart: DashboardChart.bars(
                        groups.prefix(15).enumerated().map { DashboardChart.Bar(label: "Subject \($0.offset + 1)", value: $0.element.count) },
                        title: "Records per linked subject"
                    ),
                    table: DashboardView.Table(
                        caption: "Linked subjects",
                        headers: ["Subject", "Records", "Sightings", "Venues", "Venue names", "Nights", "Night dates", "Records (id starts)"],
                        rows: rows
                    )
                )
            ],
            groups.flatMap { $0.map(\.id) }
        )
    }

    /// How many of the action-required sightings a page lists at most.
    static let listLimit = 200

    private func actionRequired() async throws -> ([DashboardView.Section], [UUID]) {
        let (records, total) = try await queries.actionRequired(limit: Self.listLimit)
        let venuesById = venuesById
        let byNight = Dictionary(grouping: records) { $0.night ?? "Outside 18:00–06:00" }.sorted { $0.key < $1.key }
        let rows = records.map { record -> [DashboardView.Cell] in
            let behaviours = Behaviour.allCases.enumerated()
                .filter { record.behaviours & (Int64(1) << Int64($0.offset)) != 0 }.map(\.element.label)
            return [
                .text(record.night ?? "—"), .text(Self.localTime(record.occurredAt)),
                .text(record.venueId.flatMap { venuesById[$0]?.name } ?? "No venue"),
                .text(record.riskLevel?.rawValue ?? "—"), .text(behaviours.joined(separator: "; ")),
                .text(record.id.text),
            ]
        }
        return (
            [
                DashboardView.Section(
                    id: "action-required",
                    heading: "Sightings marked action-required, not reviewed since",
                    note: total > records.count
                        ? "\(total) sightings; the oldest \(records.count) are listed."
                        : "\(total) sighting\(total == 1 ? "" : "s"), oldest first.",
                    chart: DashboardChart.columns(
                        byNight.map { DashboardChart.Bar(label: String($0.key.suffix(5)), value: $0.value.count) },
                        title: "Action-required sightings by night"
                    ),
                    table: DashboardView.Table(
                        caption: "Action-required sightings",
                        headers: ["Night", "Time", "Venue", "Risk", "Behaviours", "Record"],
                        rows: rows
                    )
                )
            ],
            records.map(\.id)
        )
    }

    private static func localTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = DashboardNight.zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return formatter.string(from: date)
    }

    // MARK: - StreetSafe

    private func streetSafe() async throws -> [DashboardView.Section] {
        let (since, until) = filter.instants
        let reports = try await store.streetSafeReports().filter { $0.reportedAt >= since && $0.reportedAt < until }
        var cells: [HotspotGrid.Cell: (reports: Int, behavioural: Int, environmental: Int, sightings: Int)] = [:]
        for report in reports {
            let cell = HotspotGrid.Cell(latitude: report.latitude, longitude: report.longitude)
            var entry = cells[cell] ?? (0, 0, 0, 0)
            entry.reports += 1
            if report.reasons.contains(where: { $0.kind == .behavioural }) { entry.behavioural += 1 }
            if report.reasons.contains(where: { $0.kind == .environmental }) { entry.environmental += 1 }
            cells[cell] = entry
        }
        for (cell, counts) in try await cellCounts().cells where counts.sightings > 0 {
            cells[cell, default: (0, 0, 0, 0)].sightings += counts.sightings
        }
        let all = cells.sorted { ($0.value.reports + $0.value.sightings, $1.key) > ($1.value.reports + $1.value.sightings, $0.key) }
        let ordered = Array(all.prefix(Self.cellLimit))
        let rest = all.dropFirst(Self.cellLimit).reduce((0, 0, 0, 0)) {
            ($0.0 + $1.value.reports, $0.1 + $1.value.behavioural, $0.2 + $1.value.environmental, $0.3 + $1.value.sightings)
        }
        var points: [DashboardChart.Point] = []
        for (cell, counts) in ordered {
            let centre = cell.centre
            if counts.reports > 0 {
                points.append(DashboardChart.Point(latitude: centre.latitude, longitude: centre.longitude - HotspotGrid.longitudeStep / 6, count: counts.reports, label: "Felt unsafe: " + cellName(cell), kind: "streetsafe"))
            }
            if counts.sightings > 0 {
                points.append(DashboardChart.Point(latitude: centre.latitude, longitude: centre.longitude + HotspotGrid.longitudeStep / 6, count: counts.sightings, label: "Sightings: " + cellName(cell), kind: "sighting"))
            }
        }
        return [
            DashboardView.Section(
                id: "streetsafe",
                heading: "Felt unsafe here, and predatory behaviour seen here",
                note: "Blue: anonymous StreetSafe reports (\"felt unsafe here\"); red: sightings (\"predatory behaviour "
                    + "seen here\"), by the same cells of about 200 m; the \(Self.cellLimit) busiest cells are drawn. StreetSafe reports have no venue: the period "
                    + "applies to them, the area and venue filters only to the sightings.",
                chart: DashboardChart.map(points, title: "StreetSafe reports and sightings by cell", labelled: 6),
                table: DashboardView.Table(
                    caption: "StreetSafe reports and sightings by cell",
                    headers: ["Place", "Cell", "Felt unsafe (reports)", "Behavioural reasons", "Environmental reasons", "Sightings"],
                    rows: ordered.map { cell, counts in
                        [
                            .text(cellName(cell)), .text(cell.name), .number(counts.reports), .number(counts.behavioural),
                            .number(counts.environmental), .number(counts.sightings),
                        ]
                    }
                        + (all.count > Self.cellLimit
                            ? [[
                                .text("\(all.count - Self.cellLimit) other cells"), .text("—"), .number(rest.0),
                                .number(rest.1), .number(rest.2), .number(rest.3),
                            ]] : [])
                )
            )
        ]
    }
}
