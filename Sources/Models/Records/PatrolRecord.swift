import Foundation

/// Any record of the patrol log: the three kinds of event that are created once and never overwritten,
/// and what remains of one once it is redacted.
public enum PatrolRecord: Sendable, Hashable {
    case sighting(Sighting)
    case intervention(Intervention)
    case note(Note)
    case redacted(RedactedRecord)

    /// The kind of record, as a stable name.
    public var type: RecordType {
        switch self {
        case .sighting: .sighting
        case .intervention: .intervention
        case .note: .note
        case .redacted(let record): record.type
        }
    }

    public var id: UUID {
        switch self {
        case .sighting(let sighting): sighting.id
        case .intervention(let intervention): intervention.id
        case .note(let note): note.id
        case .redacted(let record): record.id
        }
    }

    /// The user who made the record.
    public var author: String {
        switch self {
        case .sighting(let sighting): sighting.reporter
        case .intervention(let intervention): intervention.by
        case .note(let note): note.author
        case .redacted(let record): record.author
        }
    }

    /// When the event happened (a note's is when it was written).
    public var occurredAt: Date {
        switch self {
        case .sighting(let sighting): sighting.occurredAt
        case .intervention(let intervention): intervention.occurredAt
        case .note(let note): note.recordedAt
        case .redacted(let record): record.recordedAt
        }
    }

    public var recordedAt: Date {
        switch self {
        case .sighting(let sighting): sighting.recordedAt
        case .intervention(let intervention): intervention.recordedAt
        case .note(let note): note.recordedAt
        case .redacted(let record): record.recordedAt
        }
    }

    /// Where it happened; notes have no place of their own.
    public var location: Location? {
        switch self {
        case .sighting(let sighting): sighting.location
        case .intervention(let intervention): intervention.location
        case .note, .redacted: nil
        }
    }
}

/// The kinds of patrol record.
public enum RecordType: String, Codable, Sendable, CaseIterable, Hashable {
    case sighting, intervention, note
}
