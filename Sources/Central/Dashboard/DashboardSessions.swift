import Foundation
import Models

/// Signing in to the supervisors' dashboard: a one-time link made for a supervisor's device, good for a minute,
/// exchanged for a browser session that ends after a while unused or when signed out.
///
/// Both live in the store (`DashboardSchema`), as hashes only, so any server instance on the same PostgreSQL
/// honours them. Redeeming is one conditional update, so a link used twice, even at once on two instances,
/// opens one session.
public struct DashboardSessions: Sendable {
    let store: any CentralStore
    /// How long a sign-in link is good for.
    public var linkLifetime: TimeInterval
    /// How long a session lasts without a page view.
    public var idleTimeout: TimeInterval

    /// The roles that may use the dashboard (the analyst's work is the supervisor's role here).
    public static let roles: Set<Role> = [.supervisor]

    public init(store: any CentralStore, linkLifetime: TimeInterval = 60, idleTimeout: TimeInterval = 30 * 60) {
        self.store = store
        self.linkLifetime = linkLifetime
        self.idleTimeout = idleTimeout
    }

    /// A session: who is signed in, from which device, and why they said they are looking.
    public struct Session: Sendable, Hashable {
        public var caller: Caller
        public var reason: String

        public init(caller: Caller, reason: String) {
            self.caller = caller
            self.reason = reason
        }
    }

    /// Makes a one-time sign-in token for `caller` and the purpose they gave (kept with every page view).
    public func issueSignIn(for caller: Caller, reason: String, now: Date) async throws -> String {
        let token = AccessToken.generate()
        _ = try await store.dashboardWrite(
            DashboardSQL(
                """
                INSERT INTO dashboard_sign_in (token_hash, user_id, device_id, role, reason, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(AccessToken.hash(token)), .text(caller.userId), .text(caller.deviceId),
                    .text(caller.role.rawValue), .text(reason),
                    .integer((now + linkLifetime).millisecondsSince1970),
                ]
            )
        )
        try await store.appendAudit(
            AuditEntry(at: now, caller: caller, action: .dashboardLinkIssued, reason: reason)
        )
        return token
    }

    /// Exchanges a sign-in token for a session token: nil when the token is unknown, used or expired, or its
    /// device was revoked since.
    public func redeem(_ token: String, now: Date) async throws -> (token: String, session: Session)? {
        guard AccessToken.isWellFormed(token) else { return nil }
        let rows = try await store.dashboardWrite(
            DashboardSQL(
                """
                UPDATE dashboard_sign_in SET used_at = ?
                WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
                RETURNING user_id, device_id, role, reason
                """,
                [.integer(now.millisecondsSince1970), .text(AccessToken.hash(token)), .integer(now.millisecondsSince1970)]
            )
        )
        guard let row = rows.first, let session = try await Self.session(row, store: store) else { return nil }
        let sessionToken = AccessToken.generate()
        _ = try await store.dashboardWrite(
            DashboardSQL(
                """
                INSERT INTO dashboard_session (token_hash, user_id, device_id, role, reason, started_at, last_seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(AccessToken.hash(sessionToken)), .text(session.caller.userId),
                    .text(session.caller.deviceId), .text(session.caller.role.rawValue), .text(session.reason),
                    .integer(now.millisecondsSince1970), .integer(now.millisecondsSince1970),
                ]
            )
        )
        try await store.appendAudit(
            AuditEntry(at: now, caller: session.caller, action: .dashboardSignedIn, reason: session.reason)
        )
        return (sessionToken, session)
    }

    /// The session a session token belongs to, its idle time restarted; nil when unknown, ended, idle too
    /// long, or its device was revoked.
    public func session(forToken token: String, now: Date) async throws -> Session? {
        guard AccessToken.isWellFormed(token) else { return nil }
        let rows = try await store.dashboardWrite(
            DashboardSQL(
                """
                UPDATE dashboard_session SET last_seen_at = ?
                WHERE token_hash = ? AND ended_at IS NULL AND last_seen_at > ?
                RETURNING user_id, device_id, role, reason
                """,
                [
                    .integer(now.millisecondsSince1970), .text(AccessToken.hash(token)),
                    .integer((now - idleTimeout).millisecondsSince1970),
                ]
            )
        )
        guard let row = rows.first else { return nil }
        return try await Self.session(row, store: store)
    }

    /// Ends a session (signing out); nothing happens for a token that has none.
    public func end(token: String, now: Date) async throws {
        guard AccessToken.isWellFormed(token) else { return }
        let rows = try await store.dashboardWrite(
            DashboardSQL(
                """
                UPDATE dashboard_session SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL
                RETURNING user_id, device_id, role, reason
                """,
                [.integer(now.millisecondsSince1970), .text(AccessToken.hash(token))]
            )
        )
        if let row = rows.first, let session = try await Self.session(row, store: store) {
            try await store.appendAudit(AuditEntry(at: now, caller: session.caller, action: .dashboardSignedOut))
        }
    }

    /// The session of a stored row, if its device is still enrolled and its role may use the dashboard.
    private static func session(_ row: DashboardRow, store: any CentralStore) async throws -> Session? {
        guard row.count == 4, let userId = row[0].text, let deviceId = row[1].text,
            let role = row[2].text.flatMap(Role.init(rawValue:)), roles.contains(role), let reason = row[3].text
        else { return nil }
        let device = try await store.devices(ofUser: userId).first { $0.id == deviceId }
        guard let device, device.revokedAt == nil else { return nil }
        return Session(caller: Caller(userId: userId, deviceId: deviceId, role: role), reason: reason)
    }
}
