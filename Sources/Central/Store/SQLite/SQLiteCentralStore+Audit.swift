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
            return try Row.fetchAll(db, sql: "SELECT seq, body, leafIndex FROM audit ORDER BY seq").compactMap { row in
                var entry = try decoder.decode(AuditEntry.self, from: Data((row["body"] as String).utf8))
                entry.seq = row["seq"]
                entry.leafIndex = row["leafIndex"]
                return filter.matches(entry) ? entry : nil
            }
        }
    }

    public func auditEntryBody(seq: Int64) async throws -> String? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM audit WHERE seq = ?", arguments: [seq])
        }
    }

    /// SQLite has one writer at a time, so the seal is simply a write transaction: it sees every committed
    /// entry, in the order they were written.
    public func sealAudit(key: AuditSigningKey, now: Date, limit: Int) async throws -> SignedTreeHead? {
        try await write { db in
            let unsealed = try Row.fetchAll(
                db,
                sql: "SELECT seq, body FROM audit WHERE leafIndex IS NULL ORDER BY seq LIMIT ?",
                arguments: [limit]
            )
            guard !unsealed.isEmpty else { return nil }
            let frontier = try Self.auditFrontier(db)
            let seal = try AuditSeal(frontier: frontier, bodies: unsealed.map { $0["body"] }, key: key, now: now)
            let update = try db.makeStatement(sql: "UPDATE audit SET leafIndex = ?, leafHash = ? WHERE seq = ?")
            for (offset, (row, hash)) in zip(unsealed, seal.leafHashes).enumerated() {
                try update.execute(arguments: [frontier.size + Int64(offset), hash, row["seq"] as Int64])
            }
            try db.execute(
                sql: "INSERT INTO auditTreeHead (treeSize, note, frontier) VALUES (?, ?, ?)",
                arguments: [seal.head.size, seal.head.note, seal.frontier.packed]
            )
            return seal.head
        }
    }

    public func auditSnapshot() async throws -> AuditSnapshot {
        try await database.read { db in
            let leaves = try Row.fetchAll(
                db,
                sql: "SELECT seq, leafIndex, leafHash, body FROM audit WHERE leafIndex IS NOT NULL ORDER BY leafIndex"
            ).map { row in
                AuditSnapshot.Leaf(
                    seq: row["seq"],
                    leafIndex: row["leafIndex"],
                    storedHash: row["leafHash"] ?? Data(),
                    body: row["body"]
                )
            }
            let (heads, unreadable) = AuditSnapshot.heads(
                try Row.fetchAll(db, sql: "SELECT treeSize, note FROM auditTreeHead ORDER BY treeSize").map {
                    ($0["treeSize"], $0["note"])
                }
            )
            let unsealed = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit WHERE leafIndex IS NULL") ?? 0
            return AuditSnapshot(leaves: leaves, heads: heads, unreadableHeads: unreadable, unsealed: unsealed)
        }
    }

    public func latestAuditHead() async throws -> SignedTreeHead? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM auditTreeHead ORDER BY treeSize DESC LIMIT 1").flatMap {
                try? SignedTreeHead(note: $0)
            }
        }
    }

    /// The right edge of the tree as the last seal left it.
    private static func auditFrontier(_ db: Database) throws -> MerkleFrontier {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT treeSize, frontier FROM auditTreeHead ORDER BY treeSize DESC LIMIT 1"
            )
        else { return MerkleFrontier() }
        guard let frontier = MerkleFrontier(size: row["treeSize"], packed: row["frontier"]) else {
            throw AuditKeyError("The audit tree's last head is damaged; run 'empower-cli admin audit verify'.")
        }
        return frontier
    }

    /// Appends an entry inside the caller's transaction. It touches no shared row: the sealer gives it its leaf.
    static func appendAudit(_ entry: AuditEntry, db: Database) throws {
        try db.execute(sql: "INSERT INTO audit (body) VALUES (?)", arguments: [try AuditLeaf.encode(entry)])
    }
}
