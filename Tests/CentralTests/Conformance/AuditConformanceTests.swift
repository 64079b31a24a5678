import Central
import Foundation
import Logging
import Models
import ServiceLifecycle
import Testing

/// The audit log as a transparency log, the same test code against both stores: each way of rewriting
/// history inside the database, caught by `verify` and named; and sealing under concurrent writers.
@Suite("Conformance: audit transparency log")
struct AuditConformanceTests {
    static let key = TestAuditKey.key
    static let console = Caller.console(user: "conformance")

    /// A log with two seals: `anchored` (kept outside, as `admin audit anchor` would) and `latest`.
    struct SealedLog {
        var anchored: SignedTreeHead
        var latest: SignedTreeHead
    }

    /// Deletes the entries and heads past `size`, behind the store's back: the tail of the log gone.
    static func truncate(_ harness: ConformanceStore, to size: Int64) async throws {
        let sql = AuditSQL(harness.kind)
        try await harness.execute("DELETE FROM audit WHERE \(sql.leafIndex) >= \(size)")
        try await harness.execute("DELETE FROM \(sql.headTable) WHERE \(sql.treeSize) > \(size)")
    }

    /// Six users added and sealed (the anchored head), four more and sealed again.
    static func sealedLog(_ store: any CentralStore) async throws -> SealedLog {
        for index in 0..<6 {
            try await store.addUser(UserAccount(id: "PC-\(1100 + index)", role: .officer), by: console, now: Date())
        }
        let anchored = try #require(try await store.sealAudit(key: key, now: Date(), limit: 1000))
        for index in 6..<10 {
            try await store.addUser(UserAccount(id: "PC-\(1100 + index)", role: .officer), by: console, now: Date())
        }
        let latest = try #require(try await store.sealAudit(key: key, now: Date(), limit: 1000))
        #expect(anchored.size == 6 && latest.size == 10)
        let intact = try await store.verifyAudit(publicKey: key.publicKey, anchors: [anchored, latest])
        #expect(intact.isIntact && intact.anchorsChecked == 2 && intact.headsChecked == 2, "\(intact.problems)")
        return SealedLog(anchored: anchored, latest: latest)
    }

    @Test(
        "a log rewritten with every hash recomputed and re-signed with the key is caught by an anchored head",
        arguments: StoreKind.tested
    )
    func rewrittenWithKey(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let log = try await Self.sealedLog(harness.store)
            let sql = AuditSQL(kind)
            // The attacker holds the key: changes an entry, forgets every leaf and head, and seals it all again.
            try await harness.execute(
                "UPDATE audit SET body = replace(body, 'PC-1101', 'PC-1199') WHERE \(sql.leafIndex) = 1"
            )
            try await harness.execute("UPDATE audit SET \(sql.leafIndex) = NULL, \(sql.leafHash) = NULL")
            try await harness.execute("DELETE FROM \(sql.headTable)")
            try await TestAuditKey.sealAll(harness.store)

            let unanchored = try await harness.store.verifyAudit(publicKey: Self.key.publicKey)
            #expect(unanchored.isIntact, "without an anchor, a key holder's rewrite is self-consistent (docs/audit.md)")
            let anchored = try await harness.store.verifyAudit(publicKey: Self.key.publicKey, anchors: [log.anchored])
            #expect(anchored.problems.map(\.kind) == [.forked], "\(anchored.problems)")
            #expect(anchored.problems.first?.leafIndex == log.anchored.size)
        }
    }

    @Test("a deleted tail, with its heads, is caught by an anchored head", arguments: StoreKind.tested)
    func deletedTail(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let log = try await Self.sealedLog(harness.store)
            try await Self.truncate(harness, to: log.anchored.size)
            #expect(try await harness.store.verifyAudit(publicKey: Self.key.publicKey).isIntact)
            let found = try await harness.store.verifyAudit(publicKey: Self.key.publicKey, anchors: [log.latest])
            #expect(found.problems.map(\.kind) == [.removed], "\(found.problems)")
            #expect(found.problems.first?.message.contains("larger than today's log") == true)
        }
    }

    @Test(
        "a forked tree (the tail replaced by other entries, sealed with the key) is caught",
        arguments: StoreKind.tested
    )
    func forked(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let log = try await Self.sealedLog(harness.store)
            try await Self.truncate(harness, to: log.anchored.size)
            for index in 0..<6 {
                try await harness.store.appendAudit(
                    AuditEntry(at: Date(), caller: Self.console, action: .auditRead, scope: "other history \(index)")
                )
            }
            try await TestAuditKey.sealAll(harness.store)
            #expect(try await harness.store.verifyAudit(publicKey: Self.key.publicKey).isIntact)
            let found = try await harness.store.verifyAudit(
                publicKey: Self.key.publicKey,
                anchors: [log.anchored, log.latest]
            )
            #expect(found.problems.map(\.kind) == [.forked], "the older anchor still holds: \(found.problems)")
            #expect(found.problems.first?.leafIndex == log.latest.size)
        }
    }

    @Test("a head signed by another key is caught, named by its size", arguments: StoreKind.tested)
    func otherKey(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let log = try await Self.sealedLog(harness.store)
            let sql = AuditSQL(kind)
            let forger = try AuditSigningKey(name: Self.key.name)
            let forged = try SignedTreeHead(
                size: log.latest.size,
                rootHash: log.latest.rootHash,
                time: log.latest.time,
                key: forger
            )
            try await harness.execute(
                "UPDATE \(sql.headTable) SET note = \(sql.text(forged.note)) WHERE \(sql.treeSize) = \(log.latest.size)"
            )
            let found = try await harness.store.verifyAudit(publicKey: Self.key.publicKey)
            #expect(found.problems.map(\.kind) == [.badSignature], "\(found.problems)")
            #expect(found.problems.first?.leafIndex == log.latest.size)
            let byForger = try await harness.store.verifyAudit(publicKey: forger.publicKey)
            #expect(byForger.problems.map(\.leafIndex) == [log.anchored.size], "the forger's key signed no other head")
        }
    }

    @Test("an entry changed after sealing is caught, named", arguments: StoreKind.tested)
    func changedAfterSealing(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            _ = try await Self.sealedLog(harness.store)
            let sql = AuditSQL(kind)
            try await harness.execute(
                "UPDATE audit SET body = replace(body, 'PC-1107', 'PC-1199') WHERE \(sql.leafIndex) = 7"
            )
            let seq = try await harness.count("SELECT seq FROM audit WHERE \(sql.leafIndex) = 7")
            let found = try await harness.store.verifyAudit(publicKey: Self.key.publicKey)
            #expect(found.problems.map(\.kind) == [.changed, .rewritten], "\(found.problems)")
            #expect(found.problems.first?.seq == Int64(seq) && found.problems.first?.leafIndex == 7)
        }
    }

    @Test("an entry inserted out of order is caught at the first head it breaks", arguments: StoreKind.tested)
    func insertedOutOfOrder(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let log = try await Self.sealedLog(harness.store)
            let sql = AuditSQL(kind)
            // Make room at leaf 7 (in two steps, past the unique index) and put a made-up entry there, hashed.
            try await harness.execute(
                "UPDATE audit SET \(sql.leafIndex) = \(sql.leafIndex) + 1000 WHERE \(sql.leafIndex) >= 7"
            )
            try await harness.execute(
                "UPDATE audit SET \(sql.leafIndex) = \(sql.leafIndex) - 999 WHERE \(sql.leafIndex) >= 1000"
            )
            let body =
                #"{"action":"user-added","actor":"console:ops","at":"2026-11-21T23:00:00.000Z","deviceId":"console","recordIds":[],"role":"admin","seq":0,"subject":"PC-6666"}"#
            try await harness.execute(
                "INSERT INTO audit (body, \(sql.leafIndex), \(sql.leafHash)) VALUES (\(sql.text(body)), 7, \(sql.blob(MerkleHash.leaf(Data(body.utf8)))))"
            )
            let found = try await harness.store.verifyAudit(publicKey: Self.key.publicKey)
            #expect(Set(found.problems.map(\.kind)) == [.inserted, .rewritten], "\(found.problems)")
            let rewritten = try #require(found.problems.first { $0.kind == .rewritten })
            #expect(rewritten.leafIndex == log.anchored.size, "the last head that holds is the anchored one (size 6)")
            #expect(rewritten.message.contains("leaves 6 to 9"))
        }
    }

    @Test(
        "8 writers on two instances: every entry sealed once, each writer's in the order written",
        arguments: StoreKind.tested
    )
    func concurrentSealing(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            try await harness.reopen { second in
                let instances: [any CentralStore] = [harness.store, second]
                let logger = Logger(label: "test.sealer", factory: { _ in SwiftLogNoOpLogHandler() })
                let sealers = instances.map {
                    AuditSealer(store: $0, key: Self.key, interval: .milliseconds(20), logger: logger)
                }
                let group = ServiceGroup(configuration: .init(services: sealers, logger: logger))
                let perWriter = 25
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    try await withThrowingTaskGroup(of: Void.self) { writers in
                        for writer in 0..<8 {
                            writers.addTask {
                                for index in 0..<perWriter {
                                    try await instances[writer % 2].appendAudit(
                                        AuditEntry(
                                            at: Date(),
                                            caller: Self.console,
                                            action: .auditRead,
                                            scope: "w\(writer)-\(index)"
                                        )
                                    )
                                }
                            }
                        }
                        try await writers.waitForAll()
                    }
                    var unsealed = Int.max
                    for _ in 0..<200 where unsealed > 0 {
                        try await Task.sleep(for: .milliseconds(50))
                        unsealed = try await harness.store.auditSnapshot().unsealed
                    }
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    #expect(unsealed == 0, "the sealers kept up")
                }
                let verification = try await harness.store.verifyAudit(publicKey: Self.key.publicKey)
                #expect(verification.isIntact, "\(verification.problems)")
                #expect(verification.entriesChecked == 8 * perWriter && verification.entriesUnsealed == 0)
                let entries = try await harness.store.auditEntries(matching: AuditFilter())
                #expect(Set(entries.compactMap(\.leafIndex)) == Set(0..<Int64(8 * perWriter)), "every leaf once")
                for writer in 0..<8 {
                    let leaves = entries.filter { $0.scope?.hasPrefix("w\(writer)-") == true }
                        .sorted { Int($0.scope!.split(separator: "-")[1])! < Int($1.scope!.split(separator: "-")[1])! }
                        .compactMap(\.leafIndex)
                    #expect(leaves.count == perWriter && leaves == leaves.sorted(), "writer \(writer): \(leaves)")
                }
            }
        }
    }
}

/// The audit tables' names in each store's SQL, and literals.
struct AuditSQL {
    let kind: StoreKind
    init(_ kind: StoreKind) { self.kind = kind }

    var leafIndex: String { kind == .sqlite ? "leafIndex" : "leaf_index" }
    var leafHash: String { kind == .sqlite ? "leafHash" : "leaf_hash" }
    var headTable: String { kind == .sqlite ? "auditTreeHead" : "audit_tree_head" }
    var treeSize: String { kind == .sqlite ? "treeSize" : "tree_size" }

    func text(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }

    func blob(_ data: Data) -> String {
        let hex = data.map { String(format: "%02x", $0) }.joined()
        return kind == .sqlite ? "X'\(hex)'" : "decode('\(hex)', 'hex')"
    }
}
