import Central
import Foundation
import Models
import Testing

/// The separation of duties at enrolment (`EnrolmentApproval`): the same test code against every central store.
@Suite("Conformance: enrolment approval")
struct EnrolmentApprovalConformanceTests {
    static let supervisor = UserAccount(id: "PS-2201", role: .supervisor)
    static let colleague = UserAccount(id: "PS-0311", role: .supervisor)
    static let officer = UserAccount(id: "PC-4127", role: .officer)
    static let admin = UserAccount(id: "ADM-0001", role: .admin)
    static let console = Caller.console(user: "conformance", host: "conformance-host")

    /// The code of the `AccountError` `body` throws ("none" when it throws nothing).
    private func refusal(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "none"
        } catch let error as AccountError {
            return "\(error.kind) \(error.code)"
        } catch {
            return "\(error)"
        }
    }

    @Test(
        "a second device for a supervisor waits: its token is refused, unspent, until the supervisor approves it",
        arguments: StoreKind.tested
    )
    func secondDeviceWaitsForTheUser(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let now = Date()
            // The first device is the bootstrap: no approval.
            let first = try await store.provisionDevice("dev-ps2201-phone", for: Self.supervisor, by: Self.console)
            let supervisor = try #require(try await store.caller(forToken: first, now: now))
            #expect(try await store.devices(ofUser: Self.supervisor.id).map(\.approval) == [nil])
            let adminToken = try await store.provisionDevice("dev-adm-desk", for: Self.admin, by: Self.console)
            let admin = try #require(try await store.caller(forToken: adminToken, now: now))

            // The attack: an administrator enrols a second device for the supervisor and redeems it.
            let stolen = try await store.enrolDevice(
                id: "dev-ps2201-extra",
                userId: Self.supervisor.id,
                by: admin,
                now: now
            )
            let waiting = try #require(
                try await store.devices(ofUser: Self.supervisor.id).first { $0.id == "dev-ps2201-extra" }
            )
            #expect(waiting.id == "dev-ps2201-extra" && waiting.isPendingApproval && waiting.enrolledBy == admin.userId)
            #expect(
                await refusal { _ = try await store.redeemEnrolment(token: stolen, now: now) }
                    == "conflict \(EnrolmentApprovalProtocol.pendingCode)"
            )
            // Nor does a rotation hand out the access that the waiting enrolment is refused.
            #expect(
                await refusal { _ = try await store.rotateToken(deviceId: waiting.id, by: admin, now: now) }
                    == "conflict \(EnrolmentApprovalProtocol.pendingCode)"
            )
            // Nobody but the user (from a device of theirs in use) or a supervisor approves.
            #expect(
                await refusal { _ = try await store.approveEnrolment(deviceId: waiting.id, by: admin, now: now) }
                    == "forbidden approval-forbidden"
            )
            #expect(
                await refusal { _ = try await store.approveEnrolment(deviceId: waiting.id, by: Self.console, now: now) }
                    == "forbidden approval-forbidden"
            )
            let officer = try #require(
                try await store.caller(
                    forToken: try await store.provisionDevice("dev-pc4127-phone", for: Self.officer, by: Self.console),
                    now: now
                )
            )
            #expect(
                await refusal { _ = try await store.approveEnrolment(deviceId: waiting.id, by: officer, now: now) }
                    == "forbidden approval-forbidden"
            )
            // The user's name on a device that is not theirs in use is not the user.
            let forged = Caller(userId: Self.supervisor.id, deviceId: "dev-ps2201-extra", role: .supervisor)
            #expect(
                await refusal { _ = try await store.approveEnrolment(deviceId: waiting.id, by: forged, now: now) }
                    == "forbidden approval-forbidden"
            )
            #expect(
                await refusal { _ = try await store.approveEnrolment(deviceId: "dev-none", by: supervisor, now: now) }
                    == "notFound unknown-device"
            )
            #expect(
                await refusal {
                    _ = try await store.approveEnrolment(deviceId: "dev-pc4127-phone", by: supervisor, now: now)
                }
                    == "conflict approval-not-needed"
            )
            #expect(try await store.devices(ofUser: Self.supervisor.id).first { $0.id == waiting.id } == waiting)

            // The user approves from their phone: the same token now works, once.
            let approved = try await store.approveEnrolment(deviceId: waiting.id, by: supervisor, now: now)
            #expect(approved.approval?.state == .approved)
            #expect(approved.approval?.approvedBy == supervisor.userId)
            #expect(approved.approval?.approvedByDevice == supervisor.deviceId)
            #expect(
                await refusal { _ = try await store.approveEnrolment(deviceId: waiting.id, by: supervisor, now: now) }
                    == "conflict approved-already"
            )
            let redeemed = try #require(try await store.redeemEnrolment(token: stolen, now: now))
            #expect(redeemed.deviceId == waiting.id && redeemed.userId == Self.supervisor.id)
            #expect(try await store.redeemEnrolment(token: stolen, now: now) == nil, "used once")

            // Audited: who approved, from which device, what.
            let entries = try await store.auditEntries(matching: AuditFilter())
            let approval = try #require(entries.first { $0.action == .enrolmentApproved })
            #expect(approval.actor == supervisor.userId && approval.deviceId == supervisor.deviceId)
            #expect(approval.subject == waiting.id && approval.role == .supervisor)
            #expect(entries.allSatisfy { !$0.actor.isEmpty && !$0.deviceId.isEmpty })
            #expect(
                entries.filter { $0.actor.hasPrefix("console:") }.allSatisfy {
                    $0.deviceId == "console@conformance-host"
                }
            )
        }
    }

    @Test(
        "revoking a user's devices first does not make the next a bootstrap; another supervisor approves it",
        arguments: StoreKind.tested
    )
    func lostDevicesNeedAnotherSupervisor(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let now = Date()
            _ = try await store.provisionDevice("dev-ps2201-phone", for: Self.supervisor, by: Self.console)
            let colleague = try #require(
                try await store.caller(
                    forToken: try await store.provisionDevice(
                        "dev-ps0311-phone",
                        for: Self.colleague,
                        by: Self.console
                    ),
                    now: now
                )
            )
            try await store.revokeDevice(id: "dev-ps2201-phone", by: Self.console, now: now)
            let token = try await store.enrolDevice(
                id: "dev-ps2201-new",
                userId: Self.supervisor.id,
                by: Self.console,
                now: now
            )
            #expect(
                await refusal { _ = try await store.redeemEnrolment(token: token, now: now) }
                    == "conflict \(EnrolmentApprovalProtocol.pendingCode)"
            )
            // The user's revoked device cannot approve (its token is gone; its name alone is not enough).
            let revoked = Caller(userId: Self.supervisor.id, deviceId: "dev-ps2201-phone", role: .supervisor)
            #expect(
                await refusal {
                    _ = try await store.approveEnrolment(deviceId: "dev-ps2201-new", by: revoked, now: now)
                }
                    == "forbidden approval-forbidden"
            )
            let approved = try await store.approveEnrolment(deviceId: "dev-ps2201-new", by: colleague, now: now)
            #expect(approved.approval?.approvedBy == Self.colleague.id)
            #expect(try await store.redeemEnrolment(token: token, now: now)?.deviceId == "dev-ps2201-new")
        }
    }

    @Test("a user's device hears of every device enrolled for the user after it", arguments: StoreKind.tested)
    func notices(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let token = try await store.provisionDevice(
                "dev-pc4127-phone",
                for: Self.officer,
                by: Self.console,
                now: start
            )
            let phone = try #require(try await store.caller(forToken: token, now: start))
            _ = try await store.enrolDevice(
                id: "dev-pc4127-tablet",
                userId: Self.officer.id,
                by: Self.console,
                now: start.addingTimeInterval(60)
            )
            _ = try await store.enrolDevice(
                id: "dev-pc4127-spare",
                userId: Self.officer.id,
                by: Self.console,
                now: start.addingTimeInterval(120)
            )
            try await store.revokeDevice(id: "dev-pc4127-spare", by: Self.console, now: start.addingTimeInterval(180))
            let devices = try await store.devices(ofUser: Self.officer.id)
            let notices = EnrolmentApproval.notices(for: phone, devicesOfUser: devices)
            #expect(notices.map(\.deviceId) == ["dev-pc4127-spare", "dev-pc4127-tablet"])
            #expect(notices.map(\.status) == [.revoked, .pendingApproval])
            #expect(notices.allSatisfy { $0.enrolledBy == Self.console.userId })
            #expect(notices.last?.enrolledAt == start.addingTimeInterval(60))
            // The tablet, once approved and set up, hears nothing of the phone enrolled before it.
            _ = try await store.approveEnrolment(deviceId: "dev-pc4127-tablet", by: phone, now: start)
            let tablet = Caller(userId: Self.officer.id, deviceId: "dev-pc4127-tablet", role: .officer)
            let fromTablet = EnrolmentApproval.notices(
                for: tablet,
                devicesOfUser: try await store.devices(ofUser: Self.officer.id)
            )
            #expect(fromTablet.map(\.deviceId) == ["dev-pc4127-spare"])
            let approved = EnrolmentApproval.notices(
                for: phone,
                devicesOfUser: try await store.devices(ofUser: Self.officer.id)
            ).last
            #expect(approved?.status == .enrolled && approved?.approvedBy == Self.officer.id)
        }
    }
}
