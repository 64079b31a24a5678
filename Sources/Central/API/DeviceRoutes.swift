import Foundation
import Hummingbird
import Models

/// What a device says of itself beyond sync: that it carried out the wipe an administrator ordered; and the
/// approval of a new device's enrolment by its user or a supervisor (`EnrolmentApproval`).
struct DeviceRoutes: Sendable {
    typealias Context = EmpowerRequestContext

    let store: any CentralStore

    func register(on v1: RouterGroup<Context>) {
        v1.post("device/wiped", use: QueryParameters.only([], confirmWipe))
        v1.get("device/enrolments", use: QueryParameters.only([], pendingEnrolments))
        v1.post("device/enrolments/:id/approve", use: QueryParameters.only([], approveEnrolment))
    }

    /// `GET /v1/device/enrolments`: the enrolments waiting for approval that the caller may approve: their own
    /// user's, and for a supervisor every user's. Administrators approve nothing, so they see none. The read is
    /// logged as `devices-read`.
    @Sendable func pendingEnrolments(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(Set(Role.allCases))
        let devices: [DeviceAccount] =
            switch caller.role {
            case .admin: []
            case .supervisor: try await store.devices()
            case .officer, .venueStaff: try await store.devices(ofUser: caller.userId)
            }
        let waiting = devices.filter(\.isPendingApproval)
        // A read of the device list like any other (`AuditedReads`), of the part the caller may approve.
        try await store.appendAudit(
            AuditEntry(
                at: Date(),
                caller: caller,
                action: .devicesRead,
                scope: "waiting for approval",
                count: waiting.count
            )
        )
        return try JSONResponse.make(DeviceList(devices: waiting))
    }

    /// `POST /v1/device/enrolments/{id}/approve`: approves a waiting enrolment, audited with the approver's user
    /// and device; 403 for an administrator, or anyone but the user (from another live device) and supervisors.
    @Sendable func approveEnrolment(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(Set(Role.allCases))
        guard let id = context.parameters.get("id"), (try? Identifiers.validateDevice(id)) != nil else {
            throw APIError.badRequest("bad-parameter", "The device id is not a valid device id.")
        }
        let device = try await store.approveEnrolment(deviceId: id, by: caller, now: Date())
        return try JSONResponse.make(device)
    }

    /// `POST /v1/device/wiped` with the wiped device's own access token (revoked by the wipe order, so it is
    /// checked here rather than by `AuthenticationMiddleware`): audited, and the token is retired for good.
    @Sendable func confirmWipe(request: Request, context: Context) async throws -> Response {
        guard let token = AuthenticationMiddleware.bearerToken(in: request) else { throw APIError.unauthorized }
        let now = Date()
        if let device = try await store.confirmWipe(token: token, now: now) {
            return try JSONResponse.make(WipeConfirmation(deviceId: device.deviceId, confirmedAt: now))
        }
        // A device in use may hear that nothing was ordered for it; any other token hears what it always does.
        if try await store.caller(forToken: token, now: now) != nil {
            throw APIError(
                .conflict,
                code: "no-wipe-ordered",
                message: "No wipe was ordered for this device; nothing was recorded."
            )
        }
        throw APIError.unauthorized
    }
}
