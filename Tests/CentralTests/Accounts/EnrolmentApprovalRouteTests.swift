import Central
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import Testing

/// The separation of duties through the API over a real socket: an administrator cannot give themselves a
/// supervisor's access by enrolling a device for them.
@Suite("Enrolment approval over real HTTP")
struct EnrolmentApprovalRouteTests {
    static let supervisor = UserAccount(id: "PS-2201", role: .supervisor)
    static let colleague = UserAccount(id: "PS-0311", role: .supervisor)

    /// A live server over a fresh store, with an administrator's, a supervisor's and a colleague supervisor's
    /// device tokens.
    private func withLiveServer(
        _ body:
            @Sendable (SQLiteCentralStore, SignedClient, _ admin: String, _ supervisor: String, _ colleague: String)
            async throws -> Void
    ) async throws {
        try await withStore { store in
            let admin = try await Accounts.adminToken(store)
            let supervisor = try await store.provisionDevice("dev-ps2201-phone", for: Self.supervisor)
            let colleague = try await store.provisionDevice("dev-ps0311-phone", for: Self.colleague)
            let app = CentralServer.buildApplication(
                configuration: CentralConfiguration(host: "127.0.0.1", port: 0),
                store: store,
                logger: quietLogger
            )
            try await app.test(.live) { live in
                try await body(store, SignedClient(base: live, token: admin), admin, supervisor, colleague)
            }
        }
    }

    private func enrolAsAdmin(_ client: SignedClient, device: String, user: String) async throws -> String {
        let response = try await client.execute(
            uri: "/v1/admin/devices",
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(bytes: try WireCoding.encode(NewDevice(deviceId: device, userId: user)))
        )
        try #require(response.status == .created, "enrol answered \(response.status): \(response.text)")
        return try response.decode(IssuedToken.self).token
    }

    private func redeem(_ client: SignedClient, _ token: String) async throws -> TestResponse {
        try await client.signed(with: token).execute(uri: "/v1/enrol", method: .post)
    }

    private func approve(_ client: SignedClient, _ device: String, as token: String) async throws -> TestResponse {
        try await client.signed(with: token).execute(uri: "/v1/device/enrolments/\(device)/approve", method: .post)
    }

    @Test("an admin's device for an existing supervisor is refused at enrolment until the supervisor approves it")
    func adminCannotTakeOverASupervisor() async throws {
        try await withLiveServer { store, client, admin, supervisor, _ in
            let token = try await enrolAsAdmin(client, device: "dev-ps2201-extra", user: Self.supervisor.id)
            try expectError(
                try await redeem(client, token),
                status: .conflict,
                code: EnrolmentApprovalProtocol.pendingCode
            )
            // The administrator cannot approve it, through the API or by any role check left open.
            try expectError(
                try await approve(client, "dev-ps2201-extra", as: admin),
                status: .forbidden,
                code: "approval-forbidden"
            )
            try expectError(
                try await redeem(client, token),
                status: .conflict,
                code: EnrolmentApprovalProtocol.pendingCode
            )
            // The supervisor sees it waiting, and approves it from their phone.
            let pending = try await client.signed(with: supervisor).get("/v1/device/enrolments", as: DeviceList.self)
            #expect(pending.devices.map(\.id) == ["dev-ps2201-extra"])
            #expect(try await client.get("/v1/device/enrolments", as: DeviceList.self).devices.isEmpty, "admin: none")
            let approved = try await approve(client, "dev-ps2201-extra", as: supervisor)
            #expect(approved.status == .ok, "\(approved.text)")
            let redeemed = try await redeem(client, token)
            #expect(redeemed.status == .created, "\(redeemed.text)")
            let enrolment = try redeemed.decode(Enrolment.self)
            #expect(enrolment.userId == Self.supervisor.id && enrolment.deviceId == "dev-ps2201-extra")
            _ = try await client.signed(with: enrolment.token).pull(after: 0)

            let audit = try await store.auditEntries(matching: AuditFilter())
            let approval = try #require(audit.first { $0.action == .enrolmentApproved })
            #expect(approval.actor == Self.supervisor.id && approval.deviceId == "dev-ps2201-phone")
            #expect(approval.subject == "dev-ps2201-extra")
        }
    }

    @Test("another supervisor may approve; an officer, venue staff or an administrator may not; bad ids are 400")
    func whoMayApprove() async throws {
        try await withLiveServer { store, client, admin, _, colleague in
            _ = try await enrolAsAdmin(client, device: "dev-ps2201-extra", user: Self.supervisor.id)
            let officer = try await store.provisionDevice("dev-pc4127-phone", for: Fixture.officer)
            let staff = try await Accounts.staffToken(store)
            for token in [officer, staff, admin] {
                try expectError(
                    try await approve(client, "dev-ps2201-extra", as: token),
                    status: .forbidden,
                    code: "approval-forbidden"
                )
            }
            try expectError(
                try await approve(client, "dev-none-such", as: colleague),
                status: .notFound,
                code: "unknown-device"
            )
            try expectError(
                try await approve(client, "BAD%20ID", as: colleague),
                status: .badRequest,
                code: "bad-parameter"
            )
            let colleagueSees = try await client.signed(with: colleague).get(
                "/v1/device/enrolments",
                as: DeviceList.self
            )
            #expect(colleagueSees.devices.map(\.id) == ["dev-ps2201-extra"])
            #expect(try await approve(client, "dev-ps2201-extra", as: colleague).status == .ok)
            try expectError(
                try await approve(client, "dev-ps2201-extra", as: colleague),
                status: .conflict,
                code: "approved-already"
            )
        }
    }

    @Test("the supervisor's device hears at its next pull of the device enrolled for them, and whether it waits")
    func pullTellsTheUser() async throws {
        try await withLiveServer { _, client, _, supervisor, colleague in
            #expect(try await client.signed(with: supervisor).pull(after: 0).enrolments.isEmpty)
            _ = try await enrolAsAdmin(client, device: "dev-ps2201-extra", user: Self.supervisor.id)
            let page = try await client.signed(with: supervisor).pull(after: 0)
            #expect(page.enrolments.map(\.deviceId) == ["dev-ps2201-extra"])
            #expect(page.enrolments.first?.status == .pendingApproval)
            #expect(page.enrolments.first?.enrolledBy == Accounts.admin.id)
            // Another user hears nothing of it.
            #expect(try await client.signed(with: colleague).pull(after: 0).enrolments.isEmpty)
            // The raw body carries it under "enrolments", decoded alike by the device's fast decoder.
            let raw = try await client.signed(with: supervisor).execute(uri: "/v1/sync/pull?after=0", method: .get)
            #expect(try WireCoding.decodePullResponse(raw.data).enrolments == page.enrolments)
        }
    }
}
