import Foundation

/// Any record of the patrol log: the three kinds of event and the section 34 authorisations, each created once
/// and never overwritten, and what remains of one once it is redacted.
public enum PatrolRecord: Sendable, Hashable {
    case sighting(Sighting)
    case intervention(Intervention)
    case note(Note)
    case authorisation(DispersalAuthorisation)
    case redacted(RedactedRecord)

    /// The kind of record, as a stable name.
    public var type: RecordType {
        switch self {
        case .sighting: .sighting
        case .intervention: .intervention
        case .note: .note
        case .authorisation: .authorisation
        case .redacted(let record): record.type
        }
    }

    public var id: UUID {
        switch self {
        case .sighting(let sighting): sighting.id
        case .intervention(let intervention): intervention.id
        case .note(let note): note.id
        case .authorisation(let authorisation): authorisation.id
        case .redacted(let record): record.id
        }
    }

    /// The user who made the record.
    public var author: String {
        switch self {
        case .sighting(let sighting): sighting.reporter
        case .intervention(let intervention): intervention.by
        case .note(let note): note.author
        case .authorisation(let authorisation): authorisation.authorisedBy
        case .redacted(let record): record.author
        }
    }

    /// When the event happened (a note's is when it was written, an authorisation's when it starts).
    public var occurredAt: Date {
        switch self {
        case .sighting(let sighting): sighting.occurredAt
        case .intervention(let intervention): intervention.occurredAt
        case .note(let note): note.recordedAt
        case .authorisation(let authorisation): authorisation.startsAt
        case .redacted(let record): record.recordedAt
        }
    }

    public var recordedAt: Date {
        switch self {
        case .sighting(let sighting): sighting.recordedAt
        case .intervention(let intervention): intervention.recordedAt
        case .note(let note): note.recordedAt
        case .authorisation(let authorisation): authorisation.recordedAt
        case .redacted(let record): record.recordedAt
        }
    }

    /// Where it happened; notes have no place of their own, and an authorisation a locality rather than a place
    /// (so it belongs to no venue's scope: venue staff never receive it).
    public var location: Location? {
        switch self {
        case .sighting(let sighting): sighting.location
        case .intervention(let intervention): intervention.location
        case .note, .authorisation, .redacted: nil
        }
    }
}

/// The kinds of patrol record.
public enum RecordType: String, Codable, Sendable, CaseIterable, Hashable {
    case sighting, intervention, note
    /// A section 34 dispersal authorisation (`DispersalAuthorisation`).
    case authorisation
}
