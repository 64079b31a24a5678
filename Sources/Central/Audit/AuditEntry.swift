import Foundation
import Models

/// One entry of the audit log (Data Protection Act 2018, part 3, section 62): who did what, when, to which
/// records or in which scope, and why. Entries of an erasure hold metadata only, never the erased content.
public struct AuditEntry: Codable, Sendable, Hashable {
    /// What was done.
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// Collection and alteration: operations stored from a device.
        case push
        /// Disclosure to a device: operations sent in a pull.
        case pull
        /// A supervisor's search of the merged log.
        case search
        /// One record read through the API.
        case show
        /// Records exported (a disclosure, with its recipient).
        case export
        /// Erasure: a record redacted (metadata only).
        case redact
        /// Combination: records linked.
        case link
        case enrol = "device-enrolled"
        case enrolmentRedeemed = "enrolment-redeemed"
        /// A device's enrolment approved by its user (from another device) or a supervisor (`EnrolmentApproval`).
        case enrolmentApproved = "enrolment-approved"
        case revoke = "device-revoked"
        case rotate = "token-rotated"
        /// A lost or stolen device revoked and ordered to erase its data at its next contact.
        case wipeOrdered = "device-wipe-ordered"
        /// The device made contact with its token and was told to erase its data.
        case wipeDelivered = "device-wipe-delivered"
        /// The device confirmed it erased its data (no content: who, which device, when).
        case wiped = "device-wiped"
        case userAdded = "user-added"
        case venueSaved = "venue-saved"
        case auditRead = "audit-read"
    }

    /// The position in the log, from 1; 0 until stored.
    public var seq: Int64
    public var at: Date
    /// The user who acted (`console:NAME` for the server's own console).
    public var actor: String
    public var deviceId: String
    public var role: Role
    public var action: Action
    /// The records concerned, if any.
    public var recordIds: [UUID]
    /// The scope of a pull, search or export, in words (such as "venues venue-a" or "all venues").
    public var scope: String?
    /// How many operations or records moved.
    public var count: Int?
    /// The stated purpose.
    public var reason: String?
    /// Who received an export.
    public var recipient: String?
    /// The user, device or venue an administrative action changed.
    public var subject: String?

    public init(
        at: Date,
        caller: Caller,
        action: Action,
        recordIds: [UUID] = [],
        scope: String? = nil,
        count: Int? = nil,
        reason: String? = nil,
        recipient: String? = nil,
        subject: String? = nil
    ) {
        self.seq = 0
        self.at = at
        self.actor = caller.userId
        self.deviceId = caller.deviceId
        self.role = caller.role
        self.action = action
        self.recordIds = recordIds
        self.scope = scope
        self.count = count
        self.reason = reason
        self.recipient = recipient
        self.subject = subject
    }
}

/// Which audit entries a listing shows.
public struct AuditFilter: Sendable, Hashable {
    public var actor: String?
    public var recordId: UUID?
    public var since: Date?
    public var until: Date?

    public init(actor: String? = nil, recordId: UUID? = nil, since: Date? = nil, until: Date? = nil) {
        self.actor = actor
        self.recordId = recordId
        self.since = since
        self.until = until
    }

    func matches(_ entry: AuditEntry) -> Bool {
        (actor == nil || entry.actor == actor) && (recordId.map(entry.recordIds.contains) ?? true)
            && (since.map { entry.at >= $0 } ?? true) && (until.map { entry.at < $0 } ?? true)
    }
}

/// What `verify` found: every entry checked, and each break in the chain with the entry where it shows.
public struct AuditVerification: Codable, Sendable, Hashable {
    public struct Problem: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable {
            /// The entry's content no longer matches its hash.
            case changed
            /// Entries before this one are missing.
            case removed
            /// The entry is not where the chain put it.
            case reordered
        }
        /// The entry where the break shows.
        public var seq: Int64
        public var kind: Kind
        public var message: String
    }

    public var entriesChecked: Int
    public var problems: [Problem]
    public var isIntact: Bool { problems.isEmpty }
}

/// The tamper-evident audit log kept by the central store.
public protocol AuditTrail: Sendable {
    /// Appends an entry on its own (reads; everything that changes data audits in its own transaction).
    func appendAudit(_ entry: AuditEntry) async throws
    /// Entries matching the filter, oldest first.
    func auditEntries(matching filter: AuditFilter) async throws -> [AuditEntry]
    /// Recomputes the hash chain and reports every changed, removed or reordered entry.
    func verifyAudit() async throws -> AuditVerification
}
