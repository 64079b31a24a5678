import Foundation

/// A merged record as every store indexes it: the one decision of its kind, venue, parent, time and scope,
/// which the device, the SQLite store and the PostgreSQL store only persist.
///
/// A record's **scope** is the record it hangs from and that record's venue: a sighting is its own scope, an
/// intervention takes its sighting's (its own when it follows none), a note its record's. Venue staff see a
/// record while its scope venue is one of theirs, so an amendment of a sighting's venue moves the sighting, its
/// interventions and their notes together.
public struct RecordRow: Sendable, Hashable {
    public var id: UUID
    public var type: RecordType
    /// The record's current venue (a note's: its record's).
    public var venueId: String?
    /// The record it hangs from: a note's record, an intervention's sighting.
    public var parentId: UUID?
    /// When the event happened, in milliseconds since 1970.
    public var occurredAt: Int64
    public var createdOpId: UUID
    public var redacted: Bool
    /// The merged state's JSON, kept only when it is not just the fold of the create operation.
    public var state: String?
    /// The record whose venue decides this one's scope (itself for a sighting).
    public var scopeRecordId: UUID
    /// The venue whose staff may see the record.
    public var scopeVenueId: String?

    public init(
        id: UUID,
        type: RecordType,
        venueId: String?,
        parentId: UUID?,
        occurredAt: Int64,
        createdOpId: UUID,
        redacted: Bool,
        state: String?,
        scopeRecordId: UUID,
        scopeVenueId: String?
    ) {
        self.id = id
        self.type = type
        self.venueId = venueId
        self.parentId = parentId
        self.occurredAt = occurredAt
        self.createdOpId = createdOpId
        self.redacted = redacted
        self.state = state
        self.scopeRecordId = scopeRecordId
        self.scopeVenueId = scopeVenueId
    }

    /// The row for a merged record.
    ///
    /// - Parameters:
    ///   - parent: the stored row of the record it hangs from, if any.
    ///   - previous: the record's row as stored before, if any: a record whose content a redaction removed
    ///     keeps the scope it had.
    public static func make(
        _ state: RecordState,
        parent: RecordRow?,
        previous: RecordRow?,
        encoder: JSONEncoder
    ) throws -> RecordRow {
        // A record whose content is gone has no venue or parent left; its scope stays where it was.
        let contentGone = isRedacted(state.current)
        var venueId = state.current.location?.venueId
        if state.type == .note { venueId = parent?.venueId }
        var scopeRecordId = state.id
        var scopeVenueId = venueId
        if contentGone {
            scopeRecordId = previous?.scopeRecordId ?? state.id
            scopeVenueId = previous?.scopeVenueId
        } else if state.parentId != nil, let parent {
            scopeRecordId = parent.scopeRecordId
            scopeVenueId = parent.scopeVenueId
        }
        return RecordRow(
            id: state.id,
            type: state.type,
            venueId: venueId,
            parentId: state.parentId,
            occurredAt: state.current.occurredAt.millisecondsSince1970,
            createdOpId: state.created.opId,
            redacted: state.redaction != nil,
            state: state.isPlainCreate ? nil : String(decoding: try encoder.encode(state), as: UTF8.self),
            scopeRecordId: scopeRecordId,
            scopeVenueId: scopeVenueId
        )
    }

    /// Whether this row decides the scope of other records, and its scope moved from `previous`'s: the
    /// records that take their scope from it must follow, and venue staff must be told.
    public func scopeMove(from previous: RecordRow?) -> ScopeMove? {
        guard let previous, scopeRecordId == id, previous.scopeVenueId != scopeVenueId else { return nil }
        return ScopeMove(recordId: id, from: previous.scopeVenueId, to: scopeVenueId)
    }

    private static func isRedacted(_ record: PatrolRecord) -> Bool {
        if case .redacted = record { return true }
        return false
    }
}

/// A record (and everything that takes its scope from it) moving from one venue's scope to another's.
public struct ScopeMove: Sendable, Hashable {
    public var recordId: UUID
    public var from: String?
    public var to: String?

    public init(recordId: UUID, from: String?, to: String?) {
        self.recordId = recordId
        self.from = from
        self.to = to
    }

    /// What the move means to a caller: the records leave their scope, enter it, or neither.
    public func effect(for caller: Caller) -> Effect {
        switch (caller.covers(venueId: from), caller.covers(venueId: to)) {
        case (true, false): .leaves
        case (false, true): .enters
        default: .none
        }
    }

    /// What a scope move means to one caller.
    public enum Effect: Sendable, Hashable {
        case leaves, enters, none
    }
}
