import Foundation
import Models

/// Why an account change was refused.
public struct AccountError: Error, Sendable, Hashable {
    public var code: String
    public var message: String
    /// Whether the thing named does not exist (404) rather than conflicting (409), invalid (400) or not the
    /// caller's to do (403).
    public var kind: Kind

    public enum Kind: Sendable, Hashable { case invalid, notFound, conflict, forbidden }

    public init(_ kind: Kind, code: String, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }
}

/// Users, devices and their tokens, kept by the central store.
///
/// Every change is audited in the same transaction as the change itself.
public protocol AccountDirectory: Sendable {
    /// Adds a user.
    func addUser(_ user: UserAccount, by caller: Caller, now: Date) async throws
    /// Every user, by id.
    func users() async throws -> [UserAccount]
    /// Every device, by id.
    func devices() async throws -> [DeviceAccount]
    /// The devices of one user, by id.
    func devices(ofUser userId: String) async throws -> [DeviceAccount]
    /// Enrols a device for a user and returns its one-time enrolment token (valid for `enrolmentLifetime`). A
    /// device for a user who has had one before waits for approval (`EnrolmentApproval`).
    func enrolDevice(id: String, userId: String, by caller: Caller, now: Date) async throws -> String
    /// Exchanges an unused, unexpired enrolment token for the device's access token.
    /// - Returns: nil when the token is not a valid enrolment token.
    /// - Throws: `AccountError` (conflict, `EnrolmentApprovalProtocol.pendingCode`) while the device waits for
    ///   approval; the token stays unused.
    func redeemEnrolment(token: String, now: Date) async throws -> Enrolment?
    /// Approves a waiting enrolment (`EnrolmentApproval.checkCanApprove`), audited with the approver's user and
    /// device, and returns the device as it is now.
    func approveEnrolment(deviceId: String, by caller: Caller, now: Date) async throws -> DeviceAccount
    /// Revokes a device: its tokens stop working at once.
    func revokeDevice(id: String, by caller: Caller, now: Date) async throws
    /// Replaces a device's access token with a new one (the old one stops working) and returns it.
    func rotateToken(deviceId: String, by caller: Caller, now: Date) async throws -> String
    /// Who a valid access token belongs to; nil for an unknown, revoked or expired token.
    func caller(forToken token: String, now: Date) async throws -> Caller?

    /// Revokes a lost or stolen device (as `revokeDevice`) and orders it to erase its data at its next contact,
    /// which only the last access token it was issued can receive. Audited as ordered.
    /// - Throws: `AccountError`: unknown device (not found); a wipe ordered or confirmed already, or a device
    ///   that never redeemed its enrolment (conflict). Nothing changes then.
    func orderWipe(deviceId: String, by caller: Caller, now: Date) async throws -> DeviceWipe
    /// The device told to erase its data by this token: the one its wipe was ordered for, until the wipe is
    /// confirmed. The first such contact marks the wipe delivered, audited in the same transaction.
    /// - Returns: nil for every other token (live, revoked, unknown or retired), which learns nothing of wipes.
    func deliverWipe(token: String, now: Date) async throws -> Caller?
    /// Records, audited, that the device holding this token erased its data, and retires the token for good.
    /// - Returns: nil when the token has no wipe waiting for confirmation (nothing is changed).
    func confirmWipe(token: String, now: Date) async throws -> Caller?
}

/// How long an enrolment token may wait to be used.
public let enrolmentLifetime: TimeInterval = 72 * 60 * 60

extension Caller {
    /// The server's own console (`empower-cli admin --data`), for bootstrap and local administration. Its device
    /// is the machine the console ran on (`console@HOST`), so that the audit log names a device for every entry.
    /// The user and host names (from the environment) reach the audit log, so anything unprintable in them is
    /// written as an escape.
    public static func console(
        user: String = ProcessInfo.processInfo.environment["USER"] ?? "unknown",
        host: String = ProcessInfo.processInfo.hostName
    ) -> Caller {
        Caller(
            userId: "console:\(TextRules.escaped(user))",
            deviceId: "console@\(host.isEmpty ? "unknown" : TextRules.escaped(host))",
            role: .admin
        )
    }
}

extension AccountDirectory {
    /// Adds the user if new, enrols the device and redeems its enrolment at once: the device's access token.
    /// What an administrator and a device do in two steps, in one, for the demo, benchmarks and tests. A device
    /// that waits for approval is approved as its user, from the user's first device in use: the step the user
    /// takes on that device, taken here too (only code holding the store itself can do this).
    public func provisionDevice(
        _ deviceId: String,
        for user: UserAccount,
        by caller: Caller = .console(),
        now: Date = Date()
    ) async throws -> String {
        if try await !users().contains(where: { $0.id == user.id }) {
            try await addUser(user, by: caller, now: now)
        }
        let enrolmentToken = try await enrolDevice(id: deviceId, userId: user.id, by: caller, now: now)
        let userDevices = try await devices(ofUser: user.id)
        if userDevices.first(where: { $0.id == deviceId })?.isPendingApproval == true,
            let approver = userDevices.first(where: {
                $0.id != deviceId && $0.revokedAt == nil && !$0.isPendingApproval
            })
        {
            let role = try await users().first(where: { $0.id == user.id })?.role ?? user.role
            _ = try await approveEnrolment(
                deviceId: deviceId,
                by: Caller(userId: user.id, deviceId: approver.id, role: role),
                now: now
            )
        }
        guard let enrolment = try await redeemEnrolment(token: enrolmentToken, now: now) else {
            throw AccountError(.invalid, code: "enrolment-failed", message: "The new enrolment could not be redeemed.")
        }
        return enrolment.token
    }
}
