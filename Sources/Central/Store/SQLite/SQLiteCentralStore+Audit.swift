import Foundation
import GRDB
import Models

extension SQLiteCentralStore {
    public func appendAudit(_ entry: AuditEntry) async throws {
        try await write { db in try Self.appendAudit(entry, db: db) }
    }

    public func auditEntries(matching filter: AuditFilter) async throws -> [AuditEntry] {
        try await database.read { db in
            let decoder = WireCoding.makeDecoder()
            return try Row.fetchAll(db, sql: "SELECT seq, body FROM audit ORDER BY seq").compactMap { row in
                var entry = try decoder.decode(AuditEntry.self, from: Data((row["body"] as String).utf8))
                entry.seq = row["seq"]
                return filter.matches(entry) ? entry : nil
            }
        }
    }

    public func verifyAudit() async throws -> AuditVerification {
        try await database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, body, previousHash, hash FROM audit ORDER BY seq").map {
                AuditChain.Row(seq: $0["seq"], body: $0["body"], previousHash: $0["previousHash"], hash: $0["hash"])
            }
            let head = try Row.fetchOne(db, sql: "SELECT lastSeq, lastHash FROM auditHead WHERE id = 1")
            return AuditChain.verify(
                rows,
                headSeq: head?["lastSeq"] ?? 0,
                headHash: head?["lastHash"] ?? AuditChain.genesis
            )
        }
    }

    /// Appends an entry inside the caller's transaction, chained to the last one.
    static func appendAudit(_ entry: AuditEntry, db: Database) throws {
        let head = try Row.fetchOne(db, sql: "SELECT lastSeq, lastHash FROM auditHead WHERE id = 1")
        let previous: String = head?["lastHash"] ?? AuditChain.genesis
        let body = try AuditChain.encode(entry)
        let hash = AuditChain.hash(previous: previous, body: body)
        try db.execute(
            sql: "INSERT INTO audit (body, previousHash, hash) VALUES (?, ?, ?)",
            arguments: [body, previous, hash]
        )
        try db.execute(
            sql: """
                INSERT INTO auditHead (id, lastSeq, lastHash) VALUES (1, ?, ?)
                ON CONFLICT(id) DO UPDATE SET lastSeq = excluded.lastSeq, lastHash = excluded.lastHash
                """,
            arguments: [db.lastInsertedRowID, hash]
        )
    }
}
