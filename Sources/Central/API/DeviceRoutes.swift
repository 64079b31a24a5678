import Foundation
import Hummingbird
import Models

/// What a device says of itself beyond sync: that it carried out the wipe an administrator ordered.
struct DeviceRoutes: Sendable {
    typealias Context = EmpowerRequestContext

    let store: any CentralStore

    func register(on v1: RouterGroup<Context>) {
        v1.post("device/wiped", use: confirmWipe)
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
