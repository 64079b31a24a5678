import Foundation
import GRDB
import Models

extension SQLiteCentralStore {
    public func adoptedRetentionPolicy() async throws -> String? {
        try await database.read { db in try String.fetchOne(db, sql: "SELECT body FROM retentionPolicy WHERE id = 1") }
    }

    public func adoptRetentionPolicy(
        _ policy: String,
        replacing previous: String?,
        entry: AuditEntry
    ) async throws
        -> Bool
    {
        try await write { db in
            let stored = try String.fetchOne(db, sql: "SELECT body FROM retentionPolicy WHERE id = 1")
            guard stored == previous else { return false }
            try db.execute(
                sql: """
                    INSERT INTO retentionPolicy (id, body, adoptedAt) VALUES (1, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET body = excluded.body, adoptedAt = excluded.adoptedAt
                    """,
                arguments: [policy, WireCoding.formatDate(entry.at)]
            )
            try Self.appendAudit(entry, db: db)
            return true
        }
    }

    /// SQLite has one writer at a time: the review's row, written in the same transaction as its entry, is
    /// what makes it once a day.
    public func recordRetentionReview(day: CalendarDay, dueCount: Int, entry: AuditEntry) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO retentionReview (day, ranAt, dueCount) VALUES (?, ?, ?) ON CONFLICT (day) DO NOTHING",
                arguments: [day.description, WireCoding.formatDate(entry.at), dueCount]
            )
            guard db.changesCount == 1 else { return false }
            try Self.appendAudit(entry, db: db)
            return true
        }
    }
}
