import Foundation
import Models

/// The central store: every operation once, in one total order, and the records merged from them.
///
/// Implementations must give each stored operation a position (`seq`) such that a pull after a cursor
/// never skips an operation that commits later with a smaller position.
public protocol CentralStore: AccountDirectory, AuditTrail, StreetSafeStore, DashboardStore, HistoryEpochs,
    RetentionLedger
{
    /// Stores the operations that pass admission and the caller's permissions, in one transaction with their
    /// audit entries, and returns the outcome only once it is durable. An operation already stored (same
    /// `opId`) is accepted again without being stored twice.
    func push(_ operations: [LogOperation], by caller: Caller, now: Date) async throws -> PushOutcome

    /// The operations after `cursor` that the caller may see, as `AccessProjection` projects them, in position
    /// order: at most `limit` of them and, past the first, at most `maxBytes` of JSON (`PullAssembly`). The page
    /// is audited, in the same transaction, as a disclosure of exactly what it holds
    /// (`PullAssembly.auditEntry`): how many operations, their records and their first and last positions.
    ///
    /// Venue staff see the records whose scope venue (`RecordRow`) is theirs; when an amendment moves a record
    /// out of their scope the page ends with it to withdraw, and when one moves a record in, every operation of
    /// it comes. The police roles see everything; administrators nothing.
    ///
    /// With `omittingOwn`, a police role's page passes over the operations of the caller's own device (same
    /// `deviceId`) without sending them: the cursor still moves past them, and a page examines at most
    /// `PullAssembly.maxExamined` positions (`PullAssembly.omittingOwn`). Venue staff's pages ignore it (their
    /// own operations leave their device with a withdrawn record and must come back with it).
    func pull(
        after cursor: Int64,
        limit: Int,
        maxBytes: Int,
        omittingOwn: Bool,
        for caller: Caller,
        now: Date
    ) async throws -> PullPage

    /// Every venue, by id.
    func venues() async throws -> [Venue]

    /// The id of every venue, without reading the venues themselves: what a push checks its operations against.
    func venueIds() async throws -> Set<String>

    /// Adds a venue or replaces the one with the same id, audited.
    func saveVenue(_ venue: Venue, by caller: Caller, now: Date) async throws

    /// Merged records matching the filter, oldest event first, whole (the police roles' view).
    func records(matching filter: RecordFilter) async throws -> [RecordState]

    /// Every stored operation of these records, each with the role its author pushed it with (nil: not known).
    func operations(ofRecords recordIds: [UUID]) async throws -> [UUID: [AuthoredOperation]]

    /// One merged record, or nil.
    func record(id: UUID) async throws -> RecordState?

    /// How many operations are stored.
    func operationCount() async throws -> Int
}

extension CentralStore {
    /// A pull page of at most `ProtocolLimits.maxPullPageBytes` of JSON.
    public func pull(
        after cursor: Int64,
        limit: Int,
        omittingOwn: Bool = false,
        for caller: Caller,
        now: Date
    ) async throws -> PullPage {
        try await pull(
            after: cursor,
            limit: limit,
            maxBytes: ProtocolLimits.maxPullPageBytes,
            omittingOwn: omittingOwn,
            for: caller,
            now: now
        )
    }

    /// A pull page that sends the caller's own operations too.
    public func pull(
        after cursor: Int64,
        limit: Int,
        maxBytes: Int,
        for caller: Caller,
        now: Date
    ) async throws
        -> PullPage
    {
        try await pull(after: cursor, limit: limit, maxBytes: maxBytes, omittingOwn: false, for: caller, now: now)
    }

    /// Merged records matching the filter as `caller` may see them (`AccessProjection`), oldest event first:
    /// whole for the police roles; for venue staff, those in their scope, projected, and matched on what they
    /// may see of them.
    public func records(matching filter: RecordFilter, for caller: Caller) async throws -> [RecordState] {
        switch caller.role {
        case .admin:
            return []
        case .officer, .supervisor:
            return try await records(matching: filter)
        case .venueStaff:
            var scoped = filter
            scoped.scopeVenueIds = caller.venueIds
            scoped.behaviour = nil
            scoped.action = nil
            let records = try await records(matching: scoped)
            let operations = try await self.operations(ofRecords: records.map(\.id))
            return records.compactMap { record in
                let authored = operations[record.id] ?? []
                let roles = Dictionary(
                    authored.map { ($0.operation.author, $0.authorRole) },
                    uniquingKeysWith: { a, _ in a }
                )
                return AccessProjection.project(
                    record: authored.map(\.operation),
                    roles: { roles[$0] ?? nil },
                    for: caller
                )
            }
            .filter(filter.matchesContent)
        }
    }
}

/// A stored operation with the role its author pushed it with.
public struct AuthoredOperation: Sendable, Hashable {
    public var operation: LogOperation
    /// nil when not known (operations stored before roles were kept, by a user no longer known).
    public var authorRole: Role?

    public init(operation: LogOperation, authorRole: Role?) {
        self.operation = operation
        self.authorRole = authorRole
    }
}

/// A push whose redaction is stored, but whose redacted content could not yet be cleared from the store's
/// write-ahead log (readers on older snapshots kept the checkpoint from completing): the push should be sent
/// again, and its repetition clears it.
public struct RedactionNotSettled: Error, Sendable, Hashable {
    public init() {}
}

/// What a push did with each operation.
public struct PushOutcome: Sendable, Hashable {
    public var accepted: [UUID]
    public var rejected: [RejectedOperation]
    /// The latest clock stamp among the stored operations of the push.
    public var latestClock: HLCTimestamp

    public init(accepted: [UUID] = [], rejected: [RejectedOperation] = [], latestClock: HLCTimestamp = .zero) {
        self.accepted = accepted
        self.rejected = rejected
        self.latestClock = latestClock
    }
}

/// One page of a pull: operations as stored, in position order.
public struct PullPage: Sendable, Hashable {
    public var operations: [StoredOperation]
    /// The position the next pull starts after: the last operation examined, which is past the last one sent
    /// when operations outside the caller's scope were passed over.
    public var cursor: Int64
    public var hasMore: Bool
    /// Records that left the caller's scope after the operations of the page (see `CentralStore.pull`).
    public var withdrawn: [UUID]

    public init(operations: [StoredOperation], cursor: Int64, hasMore: Bool, withdrawn: [UUID] = []) {
        self.operations = operations
        self.cursor = cursor
        self.hasMore = hasMore
        self.withdrawn = withdrawn
    }

    /// The operations decoded, for readers that need the values rather than the stored JSON.
    public func decodedOperations() throws -> [SequencedOperation] {
        try operations.map {
            SequencedOperation(seq: $0.seq, operation: try WireCoding.decodeOperation($0.encoded))
        }
    }
}

/// An operation as the store holds it: its position, its clock stamp, its record and its JSON, sent to devices
/// as it is.
public struct StoredOperation: Sendable, Hashable {
    public var seq: Int64
    public var hlc: HLCTimestamp
    /// The record the operation is about (what a pull's audit entry names as disclosed).
    public var recordId: UUID
    /// The operation encoded with `WireCoding`.
    public var encoded: Data

    public init(seq: Int64, hlc: HLCTimestamp, recordId: UUID, encoded: Data) {
        self.seq = seq
        self.hlc = hlc
        self.recordId = recordId
        self.encoded = encoded
    }
}
