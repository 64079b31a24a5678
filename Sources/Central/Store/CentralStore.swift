import Foundation
import Models

/// The central store: every operation once, in one total order, and the records merged from them.
///
/// Implementations must give each stored operation a position (`seq`) such that a pull after a cursor
/// never skips an operation that commits later with a smaller position.
public protocol CentralStore: Sendable {
    /// Stores the operations that pass admission, in one transaction, and returns the outcome only once it
    /// is durable. An operation already stored (same `opId`) is accepted again without being stored twice.
    func push(_ operations: [LogOperation], now: Date) async throws -> PushOutcome

    /// The operations after `cursor`, in position order, at most `limit` of them.
    func pull(after cursor: Int64, limit: Int) async throws -> PullPage

    /// Every venue, by id.
    func venues() async throws -> [Venue]

    /// Adds a venue or replaces the one with the same id.
    func saveVenue(_ venue: Venue) async throws

    /// Merged records matching the filter, oldest event first.
    func records(matching filter: RecordFilter) async throws -> [RecordState]

    /// One merged record, or nil.
    func record(id: UUID) async throws -> RecordState?

    /// How many operations are stored.
    func operationCount() async throws -> Int
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
    public var hasMore: Bool

    public init(operations: [StoredOperation], hasMore: Bool) {
        self.operations = operations
        self.hasMore = hasMore
    }

    /// The operations decoded, for readers that need the values rather than the stored JSON.
    public func decodedOperations() throws -> [SequencedOperation] {
        try operations.map {
            SequencedOperation(seq: $0.seq, operation: try WireCoding.decodeOperation($0.encoded))
        }
    }
}

/// An operation as the store holds it: its position, its clock stamp and its JSON, sent to devices as it is.
public struct StoredOperation: Sendable, Hashable {
    public var seq: Int64
    public var hlc: HLCTimestamp
    /// The operation encoded with `WireCoding`.
    public var encoded: Data

    public init(seq: Int64, hlc: HLCTimestamp, encoded: Data) {
        self.seq = seq
        self.hlc = hlc
        self.encoded = encoded
    }
}
