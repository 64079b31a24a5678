import Foundation

/// What was done about a sighting (or on its own): an immutable event, corrected only by amendments.
public struct Intervention: Codable, Sendable, Hashable, Identifiable {
    public var id: UUID
    /// The sighting this intervention follows, if any.
    public var sightingId: UUID?
    public var occurredAt: Date
    public var recordedAt: Date
    /// The user id of the officer or member of venue staff who intervened.
    public var by: String
    public var location: Location
    /// What was done: at least one action.
    public var actions: [InterventionAction]
    public var outcome: Outcome
    public var notes: String
    /// The section 34 authorisation a dispersal direction was given under (`DispersalRule`).
    public var authorisationId: UUID?
    /// True when a dispersal direction was given outside any authorisation known to the recorder: recorded as
    /// such, and flagged for supervision. Absent (nil) otherwise.
    public var outsideAuthorisation: Bool?

    public init(
        id: UUID = .timeOrdered(),
        sightingId: UUID? = nil,
        occurredAt: Date,
        recordedAt: Date,
        by: String,
        location: Location,
        actions: [InterventionAction],
        outcome: Outcome,
        notes: String = "",
        authorisationId: UUID? = nil,
        outsideAuthorisation: Bool? = nil
    ) {
        self.id = id
        self.sightingId = sightingId
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.by = by
        self.location = location
        self.actions = actions
        self.outcome = outcome
        self.notes = notes
        self.authorisationId = authorisationId
        self.outsideAuthorisation = outsideAuthorisation
    }
}
