import Foundation
import Models

/// One stored operation a pull examines, as a store reads it, with what the projection needs to know.
struct ExaminedOperation: Sendable {
    var seq: Int64
    var hlc: HLCTimestamp
    var recordId: UUID
    var body: Data
    /// Whether the record's scope (now) is the caller's.
    var inScope: Bool
    /// The role of the operation's author when it was pushed (nil: not known).
    var authorRole: Role?
    /// The kind of the operation's record and its author's role.
    var origin: AccessProjection.RecordOrigin?
    /// When this operation moved its record's scope away from the caller, and the caller may hold any of it
    /// (some of it is at or before the request's cursor, or the record is in the caller's scope now, so that
    /// this pull sent some): the records to withdraw, the moved record and those that take their scope from it.
    var leaving: [UUID] = []
    /// When this operation moved its record's scope to the caller: the records' operations the caller may have
    /// passed over (or withdrawn) before, those up to the request's cursor. Later ones come at their own
    /// positions, as the record is in the caller's scope.
    var entering: [ExaminedOperation] = []

    /// An operation row's record id, as a store reads it: stores write it from a UUID, so text that is not one
    /// is damage, and the pull fails rather than send an operation its audit entry cannot name.
    static func recordId(_ text: String) throws -> UUID {
        guard let id = UUID(text: text) else { throw DamagedOperationRow() }
        return id
    }
}

/// An operation row whose record id is not a UUID.
struct DamagedOperationRow: Error, CustomStringConvertible {
    var description: String { "A stored operation's record id is not a UUID." }
}

/// Builds a pull page from the operations a store examined, in position order: the one decision of what is
/// sent, as `AccessProjection` says, and of what the log says was sent, so both stores send and audit the same.
enum PullAssembly {
    /// Most operations one pull examines when they are outside the caller's scope, or the caller's own that it
    /// omits.
    static let maxExamined = 5_000

    /// The rows of a page that omits the caller's own operations, from rows a store read in position order (at
    /// most `maxExamined + 1`, own ones marked out of scope and without their body): those up to the `limit`-th
    /// one that is not the caller's, and at most `maxExamined`. So a page of 1,000 own operations costs one
    /// bounded scan, and the next page starts after the last position this one covered.
    /// - Returns: the rows to examine, and whether the store has more after them.
    static func omittingOwn(_ read: [ExaminedOperation], limit: Int) -> (examined: [ExaminedOperation], more: Bool) {
        var others = 0
        for (index, row) in read.enumerated() where row.inScope {
            others += 1
            if others > limit { return (Array(read.prefix(min(index, maxExamined))), true) }
        }
        guard read.count > maxExamined else { return (read, false) }
        return (Array(read.prefix(maxExamined)), true)
    }

    /// The page for `caller`: at most `limit` operations and, past the first, at most `maxBytes` of JSON.
    ///
    /// The cursor moves past every operation examined, sent or not. A scope move that takes records away from
    /// the caller ends the page, with those records to withdraw; one that brings records in sends the
    /// operations of them that the caller passed over before, under the move's position.
    /// - Parameter more: whether the store has operations after the last one examined.
    static func page(
        _ examined: [ExaminedOperation],
        more: Bool,
        after cursor: Int64,
        limit: Int,
        maxBytes: Int,
        for caller: Caller
    ) throws -> PullPage {
        var operations: [StoredOperation] = []
        var bytes = 0
        var last = cursor
        for (index, row) in examined.enumerated() {
            let isFull = operations.count >= limit || (!operations.isEmpty && bytes >= maxBytes)
            if isFull {
                return PullPage(operations: operations, cursor: last, hasMore: true)
            }
            if !row.leaving.isEmpty {
                last = row.seq
                let hasMore = more || index + 1 < examined.count
                return PullPage(operations: operations, cursor: last, hasMore: hasMore, withdrawn: row.leaving)
            }
            var sent = try row.entering.compactMap { try project($0, seq: row.seq, for: caller) }
            if row.inScope, let operation = try project(row, seq: row.seq, for: caller) { sent.append(operation) }
            let size = sent.reduce(0) { $0 + $1.encoded.count }
            if !operations.isEmpty && !sent.isEmpty && bytes + size > maxBytes {
                return PullPage(operations: operations, cursor: last, hasMore: true)
            }
            operations += sent
            bytes += size
            last = row.seq
        }
        return PullPage(operations: operations, cursor: last, hasMore: more)
    }

    /// The audit entry of a page, written with it: a disclosure of exactly the operations it holds — how many,
    /// their records (each once, in the order first sent) and the first and last position they were sent
    /// under. Records withdrawn are not disclosed, so not named.
    static func auditEntry(of page: PullPage, by caller: Caller, now: Date) -> AuditEntry {
        var recordIds: [UUID] = []
        var seen = Set<UUID>()
        for operation in page.operations where seen.insert(operation.recordId).inserted {
            recordIds.append(operation.recordId)
        }
        return AuditEntry(
            at: now,
            caller: caller,
            action: .pull,
            recordIds: recordIds,
            scope: OperationIntake.describeScope(of: caller),
            count: page.operations.count,
            positions: page.operations.first.map { first in
                AuditEntry.Positions(first: first.seq, last: page.operations.last?.seq ?? first.seq)
            }
        )
    }

    /// An operation as the caller may receive it, under position `seq`: as stored for the police roles, else
    /// projected (and encoded again only when the projection changed it).
    private static func project(_ row: ExaminedOperation, seq: Int64, for caller: Caller) throws -> StoredOperation? {
        guard caller.role == .venueStaff else {
            return caller.role == .admin
                ? nil : StoredOperation(seq: seq, hlc: row.hlc, recordId: row.recordId, encoded: row.body)
        }
        guard let origin = row.origin else { return nil }
        let operation = try WireCoding.decodeOperation(row.body)
        guard
            let projected = AccessProjection.project(operation, authorRole: row.authorRole, record: origin, for: caller)
        else { return nil }
        let body = projected == operation ? row.body : WireCoding.encodeOperation(projected)
        return StoredOperation(seq: seq, hlc: row.hlc, recordId: row.recordId, encoded: body)
    }
}
