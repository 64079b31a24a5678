import Foundation
import Models

/// How an entry becomes a leaf: its canonical JSON (sorted keys, without its number or leaf), hashed as an
/// RFC 9162 leaf.
enum AuditLeaf {
    static func encode(_ entry: AuditEntry) throws -> String {
        var stored = entry
        stored.seq = 0
        stored.leafIndex = nil
        let encoder = WireCoding.makeEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }

    static func hash(body: String) -> Data { MerkleHash.leaf(Data(body.utf8)) }
}

/// The sealed log as stored, for verification and proofs.
public struct AuditSnapshot: Sendable {
    /// Reads stored heads (tree size, note), setting aside those that do not read.
    static func heads(_ rows: [(Int64, String)]) -> (heads: [SignedTreeHead], unreadable: [Int64]) {
        var heads: [SignedTreeHead] = []
        var unreadable: [Int64] = []
        for (size, note) in rows {
            if let head = try? SignedTreeHead(note: note), head.size == size {
                heads.append(head)
            } else {
                unreadable.append(size)
            }
        }
        return (heads, unreadable)
    }

    /// One sealed entry: where the sealer put it, the hash it stored, and the hash of its content now.
    public struct Leaf: Sendable, Hashable {
        public var seq: Int64
        public var leafIndex: Int64
        public var storedHash: Data
        public var contentHash: Data

        /// Reads a stored row, hashing its content again.
        init(seq: Int64, leafIndex: Int64, storedHash: Data, body: String) {
            self.seq = seq
            self.leafIndex = leafIndex
            self.storedHash = storedHash
            contentHash = AuditLeaf.hash(body: body)
        }
    }

    /// Sealed entries by leaf index.
    public var leaves: [Leaf]
    /// Every stored head that reads as one, smallest tree first.
    public var heads: [SignedTreeHead]
    /// The tree sizes of stored heads that do not read as signed heads at all.
    public var unreadableHeads: [Int64] = []
    /// Entries not sealed yet.
    public var unsealed: Int
}

/// What one seal computes, the same for both stores: the leaves of the new entries, the new right edge of
/// the tree, and the signed head.
struct AuditSeal {
    var leafHashes: [Data]
    var frontier: MerkleFrontier
    var head: SignedTreeHead

    /// Extends the tree whose right edge is `frontier` by `bodies`, in order.
    init(frontier: MerkleFrontier, bodies: [String], key: AuditSigningKey, now: Date) throws {
        var frontier = frontier
        leafHashes = bodies.map(AuditLeaf.hash(body:))
        for hash in leafHashes { frontier.append(leafHash: hash) }
        self.frontier = frontier
        head = try SignedTreeHead(size: frontier.size, rootHash: frontier.root, time: now, key: key)
    }
}
