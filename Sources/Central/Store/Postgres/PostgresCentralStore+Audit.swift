import Foundation
import Logging
import Models
import NIOCore
import PostgresNIO

extension PostgresCentralStore {
    /// The advisory lock that elects the one sealer among the instances sharing the database.
    static let auditSealerLockKey: Int64 = 0x656D_7077_7365_616C  // "empwseal"

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await transaction { connection in
            try await Self.appendAudit([entry], on: connection, logger: logger)
        }
    }

    public func auditEntries(matching filter: AuditFilter) async throws -> [AuditEntry] {
        let decoder = WireCoding.makeDecoder()
        var entries: [AuditEntry] = []
        let rows = try await client.query("SELECT seq, body, leaf_index FROM audit ORDER BY seq", logger: logger)
        for try await (seq, body, leafIndex) in rows.decode((Int64, String, Int64?).self) {
            var entry = try decoder.decode(AuditEntry.self, from: Data(body.utf8))
            entry.seq = seq
            entry.leafIndex = leafIndex
            if filter.matches(entry) { entries.append(entry) }
        }
        return entries
    }

    public func auditEntryBody(seq: Int64) async throws -> String? {
        let rows = try await client.query("SELECT body FROM audit WHERE seq = \(seq)", logger: logger)
        for try await body in rows.decode(String.self) { return body }
        return nil
    }

    /// One seal, in one transaction, by whichever instance holds the sealer's advisory lock (until commit).
    ///
    /// Entries are taken in the order of their numbers among those committed when the seal reads them. An
    /// entry committed after another was committed took its number later, and is visible to any seal that sees
    /// the later one, so commit order is kept; an entry whose number is lower but whose commit is later is
    /// simply sealed by the next seal.
    public func sealAudit(key: AuditSigningKey, now: Date, limit: Int) async throws -> SignedTreeHead? {
        try await transaction { connection in
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock(\(Self.auditSealerLockKey))",
                logger: logger
            ).collect()
            guard try locked.first?.decode(Bool.self) == true else { return nil }
            var seqs: [Int64] = []
            var bodies: [String] = []
            let rows = try await connection.query(
                "SELECT seq, body FROM audit WHERE leaf_index IS NULL ORDER BY seq LIMIT \(limit)",
                logger: logger
            )
            for try await (seq, body) in rows.decode((Int64, String).self) {
                seqs.append(seq)
                bodies.append(body)
            }
            guard !seqs.isEmpty else { return nil }
            let last = try await connection.query(
                "SELECT tree_size, frontier FROM audit_tree_head ORDER BY tree_size DESC LIMIT 1",
                logger: logger
            ).collect()
            var frontier = MerkleFrontier()
            if let row = last.first {
                let (size, packed) = try row.decode((Int64, ByteBuffer).self)
                guard let stored = MerkleFrontier(size: size, packed: Data(packed.readableBytesView)) else {
                    throw AuditKeyError("The audit tree's last head is damaged; run 'empower-cli admin audit verify'.")
                }
                frontier = stored
            }
            let seal = try AuditSeal(frontier: frontier, bodies: bodies, key: key, now: now)
            let indexes = seqs.indices.map { frontier.size + Int64($0) }
            let hashes = seal.leafHashes.map { ByteBuffer(bytes: $0) }
            try await connection.query(
                """
                UPDATE audit SET leaf_index = sealed.leaf_index, leaf_hash = sealed.leaf_hash
                FROM unnest(\(seqs), \(indexes), \(hashes)) AS sealed (seq, leaf_index, leaf_hash)
                WHERE audit.seq = sealed.seq
                """,
                logger: logger
            )
            let packed = ByteBuffer(bytes: seal.frontier.packed)
            try await connection.query(
                "INSERT INTO audit_tree_head (tree_size, note, frontier) VALUES (\(seal.head.size), \(seal.head.note), \(packed))",
                logger: logger
            )
            return seal.head
        }
    }

    public func auditSnapshot() async throws -> AuditSnapshot {
        // One transaction at REPEATABLE READ: the entries and the heads from the same snapshot.
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                var leaves: [AuditSnapshot.Leaf] = []
                let stream = try await connection.query(
                    "SELECT seq, leaf_index, leaf_hash, body FROM audit WHERE leaf_index IS NOT NULL ORDER BY leaf_index",
                    logger: logger
                )
                for try await (seq, leafIndex, hash, body) in stream.decode((Int64, Int64, ByteBuffer?, String).self) {
                    leaves.append(
                        AuditSnapshot.Leaf(
                            seq: seq,
                            leafIndex: leafIndex,
                            storedHash: hash.map { Data($0.readableBytesView) } ?? Data(),
                            body: body
                        )
                    )
                }
                var rows: [(Int64, String)] = []
                let notes = try await connection.query(
                    "SELECT tree_size, note FROM audit_tree_head ORDER BY tree_size",
                    logger: logger
                )
                for try await row in notes.decode((Int64, String).self) { rows.append(row) }
                let (heads, unreadable) = AuditSnapshot.heads(rows)
                let unsealed = try await connection.query(
                    "SELECT count(*) FROM audit WHERE leaf_index IS NULL",
                    logger: logger
                ).collect()
                try await connection.query("COMMIT", logger: logger)
                return AuditSnapshot(
                    leaves: leaves,
                    heads: heads,
                    unreadableHeads: unreadable,
                    unsealed: Int(try unsealed.first?.decode(Int64.self) ?? 0)
                )
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    public func latestAuditHead() async throws -> SignedTreeHead? {
        let rows = try await client.query(
            "SELECT note FROM audit_tree_head ORDER BY tree_size DESC LIMIT 1",
            logger: logger
        )
        for try await note in rows.decode(String.self) { return try? SignedTreeHead(note: note) }
        return nil
    }

    /// Appends entries inside the caller's transaction. They take numbers from a sequence and touch no shared
    /// row; the sealer gives them their leaves.
    static func appendAudit(_ entries: [AuditEntry], on connection: PostgresConnection, logger: Logger) async throws {
        guard !entries.isEmpty else { return }
        let bodies = try entries.map(AuditLeaf.encode)
        try await connection.query(
            "INSERT INTO audit (body) SELECT body FROM unnest(\(bodies)) WITH ORDINALITY AS e (body, n) ORDER BY n",
            logger: logger
        )
    }
}
