import Foundation

/// What a supervisor's device asks for to sign in to the dashboard: why they are looking (kept with every
/// page view of the session).
public struct DashboardSignInRequest: Codable, Sendable, Hashable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }
}

/// A one-time sign-in link for the dashboard: a path on the server that gives the browser opening it a
/// session, once, until `expiresAt`.
public struct DashboardSignInLink: Codable, Sendable, Hashable {
    /// The path with its token, such as `/dashboard/sign-in?token=emp_…`.
    public var path: String
    public var expiresAt: Date

    public init(path: String, expiresAt: Date) {
        self.path = path
        self.expiresAt = expiresAt
    }
}
