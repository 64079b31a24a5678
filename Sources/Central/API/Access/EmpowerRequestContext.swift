import Hummingbird
import Models

/// The request context of every endpoint: Hummingbird's, plus the caller the bearer token belongs to.
public struct EmpowerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` on every endpoint but health and enrolment.
    public var caller: Caller?
    /// The client's IP address (nil when the request came some other way than over a socket, as in tests of the
    /// router alone): what refused credentials are counted by (`FailureLimits`).
    public let clientAddress: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.caller = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller, who must hold one of `roles`.
    /// - Throws: 401 when no valid token came with the request, 403 for another role.
    func requireCaller(_ roles: Set<Role>) throws -> Caller {
        guard let caller else { throw APIError.unauthorized }
        guard roles.contains(caller.role) else {
            throw APIError(
                .forbidden,
                code: "forbidden",
                message: "Your role (\(caller.role.rawValue)) may not use this endpoint."
            )
        }
        return caller
    }
}

extension APIError {
    static let unauthorized = APIError(
        .unauthorized,
        code: "unauthorized",
        message:
            "A valid access token is required (Authorization: Bearer …). It may have been revoked or have expired; ask an administrator.",
        headers: [.wwwAuthenticate: "Bearer"]
    )

    /// The answer to the token of a device an administrator ordered wiped: a code no other token can obtain.
    static let wipeOrdered = APIError(
        .unauthorized,
        code: DeviceWipeProtocol.orderedCode,
        message:
            "This device was reported lost or stolen: it is revoked and ordered to erase its data. Erase the data "
            + "directory, then confirm with POST /v1/device/wiped and this token.",
        headers: [.wwwAuthenticate: "Bearer"]
    )
}
