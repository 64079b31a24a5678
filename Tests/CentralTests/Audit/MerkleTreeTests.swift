import Foundation
import Testing

@testable import Central

/// RFC 9162 hashing and proofs against the certificate transparency reference vectors (the leaves and
/// roots of Trillian's `testonly` package and RFC 6962's reference implementation), and the signed-note
/// format against the example of Go's `golang.org/x/mod/sumdb/note`.
@Suite("Audit: Merkle tree and signed heads")
struct MerkleTreeTests {
    static let leaves: [[UInt8]] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ]
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    static var tree: MerkleTree { MerkleTree(leafHashes: leaves.map { MerkleHash.leaf($0) }) }

    static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

    @Test("the root of every prefix, from the whole tree and from the sealer's right edge, is the reference root")
    func roots() {
        var frontier = MerkleFrontier()
        #expect(Self.hex(frontier.root) == Self.roots[0])
        for size in 1...8 {
            #expect(Self.hex(Self.tree.root(size: Int64(size))) == Self.roots[size], "size \(size)")
            frontier.append(leafHash: MerkleHash.leaf(Self.leaves[size - 1]))
            #expect(Self.hex(frontier.root) == Self.roots[size], "frontier at size \(size)")
            #expect(MerkleFrontier(size: frontier.size, packed: frontier.packed) == frontier)
        }
    }

    @Test("consistency proofs are the reference ones, and verify; a wrong root or proof does not")
    func consistency() {
        let reference: [(Int64, Int64, [String])] = [
            (
                1, 8,
                [
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ]
            ),
            (
                6, 8,
                [
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ]
            ),
            (
                2, 5,
                [
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ]
            ),
        ]
        let tree = Self.tree
        for (old, new, expected) in reference {
            let proof = tree.consistencyProof(old: old, new: new)
            #expect(proof.map(Self.hex) == expected, "\(old) → \(new)")
        }
        for old in Int64(1)...8 {
            for new in old...8 {
                let proof = tree.consistencyProof(old: old, new: new)
                let oldRoot = tree.root(size: old)
                let newRoot = tree.root(size: new)
                #expect(
                    MerkleProof.verifyConsistency(
                        oldSize: old,
                        newSize: new,
                        oldRoot: oldRoot,
                        newRoot: newRoot,
                        proof: proof
                    )
                )
                #expect(
                    !MerkleProof.verifyConsistency(
                        oldSize: old,
                        newSize: new,
                        oldRoot: MerkleHash.empty,
                        newRoot: newRoot,
                        proof: proof
                    )
                )
                if !proof.isEmpty {
                    var broken = proof
                    broken[0] = MerkleHash.empty
                    #expect(
                        !MerkleProof.verifyConsistency(
                            oldSize: old,
                            newSize: new,
                            oldRoot: oldRoot,
                            newRoot: newRoot,
                            proof: broken
                        )
                    )
                }
            }
        }
    }

    @Test("inclusion proofs are the reference ones, and verify for every leaf of every size; others do not")
    func inclusion() {
        let tree = Self.tree
        #expect(
            tree.inclusionProof(index: 0, size: 8).map(Self.hex) == [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        )
        #expect(
            tree.inclusionProof(index: 5, size: 8).map(Self.hex) == [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        )
        for size in Int64(1)...8 {
            for index in 0..<size {
                let leaf = MerkleHash.leaf(Self.leaves[Int(index)])
                let proof = tree.inclusionProof(index: index, size: size)
                let root = tree.root(size: size)
                #expect(MerkleProof.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root))
                #expect(
                    !MerkleProof.verifyInclusion(
                        leafHash: MerkleHash.empty,
                        index: index,
                        size: size,
                        proof: proof,
                        root: root
                    )
                )
                if size > 1 {
                    #expect(
                        !MerkleProof.verifyInclusion(
                            leafHash: leaf,
                            index: (index + 1) % size,
                            size: size,
                            proof: proof,
                            root: root
                        )
                    )
                }
            }
        }
    }

    @Test("a large tree: the right edge and the whole tree agree, and proofs verify at odd sizes")
    func largeTree() {
        let hashes = (0..<1_000).map { MerkleHash.leaf(Data("entry \($0)".utf8)) }
        let tree = MerkleTree(leafHashes: hashes)
        var frontier = MerkleFrontier()
        for (index, hash) in hashes.enumerated() {
            frontier.append(leafHash: hash)
            if [1, 2, 3, 63, 64, 65, 511, 777, 1000].contains(index + 1) {
                #expect(frontier.root == tree.root(size: Int64(index + 1)))
            }
        }
        for (old, new) in [(Int64(1), Int64(1000)), (333, 777), (512, 513), (999, 1000)] {
            #expect(
                MerkleProof.verifyConsistency(
                    oldSize: old,
                    newSize: new,
                    oldRoot: tree.root(size: old),
                    newRoot: tree.root(size: new),
                    proof: tree.consistencyProof(old: old, new: new)
                )
            )
        }
    }

    @Test("keys and signatures in the signed-note format agree with Go's sumdb/note example")
    func signedNoteVector() throws {
        let key = try AuditSigningKey(
            text: "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        )
        #expect(key.publicKey.text == "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        let text =
            "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        let signature = try key.sign(Data(text.utf8))
        #expect(
            (key.publicKey.keyId + signature).base64EncodedString()
                == "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        )
        #expect(try AuditPublicKey(text: key.publicKey.text) == key.publicKey)
        #expect(throws: AuditKeyError.self) {
            try AuditPublicKey(text: "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        }
        #expect(try AuditSigningKey(text: key.text).publicKey == key.publicKey)
    }

    @Test("a signed head reads back from its note, checks with its key only, and any changed byte breaks it")
    func signedHead() throws {
        let key = try AuditSigningKey(name: "empower-audit")
        let head = try SignedTreeHead(size: 8, rootHash: Self.tree.root(size: 8), time: Date(), key: key)
        let read = try SignedTreeHead(note: head.note)
        #expect(read == head && read.isSigned(by: key.publicKey))
        #expect(!read.isSigned(by: try AuditSigningKey(name: "empower-audit").publicKey))
        let altered = head.note.replacingOccurrences(of: "\n8\n", with: "\n9\n")
        #expect(try !SignedTreeHead(note: altered).isSigned(by: key.publicKey))
        #expect(throws: AuditKeyError.self) { try SignedTreeHead(note: "empower-audit\n8\n") }
        let file = "# anchored\n\(head.note)\n# again\n\(head.note)"
        #expect(try SignedTreeHead.notes(in: file) == [head, head])
    }
}
