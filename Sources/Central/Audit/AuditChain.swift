import Crypto
import Foundation
import Models

/// The hash chain of the audit log.
///
/// Each entry is stored as canonical JSON (sorted keys, without its position) with the hash of the entry
/// before it and its own hash, SHA-256(previous hash + JSON). A changed entry no longer matches its hash; a
/// removed or moved entry breaks the link to its neighbour; the head (last position and hash, kept apart and
/// updated in the same transaction) shows entries removed from the end.
enum AuditChain {
    /// The "previous hash" of the first entry.
    static let genesis = String(repeating: "0", count: 64)

    static func encode(_ entry: AuditEntry) throws -> String {
        var stored = entry
        stored.seq = 0
        let encoder = WireCoding.makeEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }

    static func hash(previous: String, body: String) -> String {
        SHA256.hash(data: Data((previous + body).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// One stored row, as read back for verification.
    struct Row {
        var seq: Int64
        var body: String
        var previousHash: String
        var hash: String
    }

    /// Checks rows in position order against the chain and the head.
    static func verify(_ rows: [Row], headSeq: Int64, headHash: String) -> AuditVerification {
        var problems: [AuditVerification.Problem] = []
        var expectedPrevious = genesis
        var lastSeq: Int64 = 0
        for row in rows {
            if hash(previous: row.previousHash, body: row.body) != row.hash {
                problems.append(.init(seq: row.seq, kind: .changed, message: "Entry \(row.seq) was changed."))
            } else if row.previousHash != expectedPrevious {
                if row.seq != lastSeq + 1 {
                    problems.append(
                        .init(
                            seq: row.seq,
                            kind: .removed,
                            message: "Entries \(lastSeq + 1) to \(row.seq - 1), before entry \(row.seq), were removed."
                        )
                    )
                } else {
                    problems.append(
                        .init(
                            seq: row.seq,
                            kind: .reordered,
                            message: "Entry \(row.seq) is out of its place in the chain."
                        )
                    )
                }
            }
            expectedPrevious = row.hash
            lastSeq = row.seq
        }
        if headSeq > lastSeq {
            problems.append(
                .init(
                    seq: headSeq,
                    kind: .removed,
                    message: "Entries \(lastSeq + 1) to \(headSeq), at the end of the log, were removed."
                )
            )
        } else if headSeq < lastSeq {
            problems.append(
                .init(
                    seq: headSeq + 1,
                    kind: .changed,
                    message: "Entries \(headSeq + 1) to \(lastSeq) were added outside the server."
                )
            )
        } else if headHash != expectedPrevious, problems.isEmpty {
            problems.append(
                .init(seq: headSeq, kind: .changed, message: "Entry \(headSeq) does not match the log's head.")
            )
        }
        return AuditVerification(entriesChecked: rows.count, problems: problems)
    }
}
