import Foundation
import Models

/// Checks the sealed log: every entry against its leaf hash, every leaf in its place, every signed head
/// against the tree rebuilt from the entries, and every anchored head (kept outside the database) against
/// today's tree with an RFC 9162 consistency proof.
public enum AuditVerifier {
    /// - Parameters:
    ///   - publicKey: the log's published key; without it signatures are not checked (and anchors cannot be).
    ///   - anchors: heads kept outside the database (`admin audit anchor`).
    public static func verify(
        _ snapshot: AuditSnapshot,
        publicKey: AuditPublicKey?,
        anchors: [SignedTreeHead] = []
    ) -> AuditVerification {
        var problems: [AuditVerification.Problem] = []
        let tree = MerkleTree(leafHashes: leafHashes(snapshot, problems: &problems))
        let latest = snapshot.heads.last
        if let latest {
            if tree.size < latest.size {
                problems.append(
                    .init(
                        leafIndex: tree.size,
                        kind: .removed,
                        message:
                            "The last signed head covers \(latest.size) entries; only \(tree.size) are there: leaves \(tree.size) to \(latest.size - 1) were removed."
                    )
                )
            } else if tree.size > latest.size {
                problems.append(
                    .init(
                        seq: snapshot.leaves.first { $0.leafIndex >= latest.size }?.seq,
                        leafIndex: latest.size,
                        kind: .inserted,
                        message:
                            "\(tree.size - latest.size) entries sit beyond the last signed head (size \(latest.size)), where the sealer never puts any."
                    )
                )
            }
        } else if tree.size > 0 {
            problems.append(
                .init(
                    leafIndex: 0,
                    kind: .inserted,
                    message: "\(tree.size) entries are sealed but no signed head covers them."
                )
            )
        }
        for size in snapshot.unreadableHeads {
            problems.append(
                .init(
                    leafIndex: size,
                    kind: .badSignature,
                    message: "The head stored for size \(size) is not a signed tree head."
                )
            )
        }
        problems += checkHeads(snapshot.heads, tree: tree, publicKey: publicKey)
        if let latest, let publicKey {
            problems += checkAnchors(anchors, latest: latest, publicKey: publicKey) { old in
                guard latest.size <= tree.size else { return nil }
                return tree.consistencyProof(old: old, new: latest.size)
            }
        }
        return AuditVerification(
            entriesChecked: snapshot.leaves.count,
            entriesUnsealed: snapshot.unsealed,
            headsChecked: snapshot.heads.count,
            anchorsChecked: publicKey == nil ? 0 : anchors.count,
            signaturesChecked: publicKey != nil,
            latestHead: latest?.note,
            problems: problems
        )
    }

    /// The leaf hashes in index order, from the entries' content, noting each leaf changed, missing or
    /// held twice.
    private static func leafHashes(_ snapshot: AuditSnapshot, problems: inout [AuditVerification.Problem]) -> [Data] {
        var hashes: [Data] = []
        hashes.reserveCapacity(snapshot.leaves.count)
        var holder: [Int64: Int64] = [:]
        for leaf in snapshot.leaves {
            let expected = Int64(hashes.count)
            if leaf.leafIndex < expected {
                problems.append(
                    .init(
                        seq: leaf.seq,
                        leafIndex: leaf.leafIndex,
                        kind: .inserted,
                        message:
                            "Entry \(leaf.seq) claims leaf \(leaf.leafIndex), which entry \(holder[leaf.leafIndex] ?? 0) holds."
                    )
                )
                continue
            }
            if leaf.leafIndex > expected {
                problems.append(
                    .init(
                        seq: leaf.seq,
                        leafIndex: expected,
                        kind: .removed,
                        message: "Leaves \(expected) to \(leaf.leafIndex - 1), before entry \(leaf.seq), were removed."
                    )
                )
            }
            if leaf.contentHash != leaf.storedHash {
                problems.append(
                    .init(
                        seq: leaf.seq,
                        leafIndex: leaf.leafIndex,
                        kind: .changed,
                        message: "Entry \(leaf.seq) (leaf \(leaf.leafIndex)) was changed after it was sealed."
                    )
                )
            }
            holder[leaf.leafIndex] = leaf.seq
            // A missing leaf leaves the rest shifted: the heads' roots then name the damage.
            hashes.append(leaf.contentHash)
        }
        return hashes
    }

    /// Each head's signature, and its root against the rebuilt tree. The first head that fails after one that
    /// held bounds where the entries were rewritten.
    private static func checkHeads(
        _ heads: [SignedTreeHead],
        tree: MerkleTree,
        publicKey: AuditPublicKey?
    ) -> [AuditVerification.Problem] {
        var problems: [AuditVerification.Problem] = []
        var lastGood: Int64 = 0
        var rewritten = 0
        for head in heads {
            if let publicKey, !head.isSigned(by: publicKey) {
                problems.append(
                    .init(
                        leafIndex: head.size,
                        kind: .badSignature,
                        message:
                            "The head of size \(head.size) (\(WireCoding.formatDate(head.time))) is not signed by the log's key \(publicKey.name)+\(publicKey.keyIdHex)."
                    )
                )
            }
            guard head.size <= tree.size else { continue }
            if tree.root(size: head.size) == head.rootHash {
                if rewritten == 0 { lastGood = head.size }
                continue
            }
            rewritten += 1
            if rewritten == 1 {
                problems.append(
                    .init(
                        leafIndex: lastGood,
                        kind: .rewritten,
                        message:
                            "The entries at leaves \(lastGood) to \(head.size - 1) are not those the head of size \(head.size) (\(WireCoding.formatDate(head.time))) signed: they were changed, inserted, reordered or removed after it, with their hashes recomputed."
                    )
                )
            }
        }
        if rewritten > 1 {
            problems.append(
                .init(
                    leafIndex: lastGood,
                    kind: .rewritten,
                    message: "\(rewritten - 1) later signed heads do not match the entries either."
                )
            )
        }
        return problems
    }

    /// Each anchored head: signed by the key, no larger than today's tree, and extended by it (a consistency
    /// proof from `proof`, checked as any RFC 9162 verifier would against the latest signed head).
    public static func checkAnchors(
        _ anchors: [SignedTreeHead],
        latest: SignedTreeHead,
        publicKey: AuditPublicKey,
        proof: (Int64) -> [Data]?
    ) -> [AuditVerification.Problem] {
        var problems: [AuditVerification.Problem] = []
        for anchor in anchors {
            let named = "The head anchored at size \(anchor.size) (\(WireCoding.formatDate(anchor.time)))"
            guard anchor.isSigned(by: publicKey) else {
                problems.append(
                    .init(
                        leafIndex: anchor.size,
                        kind: .badSignature,
                        message: "\(named) is not signed by the log's key \(publicKey.name)+\(publicKey.keyIdHex)."
                    )
                )
                continue
            }
            guard anchor.size <= latest.size else {
                problems.append(
                    .init(
                        leafIndex: latest.size,
                        kind: .removed,
                        message: "\(named) is larger than today's log (size \(latest.size)): entries were removed."
                    )
                )
                continue
            }
            guard anchor.size > 0 else { continue }
            let consistent = proof(anchor.size).map {
                MerkleProof.verifyConsistency(
                    oldSize: anchor.size,
                    newSize: latest.size,
                    oldRoot: anchor.rootHash,
                    newRoot: latest.rootHash,
                    proof: $0
                )
            }
            if consistent != true {
                problems.append(
                    .init(
                        leafIndex: anchor.size,
                        kind: .forked,
                        message:
                            "\(named) is not extended by today's log (size \(latest.size)): its first \(anchor.size) entries are not the ones anchored."
                    )
                )
            }
        }
        return problems
    }
}

extension AuditInclusionProof {
    /// Builds the proof of entry `seq` against the latest head, or nil when the entry is not sealed.
    public static func make(seq: Int64, body: String, snapshot: AuditSnapshot) -> AuditInclusionProof? {
        guard let leaf = snapshot.leaves.first(where: { $0.seq == seq }), let head = snapshot.heads.last,
            leaf.leafIndex < head.size, snapshot.leaves.count >= head.size
        else { return nil }
        let tree = MerkleTree(leafHashes: snapshot.leaves.map(\.contentHash))
        return AuditInclusionProof(
            seq: seq,
            leafIndex: leaf.leafIndex,
            entry: body,
            leafHash: AuditLeaf.hash(body: body),
            treeSize: head.size,
            path: tree.inclusionProof(index: leaf.leafIndex, size: head.size),
            head: head.note
        )
    }

    /// Whether the path leads from this entry's content to the root of its head, signed by `key`.
    public func verify(publicKey: AuditPublicKey) -> Bool {
        guard let head = try? SignedTreeHead(note: head), head.isSigned(by: publicKey), head.size == treeSize else {
            return false
        }
        return MerkleProof.verifyInclusion(
            leafHash: AuditLeaf.hash(body: entry),
            index: leafIndex,
            size: treeSize,
            proof: path,
            root: head.rootHash
        )
    }
}

extension AuditTrail {
    /// Verifies the sealed log as stored now (`AuditVerifier.verify`); signatures and anchors only with a key.
    public func verifyAudit(
        publicKey: AuditPublicKey? = nil,
        anchors: [SignedTreeHead] = []
    ) async throws -> AuditVerification {
        AuditVerifier.verify(try await auditSnapshot(), publicKey: publicKey, anchors: anchors)
    }
}
