import Foundation

/// Which records a listing, search or export shows.
public struct RecordFilter: Sendable, Hashable {
    /// Only records at this venue.
    public var venueId: String?
    /// Only records made at one of these venues (a note: its record's), the scope of venue staff; any when
    /// nil. Unlike `venueId`, an amendment of the venue does not change it.
    public var scopeVenueIds: Set<String>?
    /// Only this record.
    public var recordId: UUID?
    /// Only records that happened at or after this time.
    public var since: Date?
    /// Only records that happened before this time.
    public var until: Date?
    /// Only these kinds of record; all when nil.
    public var types: Set<RecordType>?
    /// Only sightings that record this behaviour.
    public var behaviour: Behaviour?
    /// Only interventions that record this action.
    public var action: InterventionAction?

    public init(
        venueId: String? = nil,
        scopeVenueIds: Set<String>? = nil,
        recordId: UUID? = nil,
        since: Date? = nil,
        until: Date? = nil,
        types: Set<RecordType>? = nil,
        behaviour: Behaviour? = nil,
        action: InterventionAction? = nil
    ) {
        self.venueId = venueId
        self.scopeVenueIds = scopeVenueIds
        self.recordId = recordId
        self.since = since
        self.until = until
        self.types = types
        self.behaviour = behaviour
        self.action = action
    }

    /// The parts a store cannot index (what was seen, what was done), checked on the merged record.
    public func matchesContent(of state: RecordState) -> Bool {
        if let behaviour {
            guard case .sighting(let sighting) = state.current, sighting.behaviours.contains(behaviour) else {
                return false
            }
        }
        if let action {
            guard case .intervention(let intervention) = state.current, intervention.actions.contains(action) else {
                return false
            }
        }
        return true
    }
}

extension RecordFilter {
    /// This filter narrowed to the records that happened in one operational night (`OperationalNight`): its
    /// `since` and `until` become the night's bounds, or stay where they are when they are narrower already.
    public func narrowed(to night: OperationalNight) -> RecordFilter {
        var narrowed = self
        narrowed.since = max(since ?? night.start, night.start)
        narrowed.until = min(until ?? night.end, night.end)
        return narrowed
    }
}
