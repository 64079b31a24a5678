import Foundation
import Models

/// The reads that disclose no record but are logged all the same (section 62 logs consultation): the venue
/// list, the lists of users and devices, and the audit log itself, listed or verified. Each is one entry naming
/// the caller (user and device), what was read and how much; the API and the server's console both read
/// through these, so a read is logged however it is made.
extension CentralStore {
    /// Every venue, the read logged as `venues-read`.
    public func venues(readBy caller: Caller, now: Date) async throws -> [Venue] {
        let venues = try await venues()
        try await appendAudit(AuditEntry(at: now, caller: caller, action: .venuesRead, count: venues.count))
        return venues
    }

    /// Every user, the read logged as `users-read`.
    public func users(readBy caller: Caller, now: Date) async throws -> [UserAccount] {
        let users = try await users()
        try await appendAudit(AuditEntry(at: now, caller: caller, action: .usersRead, count: users.count))
        return users
    }

    /// Every device, the read logged as `devices-read`.
    public func devices(readBy caller: Caller, now: Date) async throws -> [DeviceAccount] {
        let devices = try await devices()
        try await appendAudit(AuditEntry(at: now, caller: caller, action: .devicesRead, count: devices.count))
        return devices
    }

    /// The entries matching the filter, the read logged as `audit-read` with the filter and how many were
    /// listed (the new entry itself is not among them).
    public func auditEntries(
        matching filter: AuditFilter,
        readBy caller: Caller,
        now: Date
    ) async throws
        -> [AuditEntry]
    {
        let entries = try await auditEntries(matching: filter)
        try await appendAudit(
            AuditEntry(at: now, caller: caller, action: .auditRead, scope: filter.description, count: entries.count)
        )
        return entries
    }

    /// The log verified (`AuditVerifier`: against `publicKey` and every anchored head), the check logged as
    /// `audit-verified` with how many entries were checked and what was found (after the check, so the result is
    /// of the log as it was).
    public func verifyAudit(
        publicKey: AuditPublicKey?,
        anchors: [SignedTreeHead] = [],
        by caller: Caller,
        now: Date
    ) async throws -> AuditVerification {
        let verification = try await verifyAudit(publicKey: publicKey, anchors: anchors)
        try await appendAudit(
            AuditEntry(
                at: now,
                caller: caller,
                action: .auditVerified,
                scope: verification.isIntact ? "intact" : "\(verification.problems.count) problem(s)",
                count: verification.entriesChecked
            )
        )
        return verification
    }
}

extension AuditFilter: CustomStringConvertible {
    /// The filter in words, for the audit log ("all entries" when it has none).
    public var description: String {
        var parts: [String] = []
        if let actor { parts.append("actor \(actor)") }
        if let recordId { parts.append("record \(recordId.text)") }
        if let since { parts.append("since \(WireCoding.formatDate(since))") }
        if let until { parts.append("until \(WireCoding.formatDate(until))") }
        return parts.isEmpty ? "all entries" : parts.joined(separator: ", ")
    }
}
