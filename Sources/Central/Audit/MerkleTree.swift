import Crypto
import Foundation

/// RFC 9162 Merkle tree hashing (section 2.1): a leaf hashes as SHA-256(0x00 ‖ data), a node as
/// SHA-256(0x01 ‖ left ‖ right), and a tree of n leaves splits at the largest power of two below n. Standard
/// certificate transparency verifiers agree with these roots and proofs.
public enum MerkleHash {
    public static func leaf(_ data: some DataProtocol) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0])
        hasher.update(data: data)
        return Data(hasher.finalize())
    }

    public static func node(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [1])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let empty = Data(SHA256.hash(data: Data()))
}

/// The right edge of a tree: the roots of its perfect subtrees, largest first (one per set bit of its size).
///
/// The sealer keeps only this between seals: appending a leaf and computing the root take O(log n).
public struct MerkleFrontier: Sendable, Hashable {
    public private(set) var size: Int64
    public private(set) var hashes: [Data]

    public init() {
        size = 0
        hashes = []
    }

    /// A frontier as stored: `size` and its subtree roots concatenated. Nil when they do not fit together.
    public init?(size: Int64, packed: Data) {
        guard size >= 0, packed.count == size.nonzeroBitCount * 32 else { return nil }
        self.size = size
        hashes = stride(from: 0, to: packed.count, by: 32).map {
            Data(packed[packed.startIndex + $0..<packed.startIndex + $0 + 32])
        }
    }

    public var packed: Data { hashes.reduce(into: Data()) { $0.append($1) } }

    public mutating func append(leafHash: Data) {
        hashes.append(leafHash)
        size += 1
        // Merge equal-sized subtrees: one merge per trailing one bit of the old size.
        var carry = size
        while carry & 1 == 0 {
            let right = hashes.removeLast()
            let left = hashes.removeLast()
            hashes.append(MerkleHash.node(left, right))
            carry >>= 1
        }
    }

    public var root: Data {
        guard var root = hashes.last else { return MerkleHash.empty }
        for hash in hashes.dropLast().reversed() { root = MerkleHash.node(hash, root) }
        return root
    }
}

/// A whole tree in memory, built from its leaf hashes, for verification and proofs: every level kept, so any
/// prefix's root and any proof costs O(log n) after an O(n) build.
public struct MerkleTree: Sendable {
    /// levels[0] are the leaf hashes; levels[k][i] is the root of the perfect subtree of leaves
    /// i·2^k ..< (i+1)·2^k.
    private var levels: [[Data]]

    public init(leafHashes: [Data]) {
        levels = [leafHashes]
        while levels[levels.count - 1].count > 1 {
            let below = levels[levels.count - 1]
            var level: [Data] = []
            level.reserveCapacity(below.count / 2)
            var index = 0
            while index + 1 < below.count {
                level.append(MerkleHash.node(below[index], below[index + 1]))
                index += 2
            }
            levels.append(level)
        }
    }

    public var size: Int64 { Int64(levels[0].count) }

    /// The root of the first `size` leaves (RFC 9162 MTH(D[0:size])).
    public func root(size: Int64) -> Data {
        precondition(size >= 0 && size <= self.size)
        return size == 0 ? MerkleHash.empty : subtree(0, size)
    }

    /// The hash of leaves start ..< start+count, as MTH defines it.
    private func subtree(_ start: Int64, _ count: Int64) -> Data {
        if count.nonzeroBitCount == 1, start % count == 0 {
            let level = count.trailingZeroBitCount
            return levels[level][Int(start >> level)]
        }
        let split = Self.largestPowerOfTwo(below: count)
        return MerkleHash.node(subtree(start, split), subtree(start + split, count - split))
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162 2.1.3.1).
    public func inclusionProof(index: Int64, size: Int64) -> [Data] {
        precondition(index >= 0 && index < size && size <= self.size)
        return path(index, 0, size)
    }

    private func path(_ index: Int64, _ start: Int64, _ count: Int64) -> [Data] {
        guard count > 1 else { return [] }
        let split = Self.largestPowerOfTwo(below: count)
        if index < split {
            return path(index, start, split) + [subtree(start + split, count - split)]
        }
        return path(index - split, start + split, count - split) + [subtree(start, split)]
    }

    /// The consistency proof between the first `old` leaves and the first `new` (RFC 9162 2.1.4.1).
    public func consistencyProof(old: Int64, new: Int64) -> [Data] {
        precondition(old > 0 && old <= new && new <= self.size)
        return subproof(old, 0, new, true)
    }

    private func subproof(_ m: Int64, _ start: Int64, _ n: Int64, _ complete: Bool) -> [Data] {
        if m == n { return complete ? [] : [subtree(start, n)] }
        let split = Self.largestPowerOfTwo(below: n)
        if m <= split {
            return subproof(m, start, split, complete) + [subtree(start + split, n - split)]
        }
        return subproof(m - split, start + split, n - split, false) + [subtree(start, split)]
    }

    /// The largest power of two strictly less than `n` (n > 1).
    static func largestPowerOfTwo(below n: Int64) -> Int64 {
        Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }
}

/// RFC 9162's proof checks, as any verifier runs them: they need only the hashes, never the log.
public enum MerkleProof {
    /// Whether `proof` shows the leaf with `leafHash` at `index` in a tree of `size` with `root` (2.1.3.2).
    public static func verifyInclusion(leafHash: Data, index: Int64, size: Int64, proof: [Data], root: Data) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Whether `proof` shows the tree of `newSize` with `newRoot` extends the one of `oldSize` with `oldRoot`
    /// (2.1.4.2).
    public static func verifyConsistency(
        oldSize: Int64,
        newSize: Int64,
        oldRoot: Data,
        newRoot: Data,
        proof: [Data]
    ) -> Bool {
        guard oldSize > 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        var path = proof
        if oldSize.nonzeroBitCount == 1 { path.insert(oldRoot, at: 0) }
        guard let first = path.first else { return false }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = first
        var sr = first
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}
