import Foundation
import Models

/// The dashboard's figures, aggregated in SQL over `dashboard_fact` (one row per sighting and intervention),
/// the same statements on both stores. Each query reads the rows of the filter's period through the
/// `(occurred_at, type)` index (or `(venue_id, occurred_at)` for a venue or area) and returns small groups.
struct DashboardQueries: Sendable {
    let store: any CentralStore
    let filter: DashboardFilter
    let venues: [Venue]

    /// The `WHERE` clause and its arguments for the filter.
    private func condition(type: RecordType? = nil) -> (String, [DashboardValue]) {
        let (since, until) = filter.instants
        var text = "occurred_at >= ? AND occurred_at < ?"
        var arguments: [DashboardValue] = [.integer(since.millisecondsSince1970), .integer(until.millisecondsSince1970)]
        if let type {
            text += " AND type = ?"
            arguments.append(.text(type.rawValue))
        }
        if let venueIds = filter.venueIds(among: venues) {
            if venueIds.isEmpty {
                text += " AND 1 = 0"
            } else {
                text += " AND venue_id IN (" + venueIds.map { _ in "?" }.joined(separator: ", ") + ")"
                arguments += venueIds.map { .text($0) }
            }
        }
        return (text, arguments)
    }

    /// Counts by place: `(venue, own cell, type) → count`.
    struct PlaceCount: Sendable, Hashable {
        var venueId: String?
        var cell: HotspotGrid.Cell?
        var type: RecordType
        var count: Int
    }

    func places() async throws -> [PlaceCount] {
        let (condition, arguments) = condition()
        return try await store.dashboardRows(
            DashboardSQL(
                """
                SELECT venue_id, cell_row, cell_column, type, COUNT(*) FROM dashboard_fact WHERE \(condition)
                GROUP BY venue_id, cell_row, cell_column, type
                """,
                arguments
            )
        ).compactMap { row in
            guard let type = row[3].text.flatMap(RecordType.init(rawValue:)), let count = row[4].integer else {
                return nil
            }
            var place = PlaceCount(venueId: row[0].text, cell: nil, type: type, count: Int(count))
            if let cellRow = row[1].integer, let cellColumn = row[2].integer {
                place.cell = HotspotGrid.Cell(row: cellRow, column: cellColumn)
            }
            return place
        }
    }

    /// Counts by night, local hour and type.
    struct TimeCount: Sendable, Hashable {
        var night: String?
        var hour: Int
        var type: RecordType
        var count: Int
    }

    func times() async throws -> [TimeCount] {
        let (condition, arguments) = condition()
        return try await store.dashboardRows(
            DashboardSQL(
                "SELECT night, hour, type, COUNT(*) FROM dashboard_fact WHERE \(condition) GROUP BY night, hour, type",
                arguments
            )
        ).compactMap { row in
            guard let hour = row[1].integer, let type = row[2].text.flatMap(RecordType.init(rawValue:)),
                let count = row[3].integer
            else { return nil }
            return TimeCount(night: row[0].text, hour: Int(hour), type: type, count: Int(count))
        }
    }

    /// Sightings by night and risk level, with how many record each behaviour.
    struct BehaviourCount: Sendable, Hashable {
        var night: String?
        var riskLevel: RiskLevel?
        var sightings: Int
        /// By `Behaviour.allCases` index.
        var behaviours: [Int]
    }

    func behaviours() async throws -> [BehaviourCount] {
        let (condition, arguments) = condition(type: .sighting)
        let sums = Self.bitSums(column: "behaviours", count: Behaviour.allCases.count)
        return try await store.dashboardRows(
            DashboardSQL(
                """
                SELECT night, risk_level, COUNT(*), \(sums) FROM dashboard_fact WHERE \(condition)
                GROUP BY night, risk_level
                """,
                arguments
            )
        ).compactMap { row in
            guard let count = row[2].integer else { return nil }
            return BehaviourCount(
                night: row[0].text,
                riskLevel: row[1].text.flatMap(RiskLevel.init(rawValue:)),
                sightings: Int(count),
                behaviours: row[3...].map { Int($0.integer ?? 0) }
            )
        }
    }

    /// Interventions by outcome and whether they follow a sighting, with how many took each action.
    struct InterventionCount: Sendable, Hashable {
        var outcome: Outcome?
        var followsSighting: Bool
        var interventions: Int
        /// By `InterventionAction.allCases` index.
        var actions: [Int]
    }

    func interventions() async throws -> [InterventionCount] {
        let (condition, arguments) = condition(type: .intervention)
        let sums = Self.bitSums(column: "actions", count: InterventionAction.allCases.count)
        return try await store.dashboardRows(
            DashboardSQL(
                """
                SELECT outcome, CASE WHEN sighting_id IS NULL THEN 0 ELSE 1 END AS follows, COUNT(*), \(sums)
                FROM dashboard_fact WHERE \(condition)
                GROUP BY outcome, CASE WHEN sighting_id IS NULL THEN 0 ELSE 1 END
                """,
                arguments
            )
        ).compactMap { row in
            guard let count = row[2].integer else { return nil }
            return InterventionCount(
                outcome: row[0].text.flatMap(Outcome.init(rawValue:)),
                followsSighting: row[1].integer == 1,
                interventions: Int(count),
                actions: row[3...].map { Int($0.integer ?? 0) }
            )
        }
    }

    /// A record as the dashboard lists it: no content, only where, when and what kind.
    struct ListedRecord: Sendable, Hashable {
        var id: UUID
        var type: RecordType
        var occurredAt: Date
        var night: String?
        var venueId: String?
        var riskLevel: RiskLevel?
        var behaviours: Int64
    }

    /// The sightings marked action-required that nobody has reviewed since, oldest first (at most `limit`),
    /// and how many there are.
    func actionRequired(limit: Int) async throws -> (records: [ListedRecord], total: Int) {
        let (condition, arguments) = condition(type: .sighting)
        let total = try await store.dashboardRows(
            DashboardSQL(
                "SELECT COUNT(*) FROM dashboard_fact WHERE review = 'action-required' AND \(condition)",
                arguments
            )
        ).first?.first?.integer ?? 0
        let rows = try await store.dashboardRows(
            DashboardSQL(
                """
                SELECT record_id, type, occurred_at, night, venue_id, risk_level, behaviours FROM dashboard_fact
                WHERE review = 'action-required' AND \(condition) ORDER BY occurred_at, record_id LIMIT ?
                """,
                arguments + [.integer(Int64(limit))]
            )
        )
        return (rows.compactMap(Self.listed), Int(total))
    }

    /// Groups of records linked as the same subject (links in either direction, transitively) with at least
    /// two records in the filter, each group's records oldest first; the largest groups first.
    func repeatSubjects() async throws -> [[ListedRecord]] {
        let links = try await store.dashboardRows(
            DashboardSQL("SELECT record_id, target_id FROM dashboard_subject_link")
        ).compactMap { row -> (String, String)? in
            guard let a = row[0].text, let b = row[1].text else { return nil }
            return (a, b)
        }
        guard !links.isEmpty else { return [] }
        var parent: [String: String] = [:]
        func root(_ id: String) -> String {
            var id = id
            while let next = parent[id], next != id { id = next }
            return id
        }
        for (a, b) in links {
            parent[a] = parent[a] ?? a
            parent[b] = parent[b] ?? b
            let (ra, rb) = (root(a), root(b))
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        // The linked records of the period, in one query (the links' ends as a set, probed per row of the period).
        let (condition, arguments) = condition()
        let listed = try await store.dashboardRows(
            DashboardSQL(
                """
                SELECT record_id, type, occurred_at, night, venue_id, risk_level, behaviours FROM dashboard_fact
                WHERE \(condition) AND record_id IN (
                    SELECT record_id FROM dashboard_subject_link UNION SELECT target_id FROM dashboard_subject_link)
                """,
                arguments
            )
        ).compactMap(Self.listed)
        let groups = Dictionary(grouping: listed) { root($0.id.text) }.values
            .filter { $0.count >= 2 }
            .map { $0.sorted { ($0.occurredAt, $0.id.text) < ($1.occurredAt, $1.id.text) } }
        return groups.sorted { ($0.count, $1[0].occurredAt) > ($1.count, $0[0].occurredAt) }
    }

    /// `SUM(CASE WHEN (column & 2^n) <> 0 …)` for each bit, as BIGINT on both stores.
    private static func bitSums(column: String, count: Int) -> String {
        (0..<count).map { "CAST(SUM(CASE WHEN (\(column) & \(Int64(1) << Int64($0))) <> 0 THEN 1 ELSE 0 END) AS BIGINT)" }
            .joined(separator: ", ")
    }

    private static func listed(_ row: DashboardRow) -> ListedRecord? {
        guard let id = row[0].text.flatMap(UUID.init(text:)), let type = row[1].text.flatMap(RecordType.init(rawValue:)),
            let occurredAt = row[2].integer
        else { return nil }
        return ListedRecord(
            id: id,
            type: type,
            occurredAt: Date(timeIntervalSince1970: Double(occurredAt) / 1000),
            night: row[3].text,
            venueId: row[4].text,
            riskLevel: row[5].text.flatMap(RiskLevel.init(rawValue:)),
            behaviours: row[6].integer ?? 0
        )
    }
}
