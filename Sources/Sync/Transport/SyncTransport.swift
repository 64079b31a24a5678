import Foundation
import Models

/// How a device talks to the central server. `HTTPTransport` is the real one.
public protocol SyncTransport: Sendable {
    /// Sends a batch of this device's operations; returns only after the server has durably stored the
    /// accepted ones.
    func push(deviceId: String, batch: OutboxBatch) async throws(SyncError) -> PushResponse
    /// Fetches the page of operations after `cursor`.
    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> PullResponse
    /// Fetches the page of operations after `cursor`, without this device's own when `omittingOwn` (`omitOwn`).
    func pull(after cursor: Int64, limit: Int, omittingOwn: Bool) async throws(SyncError) -> PullResponse
    /// Fetches the venue reference list.
    func venues() async throws(SyncError) -> [Venue]
}

extension SyncTransport {
    /// A transport that cannot ask for less gets the whole page (what a server that does not know `omitOwn` sends).
    public func pull(after cursor: Int64, limit: Int, omittingOwn: Bool) async throws(SyncError) -> PullResponse {
        try await pull(after: cursor, limit: limit)
    }
}

/// Why a sync could not finish. Nothing queued is lost in any of these cases.
public enum SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server could not be reached (no network, refused, timed out).
    case unreachable(server: String, reason: String)
    /// The server answered with an error; `retryAfter` is its `Retry-After`, in seconds, if it gave one.
    case server(status: Int, code: String, message: String, retryAfter: Double? = nil)
    /// The server's answer could not be understood.
    case badResponse(String)

    /// Whether the server refused this device's token (revoked, expired or unknown).
    public var isUnauthorised: Bool {
        if case .server(401, _, _, _) = self { return true }
        return false
    }

    /// Whether the server said an administrator ordered this device wiped (lost or stolen): its data directory
    /// is to be erased (`DeviceDataWipe`). Only the device's own token obtains this answer.
    public var isWipeOrdered: Bool {
        if case .server(401, DeviceWipeProtocol.orderedCode, _, _) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .unreachable(let server, let reason):
            "The server \(server) could not be reached (\(reason)). Nothing was lost: "
                + "everything recorded stays queued on this device until the next sync."
        case .server(let status, let code, let message, _):
            "The server refused the request (HTTP \(status), \(code)): \(message)"
        case .badResponse(let reason):
            "The server's answer could not be understood: \(reason)."
        }
    }

    /// How the sync state machine treats this error.
    public var failure: SyncStateMachine.Failure {
        switch self {
        case .unreachable: .network
        case .server(let status, _, _, let retryAfter) where status == 429 || status >= 500:
            .unavailable(status: status, retryAfter: retryAfter)
        case .server(let status, let code, let message, _) where status == 401 || status == 403:
            .denied(status: status, code: code, message: message)
        case .server(let status, let code, let message, _): .refused(status: status, code: code, message: message)
        case .badResponse: .badResponse
        }
    }
}
