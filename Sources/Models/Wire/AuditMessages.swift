import Foundation

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
        /// The audit log listed.
        case auditRead = "audit-read"
        /// The audit log verified.
        case auditVerified = "audit-verified"
        /// The venue list read.
        case venuesRead = "venues-read"
        /// The list of users read.
        case usersRead = "users-read"
        /// The list of devices read.
        case devicesRead = "devices-read"
        /// Anonymous StreetSafe reports imported (how many; nothing about anyone).
        case streetSafeImported = "streetsafe-imported"
        /// A one-time link to sign in to the supervisors' dashboard made for a device.
        case dashboardLinkIssued = "dashboard-link-issued"
        /// A dashboard session started (a sign-in link redeemed), with the purpose given.
        case dashboardSignedIn = "dashboard-signed-in"
        /// A dashboard session ended by signing out.
        case dashboardSignedOut = "dashboard-signed-out"
        /// Consultation: a dashboard page viewed, with its filters, the session's purpose and the records listed.
        case dashboardViewed = "dashboard-viewed"
        /// The store restored from a backup (`admin restore`): the entries after the backup was taken are gone, and
        /// the history of operations began a new epoch (`HistoryEpochs`).
        case storeRestored = "store-restored"
        /// A retention policy (review periods) adopted at start; records without a date of their own re-planned.
        case retentionPolicyAdopted = "retention-policy-adopted"
        /// The daily retention review: how many records were due (no content).
        case retentionReviewed = "retention-reviewed"
        /// The retention review queue read.
        case retentionQueueRead = "retention-queue-read"
        /// A decision at a record's retention review (retain until a day, or dispose), with its reason.
        case retentionDecided = "retention-decided"
    }

    /// The first and last position of the operations a pull sent (operations a scope move brings in are sent
    /// under the move's position).
    public struct Positions: Codable, Sendable, Hashable {
        public var first: Int64
        public var last: Int64

        public init(first: Int64, last: Int64) {
            self.first = first
            self.last = last
        }
    }

    /// The entry's number, from 1, given when it is written; 0 until stored. Numbers may have gaps (on
    /// PostgreSQL, a rolled-back write uses one up) and say nothing of order: `leafIndex` does.
    public var seq: Int64
    /// Its place in the Merkle tree, from 0, given by the sealer in commit order; nil until sealed.
    public var leafIndex: Int64?
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
    /// How many operations, records or entries moved or were read.
    public var count: Int?
    /// The stated purpose.
    public var reason: String?
    /// Who received an export.
    public var recipient: String?
    /// The user, device or venue an administrative action changed.
    public var subject: String?
    /// For a pull: the positions of the operations sent (nil when none was).
    public var positions: Positions?

    public init(
        at: Date,
        caller: Caller,
        action: Action,
        recordIds: [UUID] = [],
        scope: String? = nil,
        count: Int? = nil,
        reason: String? = nil,
        recipient: String? = nil,
        subject: String? = nil,
        positions: Positions? = nil
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
        self.positions = positions
    }
}

/// What `verify` found: what was checked, and each problem with the entry or head where it shows.
public struct AuditVerification: Codable, Sendable, Hashable {
    public struct Problem: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable {
            /// A sealed entry's content no longer matches its leaf hash.
            case changed
            /// Sealed entries are missing (from the middle, or the end the last signed head covers).
            case removed
            /// An entry sits where the sealer never put it: a leaf held twice, or beyond the last signed head.
            case inserted
            /// A signed head's root is not the root of the entries it covers: entries were changed, inserted,
            /// reordered or removed after it was signed, with their hashes recomputed.
            case rewritten
            /// A head not signed by the log's key.
            case badSignature = "bad-signature"
            /// The log does not extend a head anchored outside the database.
            case forked
        }
        /// The entry where the problem shows, if it is one entry.
        public var seq: Int64?
        /// The leaf where it shows (or the first leaf of the range), if known.
        public var leafIndex: Int64?
        public var kind: Kind
        public var message: String

        public init(seq: Int64? = nil, leafIndex: Int64? = nil, kind: Kind, message: String) {
            self.seq = seq
            self.leafIndex = leafIndex
            self.kind = kind
            self.message = message
        }
    }

    /// Sealed entries whose content was hashed again.
    public var entriesChecked: Int
    /// Entries written but not sealed yet (the sealer takes them within a second or so).
    public var entriesUnsealed: Int
    /// Signed heads checked against the entries.
    public var headsChecked: Int
    /// Heads from an anchors file proved to be extended by today's tree.
    public var anchorsChecked: Int
    /// Whether signatures were checked (a public key was given).
    public var signaturesChecked: Bool
    /// The newest signed head, as a note.
    public var latestHead: String?
    public var problems: [Problem]
    public var isIntact: Bool { problems.isEmpty }

    public init(
        entriesChecked: Int,
        entriesUnsealed: Int,
        headsChecked: Int,
        anchorsChecked: Int,
        signaturesChecked: Bool,
        latestHead: String?,
        problems: [Problem]
    ) {
        self.entriesChecked = entriesChecked
        self.entriesUnsealed = entriesUnsealed
        self.headsChecked = headsChecked
        self.anchorsChecked = anchorsChecked
        self.signaturesChecked = signaturesChecked
        self.latestHead = latestHead
        self.problems = problems
    }
}

/// `GET /v1/admin/audit/head`.
public struct AuditHeadResponse: Codable, Sendable, Hashable {
    /// The newest signed head as a note, or nil before the first seal.
    public var head: String?
    /// The server's public key (`name+id+key`); verifiers should check it against the published one.
    public var publicKey: String?

    public init(head: String?, publicKey: String?) {
        self.head = head
        self.publicKey = publicKey
    }
}

/// `GET /v1/admin/audit/consistency`.
public struct AuditConsistencyResponse: Codable, Sendable, Hashable {
    public var head: String
    public var proof: [Data]

    public init(head: String, proof: [Data]) {
        self.head = head
        self.proof = proof
    }
}

public struct AuditList: Codable, Sendable, Hashable {
    public var entries: [AuditEntry]

    public init(entries: [AuditEntry]) {
        self.entries = entries
    }
}

/// An entry's inclusion proof: the audit path from its leaf to the root of a signed head.
public struct AuditInclusionProof: Codable, Sendable, Hashable {
    public var seq: Int64
    public var leafIndex: Int64
    /// The entry's canonical JSON, which the leaf hash covers.
    public var entry: String
    public var leafHash: Data
    public var treeSize: Int64
    public var path: [Data]
    /// The signed head whose root the path leads to.
    public var head: String

    public init(
        seq: Int64,
        leafIndex: Int64,
        entry: String,
        leafHash: Data,
        treeSize: Int64,
        path: [Data],
        head: String
    ) {
        self.seq = seq
        self.leafIndex = leafIndex
        self.entry = entry
        self.leafHash = leafHash
        self.treeSize = treeSize
        self.path = path
        self.head = head
    }
}
