import Central
import Foundation
import Models
import Testing

/// Accounts, tokens and the audit log: the same test code against every central store.
@Suite("Conformance: accounts and audit")
struct AccountsConformanceTests {
    static let officer = UserAccount(id: "PC-4127", role: .officer)
    static let staff = UserAccount(id: "SIA-1012-0001", role: .venueStaff, venueIds: [Conformance.venueA])

    @Test("users are added once, with known venues only", arguments: StoreKind.tested)
    func users(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await store.addUser(Self.officer, by: .console(user: "conformance"), now: Date())
            let exists = await #expect(throws: AccountError.self) {
                try await store.addUser(Self.officer, by: .console(user: "conformance"), now: Date())
            }
            #expect(exists?.code == "user-exists" && exists?.kind == .conflict)
            let unknownVenue = await #expect(throws: AccountError.self) {
                try await store.addUser(Self.staff, by: .console(user: "conformance"), now: Date())
            }
            #expect(unknownVenue?.code == "unknown-venue")
            try await Conformance.saveVenues(store)
            try await store.addUser(Self.staff, by: .console(user: "conformance"), now: Date())
            let users = try await store.users()
            #expect(users.map(\.id) == ["PC-4127", "SIA-1012-0001"])
            #expect(users.last?.venueIds == [Conformance.venueA] && users.last?.role == .venueStaff)
        }
    }

    @Test(
        "a device is enrolled once; its enrolment token is redeemed once for an access token",
        arguments: StoreKind.tested
    )
    func enrolAndRedeem(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let console = Caller.console(user: "conformance")
            let now = Date()
            try await store.addUser(Self.officer, by: console, now: now)
            let unknownUser = await #expect(throws: AccountError.self) {
                try await store.enrolDevice(id: "dev-conf-1", userId: "PC-0000", by: console, now: now)
            }
            #expect(unknownUser?.code == "unknown-user")

            let enrolment = try await store.enrolDevice(
                id: "dev-conf-1",
                userId: Self.officer.id,
                by: console,
                now: now
            )
            #expect(AccessToken.isWellFormed(enrolment))
            #expect(
                try await store.caller(forToken: enrolment, now: now) == nil,
                "an enrolment token is no access token"
            )
            let duplicate = await #expect(throws: AccountError.self) {
                try await store.enrolDevice(id: "dev-conf-1", userId: Self.officer.id, by: console, now: now)
            }
            #expect(duplicate?.code == "device-exists")

            let redeemed = try #require(try await store.redeemEnrolment(token: enrolment, now: now))
            #expect(
                redeemed.deviceId == "dev-conf-1" && redeemed.userId == Self.officer.id && redeemed.role == .officer
            )
            #expect(try await store.redeemEnrolment(token: enrolment, now: now) == nil, "used once")
            let caller = try #require(try await store.caller(forToken: redeemed.token, now: now))
            #expect(caller == Caller(userId: Self.officer.id, deviceId: "dev-conf-1", role: .officer))
            #expect(try await store.caller(forToken: AccessToken.generate(), now: now) == nil)
            #expect(try await store.caller(forToken: "not-a-token", now: now) == nil)

            // An enrolment token left unused past its lifetime is refused.
            let stale = try await store.enrolDevice(id: "dev-conf-2", userId: Self.officer.id, by: console, now: now)
            #expect(
                try await store.redeemEnrolment(token: stale, now: now.addingTimeInterval(enrolmentLifetime + 1)) == nil
            )
            #expect(try await store.devices().map(\.id) == ["dev-conf-1", "dev-conf-2"])
        }
    }

    @Test(
        "two redemptions of one enrolment token at the same moment: exactly one succeeds",
        arguments: StoreKind.tested
    )
    func concurrentRedemption(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await store.addUser(Self.officer, by: .console(user: "conformance"), now: Date())
            for round in 0..<5 {
                let token = try await store.enrolDevice(
                    id: "dev-conf-race-\(round)",
                    userId: Self.officer.id,
                    by: .console(user: "conformance"),
                    now: Date()
                )
                // The officer's further devices wait for approval, given from the first (`EnrolmentApproval`).
                if round > 0 {
                    let first = Caller(userId: Self.officer.id, deviceId: "dev-conf-race-0", role: .officer)
                    _ = try await store.approveEnrolment(deviceId: "dev-conf-race-\(round)", by: first, now: Date())
                }
                let results = try await withThrowingTaskGroup(of: Enrolment?.self) { group in
                    for _ in 0..<4 { group.addTask { try await store.redeemEnrolment(token: token, now: Date()) } }
                    var results: [Enrolment?] = []
                    for try await result in group { results.append(result) }
                    return results
                }
                #expect(results.compactMap { $0 }.count == 1, "round \(round)")
            }
        }
    }

    @Test("revoking a device ends its tokens; rotating replaces the access token", arguments: StoreKind.tested)
    func revokeAndRotate(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let console = Caller.console(user: "conformance")
            let first = try await store.provisionDevice("dev-conf-1", for: Self.officer, by: console)
            let second = try await store.provisionDevice("dev-conf-2", for: Self.officer, by: console)

            let rotated = try await store.rotateToken(deviceId: "dev-conf-1", by: console, now: Date())
            #expect(rotated != first)
            #expect(try await store.caller(forToken: first, now: Date()) == nil)
            #expect(try await store.caller(forToken: rotated, now: Date())?.deviceId == "dev-conf-1")

            try await store.revokeDevice(id: "dev-conf-2", by: console, now: Date())
            #expect(try await store.caller(forToken: second, now: Date()) == nil)
            #expect(try await store.caller(forToken: rotated, now: Date()) != nil, "other devices keep working")
            let revoked = await #expect(throws: AccountError.self) {
                try await store.rotateToken(deviceId: "dev-conf-2", by: console, now: Date())
            }
            #expect(revoked?.code == "device-revoked")
            let unknown = await #expect(throws: AccountError.self) {
                try await store.revokeDevice(id: "dev-conf-9", by: console, now: Date())
            }
            #expect(unknown?.code == "unknown-device" && unknown?.kind == .notFound)
            let devices = try await store.devices()
            #expect(devices.map(\.id) == ["dev-conf-1", "dev-conf-2"])
            #expect(devices[0].revokedAt == nil && devices[1].revokedAt != nil)
        }
    }

    @Test("every change and disclosure is audited, in a chain that verifies", arguments: StoreKind.tested)
    func auditTrail(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let console = Caller.console(user: "conformance")
            try await Conformance.saveVenues(store)
            _ = try await store.provisionDevice(Conformance.officer.deviceId, for: Self.officer, by: console)
            let create = Conformance.sighting()
            let other = Conformance.sighting()
            _ = try await store.push(
                [create, other, Conformance.amend(create.recordId)],
                by: Conformance.officer,
                now: Date()
            )
            _ = try await store.push([Conformance.redact(other.recordId)], by: Conformance.supervisor, now: Date())
            _ = try await store.pull(after: 0, limit: 100, for: Conformance.staffA, now: Date())

            let entries = try await store.auditEntries(matching: AuditFilter())
            #expect(
                entries.map(\.action) == [
                    .venueSaved, .venueSaved, .userAdded, .enrol, .enrolmentRedeemed, .push, .push, .redact, .pull,
                ]
            )
            #expect(entries.map(\.seq) == Array(1...Int64(entries.count)))
            let push = entries[5]
            #expect(push.actor == Conformance.officer.userId && push.deviceId == Conformance.officer.deviceId)
            #expect(push.recordIds == [create.recordId, other.recordId] && push.count == 3)
            #expect(entries[8].scope == "venues \(Conformance.venueA)" && entries[8].count == 4)
            #expect(
                try await store.auditEntries(matching: AuditFilter(actor: Conformance.supervisor.userId)).map(\.action)
                    == [.push, .redact]
            )

            try await store.appendAudit(
                AuditEntry(at: Date(), caller: console, action: .auditRead, count: entries.count)
            )
            try await TestAuditKey.sealAll(store)
            let verification = try await store.verifyAudit(publicKey: TestAuditKey.key.publicKey)
            #expect(verification.isIntact, "\(verification.problems)")
            #expect(verification.entriesChecked == entries.count + 1)
            #expect(verification.entriesUnsealed == 0 && verification.signaturesChecked)
        }
    }
}
