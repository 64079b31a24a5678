import Foundation
import Models

/// How a device talks to the central server. `URLSessionTransport` is the real one.
public protocol SyncTransport: Sendable {
    /// Sends operations; returns only after the server has durably stored the accepted ones.
    func push(_ request: PushRequest) async throws(SyncError) -> PushResponse
    /// Fetches the page of operations after `cursor`.
    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> PullResponse
    /// Fetches the venue reference list.
    func venues() async throws(SyncError) -> [Venue]
}

/// Why a sync could not finish. Nothing queued is lost in any of these cases.
public enum SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server could not be reached (no network, refused, timed out).
    case unreachable(server: String, reason: String)
    /// The server answered with an error.
    case server(status: Int, code: String, message: String)
    /// The server's answer could not be understood.
    case badResponse(String)

    public var description: String {
        switch self {
        case .unreachable(let server, let reason):
            "The server \(server) could not be reached (\(reason)). Nothing was lost: "
                + "everything recorded stays queued on this device until the next sync."
        case .server(let status, let code, let message):
            "The server refused the request (HTTP \(status), \(code)): \(message)"
        case .badResponse(let reason):
            "The server's answer could not be understood: \(reason)."
        }
    }
}
