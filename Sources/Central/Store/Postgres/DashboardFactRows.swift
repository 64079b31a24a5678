import Foundation
import Logging
import Models
import PostgresNIO

/// The PostgreSQL store's writes of the dashboard's facts (`RecordFacts`), a push's records in a few
/// statements, in the push's transaction.
enum DashboardFactRows {
    /// Replaces the facts and same-subject links of these merged records (a redacted record's are removed).
    static func write(_ states: [RecordState], on connection: PostgresConnection, logger: Logger) async throws {
        guard !states.isEmpty else { return }
        let ids = states.map(\.id.text)
        let facts = states.compactMap(RecordFacts.make)
        try await connection.query(
            "DELETE FROM dashboard_subject_link WHERE record_id = ANY(\(ids))",
            logger: logger
        )
        let gone = Set(ids).subtracting(facts.map(\.recordId.text)).sorted()
        if !gone.isEmpty {
            try await connection.query("DELETE FROM dashboard_fact WHERE record_id = ANY(\(gone))", logger: logger)
        }
        guard !facts.isEmpty else { return }
        let json = String(decoding: try JSONEncoder().encode(facts.map(FactJSON.init)), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO dashboard_fact (record_id, type, occurred_at, night, hour, venue_id, cell_row, cell_column,
                behaviours, actions, risk_level, outcome, sighting_id, review)
            SELECT record_id, type, occurred_at, night, hour, venue_id, cell_row, cell_column, behaviours, actions,
                risk_level, outcome, sighting_id, review
            FROM json_to_recordset(\(json)::json) AS fact(record_id text, type text, occurred_at bigint, night text,
                hour bigint, venue_id text, cell_row bigint, cell_column bigint, behaviours bigint, actions bigint,
                risk_level text, outcome text, sighting_id text, review text)
            ON CONFLICT (record_id) DO UPDATE SET type = excluded.type, occurred_at = excluded.occurred_at,
                night = excluded.night, hour = excluded.hour, venue_id = excluded.venue_id,
                cell_row = excluded.cell_row, cell_column = excluded.cell_column, behaviours = excluded.behaviours,
                actions = excluded.actions, risk_level = excluded.risk_level, outcome = excluded.outcome,
                sighting_id = excluded.sighting_id, review = excluded.review
            """,
            logger: logger
        )
        let links = facts.flatMap { fact in fact.sameSubject.map { (fact.recordId.text, $0.text) } }
        if !links.isEmpty {
            try await connection.query(
                """
                INSERT INTO dashboard_subject_link (record_id, target_id)
                SELECT * FROM unnest(\(links.map(\.0)), \(links.map(\.1))) ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
        }
    }

    private struct FactJSON: Encodable {
        var facts: RecordFacts

        init(_ facts: RecordFacts) { self.facts = facts }

        enum CodingKeys: String, CodingKey {
            case recordId = "record_id"
            case type
            case occurredAt = "occurred_at"
            case night, hour
            case venueId = "venue_id"
            case cellRow = "cell_row"
            case cellColumn = "cell_column"
            case behaviours, actions
            case riskLevel = "risk_level"
            case outcome
            case sightingId = "sighting_id"
            case review
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(facts.recordId.text, forKey: .recordId)
            try container.encode(facts.type.rawValue, forKey: .type)
            try container.encode(facts.occurredAt, forKey: .occurredAt)
            try container.encodeIfPresent(facts.night, forKey: .night)
            try container.encode(facts.hour, forKey: .hour)
            try container.encodeIfPresent(facts.venueId, forKey: .venueId)
            try container.encodeIfPresent(facts.cell?.row, forKey: .cellRow)
            try container.encodeIfPresent(facts.cell?.column, forKey: .cellColumn)
            try container.encode(facts.behaviours, forKey: .behaviours)
            try container.encode(facts.actions, forKey: .actions)
            try container.encodeIfPresent(facts.riskLevel?.rawValue, forKey: .riskLevel)
            try container.encodeIfPresent(facts.outcome?.rawValue, forKey: .outcome)
            try container.encodeIfPresent(facts.sightingId?.text, forKey: .sightingId)
            try container.encode(facts.review.rawValue, forKey: .review)
        }
    }
}
