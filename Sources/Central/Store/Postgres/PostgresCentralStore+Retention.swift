import Foundation
import Models
import PostgresNIO

extension PostgresCentralStore {
    /// The advisory lock that lets one instance at a time run the daily retention review.
    static let retentionReviewLockKey: Int64 = 0x656D_7077_7265_7476  // "empwretv"

    public func adoptedRetentionPolicy() async throws -> String? {
        let rows = try await client.query("SELECT body FROM retention_policy WHERE id = 1", logger: logger)
        for try await body in rows.decode(String.self) { return body }
        return nil
    }

    public func adoptRetentionPolicy(
        _ policy: String,
        replacing previous: String?,
        entry: AuditEntry
    ) async throws
        -> Bool
    {
        try await transaction { connection in
            // The row is locked (or, before the first policy, the review lock taken) so that two instances
            // starting with a new policy adopt it once.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.retentionReviewLockKey))",
                logger: logger
            )
            var stored: String?
            let rows = try await connection.query(
                "SELECT body FROM retention_policy WHERE id = 1 FOR UPDATE",
                logger: logger
            )
            for try await body in rows.decode(String.self) { stored = body }
            guard stored == previous else { return false }
            let adoptedAt = WireCoding.formatDate(entry.at)
            try await connection.query(
                """
                INSERT INTO retention_policy (id, body, adopted_at) VALUES (1, \(policy), \(adoptedAt))
                ON CONFLICT (id) DO UPDATE SET body = excluded.body, adopted_at = excluded.adopted_at
                """,
                logger: logger
            )
            try await Self.appendAudit([entry], on: connection, logger: logger)
            return true
        }
    }

    /// One instance at a time, under the review's advisory lock (until commit), as the audit sealer does; the
    /// review's row makes it once a day.
    public func recordRetentionReview(day: CalendarDay, dueCount: Int, entry: AuditEntry) async throws -> Bool {
        try await transaction { connection in
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock(\(Self.retentionReviewLockKey))",
                logger: logger
            ).collect()
            guard try locked.first?.decode(Bool.self) == true else { return false }
            let inserted = try await connection.query(
                """
                INSERT INTO retention_review (day, ran_at, due_count)
                VALUES (\(day.description), \(WireCoding.formatDate(entry.at)), \(dueCount))
                ON CONFLICT (day) DO NOTHING RETURNING day
                """,
                logger: logger
            ).collect()
            guard !inserted.isEmpty else { return false }
            try await Self.appendAudit([entry], on: connection, logger: logger)
            return true
        }
    }
}
