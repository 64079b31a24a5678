import Central
import Foundation
import Models
import Testing

/// The remote wipe of a lost or stolen device: the same test code against every central store.
@Suite("Conformance: remote wipe of a lost device")
struct WipeConformanceTests {
    static let officer = UserAccount(id: "PC-4127", role: .officer)
    static let console = Caller.console(user: "conformance")
    static let wipeActions: Set<AuditEntry.Action> = [.wipeOrdered, .wipeDelivered, .wiped]

    private static func wipeEntries(_ store: any CentralStore) async throws -> [AuditEntry] {
        try await store.auditEntries(matching: AuditFilter()).filter { wipeActions.contains($0.action) }
    }

    private static func device(_ id: String, in store: any CentralStore) async throws -> DeviceAccount {
        try #require(try await store.devices().first { $0.id == id })
    }

    @Test(
        "a wipe order revokes the device; only its own token learns of it, and confirms it once",
        arguments: StoreKind.tested
    )
    func orderDeliverConfirm(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let lost = try await store.provisionDevice("dev-conf-lost", for: Self.officer, by: Self.console)
            let other = try await store.provisionDevice("dev-conf-other", for: Self.officer, by: Self.console)

            let wipe = try await store.orderWipe(deviceId: "dev-conf-lost", by: Conformance.admin, now: Date())
            #expect(wipe.state == .ordered && wipe.orderedBy == Conformance.admin.userId)
            #expect(try await store.caller(forToken: lost, now: Date()) == nil, "revoked for everything else at once")
            #expect(try await Self.device("dev-conf-lost", in: store).revokedAt != nil)

            // No other token learns of the wipe or can confirm it, and the other device keeps working.
            for stranger in [other, AccessToken.generate(), "not-a-token"] {
                #expect(try await store.deliverWipe(token: stranger, now: Date()) == nil)
                #expect(try await store.confirmWipe(token: stranger, now: Date()) == nil)
            }
            #expect(try await store.caller(forToken: other, now: Date())?.deviceId == "dev-conf-other")
            #expect(try await Self.device("dev-conf-lost", in: store).wipe?.state == .ordered)

            // The device's own token: delivered at the first contact, which alone is audited.
            let device = try #require(try await store.deliverWipe(token: lost, now: Date()))
            #expect(device == Caller(userId: Self.officer.id, deviceId: "dev-conf-lost", role: .officer))
            #expect(try await store.deliverWipe(token: lost, now: Date()) == device)
            let delivered = try await Self.device("dev-conf-lost", in: store)
            #expect(delivered.wipe?.state == .delivered && delivered.wipe?.deliveredAt != nil)

            let confirmed = try #require(try await store.confirmWipe(token: lost, now: Date()))
            #expect(confirmed == device)
            // The token is retired for good: it obtains nothing any more.
            #expect(try await store.deliverWipe(token: lost, now: Date()) == nil)
            #expect(try await store.confirmWipe(token: lost, now: Date()) == nil)
            #expect(try await store.caller(forToken: lost, now: Date()) == nil)

            let listed = try await Self.device("dev-conf-lost", in: store)
            #expect(listed.wipe?.state == .confirmed && listed.wipe?.confirmedAt != nil)
            #expect(try await Self.device("dev-conf-other", in: store).wipe == nil)

            let entries = try await Self.wipeEntries(store)
            #expect(entries.map(\.action) == [.wipeOrdered, .wipeDelivered, .wiped])
            #expect(entries.allSatisfy { $0.subject == "dev-conf-lost" })
            #expect(entries[0].actor == Conformance.admin.userId && entries[0].role == .admin)
            for entry in entries.dropFirst() {
                #expect(entry.actor == Self.officer.id && entry.deviceId == "dev-conf-lost")
                // Who, which device, when: nothing of the data.
                #expect(entry.recordIds.isEmpty && entry.count == nil && entry.reason == nil && entry.scope == nil)
            }
            #expect(try await store.verifyAudit().isIntact)
        }
    }

    @Test("bad wipe orders are refused with a clear code and change nothing", arguments: StoreKind.tested)
    func refusals(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let lost = try await store.provisionDevice("dev-conf-lost", for: Self.officer, by: Self.console)
            _ = try await store.enrolDevice(
                id: "dev-conf-unused",
                userId: Self.officer.id,
                by: Self.console,
                now: Date()
            )
            let auditBefore = try await store.auditEntries(matching: AuditFilter()).count

            let unknown = await #expect(throws: AccountError.self) {
                try await store.orderWipe(deviceId: "dev-conf-none", by: Conformance.admin, now: Date())
            }
            #expect(unknown?.code == "unknown-device" && unknown?.kind == .notFound)
            let undeliverable = await #expect(throws: AccountError.self) {
                try await store.orderWipe(deviceId: "dev-conf-unused", by: Conformance.admin, now: Date())
            }
            #expect(undeliverable?.code == "wipe-undeliverable" && undeliverable?.kind == .conflict)
            #expect(undeliverable?.message.contains("without --wipe") == true)
            let unused = try await Self.device("dev-conf-unused", in: store)
            #expect(unused.revokedAt == nil && unused.wipe == nil, "a refused order changes nothing")
            #expect(try await store.auditEntries(matching: AuditFilter()).count == auditBefore)

            _ = try await store.orderWipe(deviceId: "dev-conf-lost", by: Conformance.admin, now: Date())
            let twice = await #expect(throws: AccountError.self) {
                try await store.orderWipe(deviceId: "dev-conf-lost", by: Conformance.admin, now: Date())
            }
            #expect(twice?.code == "wipe-ordered-already" && twice?.kind == .conflict)
            #expect(try await store.confirmWipe(token: lost, now: Date()) != nil)
            let wiped = await #expect(throws: AccountError.self) {
                try await store.orderWipe(deviceId: "dev-conf-lost", by: Conformance.admin, now: Date())
            }
            #expect(wiped?.code == "device-wiped" && wiped?.kind == .conflict)
            #expect(wiped?.message.contains("nothing left to wipe") == true)
            #expect(try await Self.wipeEntries(store).map(\.action) == [.wipeOrdered, .wipeDelivered, .wiped])
        }
    }

    @Test(
        "a plain revocation orders no wipe; a revoked device can still be ordered wiped, at its last token only",
        arguments: StoreKind.tested
    )
    func plainRevocationAndRotation(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let revoked = try await store.provisionDevice("dev-conf-revoked", for: Self.officer, by: Self.console)
            // Set up while the officer has a device in use, which approves it (`EnrolmentApproval`).
            let first = try await store.provisionDevice("dev-conf-rotated", for: Self.officer, by: Self.console)
            try await store.revokeDevice(id: "dev-conf-revoked", by: Self.console, now: Date())
            #expect(try await store.deliverWipe(token: revoked, now: Date()) == nil, "plain revoke: no wipe")
            #expect(try await Self.device("dev-conf-revoked", in: store).wipe == nil)
            #expect(try await Self.wipeEntries(store).isEmpty)

            _ = try await store.orderWipe(deviceId: "dev-conf-revoked", by: Conformance.admin, now: Date())
            #expect(try await store.deliverWipe(token: revoked, now: Date())?.deviceId == "dev-conf-revoked")

            let rotated = try await store.rotateToken(deviceId: "dev-conf-rotated", by: Self.console, now: Date())
            _ = try await store.orderWipe(deviceId: "dev-conf-rotated", by: Conformance.admin, now: Date())
            #expect(try await store.deliverWipe(token: first, now: Date()) == nil, "a token rotated out is dead")
            #expect(try await store.deliverWipe(token: rotated, now: Date())?.deviceId == "dev-conf-rotated")
        }
    }

    @Test("a confirmation with no delivery before it records both steps", arguments: StoreKind.tested)
    func confirmationWithoutDelivery(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let lost = try await store.provisionDevice("dev-conf-lost", for: Self.officer, by: Self.console)
            _ = try await store.orderWipe(deviceId: "dev-conf-lost", by: Conformance.admin, now: Date())
            #expect(try await store.confirmWipe(token: lost, now: Date())?.deviceId == "dev-conf-lost")
            let wipe = try #require(try await Self.device("dev-conf-lost", in: store).wipe)
            #expect(wipe.state == .confirmed && wipe.deliveredAt != nil)
            #expect(try await Self.wipeEntries(store).map(\.action) == [.wipeOrdered, .wipeDelivered, .wiped])
        }
    }

    @Test("first contacts at the same moment deliver the wipe once", arguments: StoreKind.tested)
    func concurrentDelivery(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let lost = try await store.provisionDevice("dev-conf-lost", for: Self.officer, by: Self.console)
            _ = try await store.orderWipe(deviceId: "dev-conf-lost", by: Conformance.admin, now: Date())
            let callers = try await withThrowingTaskGroup(of: Caller?.self) { group in
                for _ in 0..<6 { group.addTask { try await store.deliverWipe(token: lost, now: Date()) } }
                var callers: [Caller?] = []
                for try await caller in group { callers.append(caller) }
                return callers
            }
            #expect(callers.allSatisfy { $0?.deviceId == "dev-conf-lost" })
            #expect(try await Self.wipeEntries(store).map(\.action) == [.wipeOrdered, .wipeDelivered])
        }
    }
}
