import Foundation
import Logging
import Models
import PostgresNIO

extension PostgresCentralStore {
    public func appendAudit(_ entry: AuditEntry) async throws {
        try await transaction { connection in
            try await Self.appendAudit([entry], on: connection, logger: logger)
        }
    }

    public func auditEntries(matching filter: AuditFilter) async throws -> [AuditEntry] {
        let decoder = WireCoding.makeDecoder()
        var entries: [AuditEntry] = []
        let rows = try await client.query("SELECT seq, body FROM audit ORDER BY seq", logger: logger)
        for try await (seq, body) in rows.decode((Int64, String).self) {
            var entry = try decoder.decode(AuditEntry.self, from: Data(body.utf8))
            entry.seq = seq
            if filter.matches(entry) { entries.append(entry) }
        }
        return entries
    }

    public func verifyAudit() async throws -> AuditVerification {
        // One transaction at REPEATABLE READ: the rows and the head from the same snapshot.
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                var rows: [AuditChain.Row] = []
                let stream = try await connection.query(
                    "SELECT seq, body, previous_hash, hash FROM audit ORDER BY seq",
                    logger: logger
                )
                for try await (seq, body, previousHash, hash) in stream.decode((Int64, String, String, String).self) {
                    rows.append(AuditChain.Row(seq: seq, body: body, previousHash: previousHash, hash: hash))
                }
                let head = try await connection.query(
                    "SELECT last_seq, last_hash FROM audit_head WHERE id = 1",
                    logger: logger
                ).collect()
                try await connection.query("COMMIT", logger: logger)
                let (headSeq, headHash) = try head.first?.decode((Int64, String).self) ?? (Int64(0), AuditChain.genesis)
                return AuditChain.verify(rows, headSeq: headSeq, headHash: headHash)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Appends entries inside the caller's transaction, each chained to the one before.
    ///
    /// The head row is locked until the transaction ends, so entries get consecutive positions in commit order
    /// and two transactions never chain to the same entry.
    static func appendAudit(_ entries: [AuditEntry], on connection: PostgresConnection, logger: Logger) async throws {
        guard !entries.isEmpty else { return }
        let head = try await connection.query(
            "SELECT last_seq, last_hash FROM audit_head WHERE id = 1 FOR UPDATE",
            logger: logger
        ).collect()
        var (seq, previous) = try head.first?.decode((Int64, String).self) ?? (Int64(0), AuditChain.genesis)
        var seqs: [Int64] = []
        var bodies: [String] = []
        var previousHashes: [String] = []
        var hashes: [String] = []
        for entry in entries {
            let body = try AuditChain.encode(entry)
            let hash = AuditChain.hash(previous: previous, body: body)
            seq += 1
            seqs.append(seq)
            bodies.append(body)
            previousHashes.append(previous)
            hashes.append(hash)
            previous = hash
        }
        try await connection.query(
            """
            INSERT INTO audit (seq, body, previous_hash, hash)
            SELECT * FROM unnest(\(seqs), \(bodies), \(previousHashes), \(hashes))
            """,
            logger: logger
        )
        try await connection.query(
            """
            INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, \(seq), \(previous))
            ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash
            """,
            logger: logger
        )
    }
}
