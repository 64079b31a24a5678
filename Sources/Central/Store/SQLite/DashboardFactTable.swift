import Foundation
import GRDB
import Models
import SQLiteSupport

/// The SQLite store's writes of the dashboard's facts (`RecordFacts`): one row per sighting and intervention,
/// rewritten with the record in the same transaction, gone when the record is redacted.
enum DashboardFactTable {
    /// Replaces the facts and same-subject links of a merged record.
    static func write(_ state: RecordState, db: Database) throws {
        let id = state.id.text
        try db.cachedStatement(sql: "DELETE FROM dashboard_subject_link WHERE record_id = ?").execute(arguments: [id])
        guard let facts = RecordFacts.make(state) else {
            try db.cachedStatement(sql: "DELETE FROM dashboard_fact WHERE record_id = ?").execute(arguments: [id])
            return
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO dashboard_fact (record_id, type, occurred_at, night, hour, venue_id, cell_row, cell_column,
                    behaviours, actions, risk_level, outcome, sighting_id, review)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (record_id) DO UPDATE SET type = excluded.type, occurred_at = excluded.occurred_at,
                    night = excluded.night, hour = excluded.hour, venue_id = excluded.venue_id,
                    cell_row = excluded.cell_row, cell_column = excluded.cell_column,
                    behaviours = excluded.behaviours, actions = excluded.actions, risk_level = excluded.risk_level,
                    outcome = excluded.outcome, sighting_id = excluded.sighting_id, review = excluded.review
                """
        ).execute(
            arguments: [
                id, facts.type.rawValue, facts.occurredAt, facts.night, facts.hour, facts.venueId,
                facts.cell?.row, facts.cell?.column, facts.behaviours, facts.actions, facts.riskLevel?.rawValue,
                facts.outcome?.rawValue, facts.sightingId?.text, facts.review.rawValue,
            ]
        )
        for target in facts.sameSubject {
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO dashboard_subject_link (record_id, target_id) VALUES (?, ?)"
            ).execute(arguments: [id, target.text])
        }
    }

    /// Writes the facts of every record stored (the migration that adds the tables).
    static func backfill(_ db: Database) throws {
        let ids = try String.fetchAll(db, sql: "SELECT id FROM record WHERE type != 'note' AND redacted = 0")
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ ids[$0..<min($0 + 500, ids.count)] }) {
            let states = try RecordTable.states(
                db,
                where: "WHERE record.id IN (SELECT value FROM json_each(?))",
                arguments: ["[" + chunk.map { "\"\($0)\"" }.joined(separator: ",") + "]"]
            )
            for state in states { try write(state, db: db) }
        }
    }
}
