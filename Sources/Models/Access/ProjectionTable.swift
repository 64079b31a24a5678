import Foundation

/// The parts of the patrol log that venue staff may or may not receive, each decided by who wrote it.
///
/// This table is the one statement of what venue staff see: `AccessProjection` applies it, the tests read it
/// case by case, and docs/access.md shows it (a test checks that the document matches `markdown`).
public enum ProjectedField: CaseIterable, Sendable, Hashable {
    case sightingEvent
    case sightingReporter
    case sightingObservation
    case sightingNarrative
    case interventionEvent
    case interventionBy
    case interventionActions
    case interventionOutcome
    case interventionNotes
    case note
    case authorisation
    case amendmentReason
    case registers
    case redactionExplanation
    case operationAuthor
    case operationDevice

    /// The record or operation the field belongs to.
    public var part: String {
        switch self {
        case .sightingEvent, .sightingReporter, .sightingObservation, .sightingNarrative: "sighting"
        case .interventionEvent, .interventionBy, .interventionActions, .interventionOutcome, .interventionNotes:
            "intervention"
        case .note: "note"
        case .authorisation: "section 34 authorisation"
        case .amendmentReason: "amendment"
        case .registers: "registers"
        case .redactionExplanation: "redaction"
        case .operationAuthor, .operationDevice: "every operation"
        }
    }

    /// The fields, by their wire names.
    public var fields: String {
        switch self {
        case .sightingEvent: "occurredAt, recordedAt, location (venue, place, position)"
        case .sightingReporter: "reporter"
        case .sightingObservation: "behaviours, otherBehaviour, subject, personAtRisk, riskLevel"
        case .sightingNarrative: "narrative"
        case .interventionEvent: "sightingId, occurredAt, recordedAt, location (venue, place, position)"
        case .interventionBy: "by"
        case .interventionActions: "actions, authorisationId, outsideAuthorisation (the dispersal's basis is cleared)"
        case .interventionOutcome: "outcome"
        case .interventionNotes: "notes"
        case .note: "the whole note (author, text)"
        case .authorisation: "the whole authorisation (locality, times, grounds, who gave it)"
        case .amendmentReason: "reason (the field, the value and the value it replaced follow the field's own rule)"
        case .registers: "review status, intelligence grading, retention review date, links"
        case .redactionExplanation: "explanation (the reason code is shown)"
        case .operationAuthor: "author"
        case .operationDevice: "deviceId"
        }
    }

    /// What venue staff receive of this field when it was written by venue staff, and when by police
    /// (an officer or a supervisor, or an author whose role is not known).
    public var visibility: (byVenueStaff: FieldVisibility, byPolice: FieldVisibility) {
        switch self {
        case .sightingEvent, .sightingObservation, .interventionEvent: (.shown, .shown)
        case .sightingReporter, .interventionBy, .operationAuthor: (.shown, .replaced(AccessProjection.policeUser))
        case .operationDevice: (.shown, .replaced(AccessProjection.policeDevice))
        case .sightingNarrative, .interventionNotes: (.shown, .replaced(""))
        case .interventionActions: (.shown, .replaced(InterventionAction.policeAttended.rawValue))
        case .interventionOutcome: (.shown, .replaced(Outcome.notShared.rawValue))
        case .note: (.shown, .withheld)
        case .amendmentReason, .redactionExplanation: (.shown, .replaced(AccessProjection.withheldText))
        case .registers, .authorisation: (.withheld, .withheld)
        }
    }

    /// The rule for one author.
    public func visibility(writtenByVenueStaff: Bool) -> FieldVisibility {
        writtenByVenueStaff ? visibility.byVenueStaff : visibility.byPolice
    }

    /// The field an amendment corrects, as a row of this table.
    public init(_ field: AmendableField, of type: RecordType) {
        switch (field, type) {
        case (.occurredAt, .intervention), (.venue, .intervention), (.place, .intervention): self = .interventionEvent
        case (.occurredAt, _), (.venue, _), (.place, _): self = .sightingEvent
        case (.narrative, _): self = .sightingNarrative
        case (.behaviours, _), (.otherBehaviour, _), (.riskLevel, _), (.subjectSex, _), (.subjectAgeBand, _),
            (.subjectHeightBand, _), (.subjectBuild, _), (.subjectClothing, _), (.subjectFeatures, _):
            self = .sightingObservation
        case (.actions, _): self = .interventionActions
        case (.outcome, _): self = .interventionOutcome
        case (.notes, _): self = .interventionNotes
        case (.text, _): self = .note
        }
    }

    /// The table as Markdown, as docs/access.md shows it.
    public static var markdown: String {
        var lines = [
            "| part | fields | written by venue staff | written by police |",
            "| --- | --- | --- | --- |",
        ]
        for field in allCases {
            lines.append(
                "| \(field.part) | \(field.fields) | \(field.visibility.byVenueStaff.description) | "
                    + "\(field.visibility.byPolice.description) |"
            )
        }
        return lines.joined(separator: "\n")
    }
}

/// What venue staff receive of one field.
public enum FieldVisibility: Sendable, Hashable, CustomStringConvertible {
    /// The field as recorded.
    case shown
    /// This value instead of the recorded one (in the field's text form).
    case replaced(String)
    /// Nothing: the operation or record carrying it is not sent at all.
    case withheld

    public var description: String {
        switch self {
        case .shown: "shown"
        case .replaced(let value): value.isEmpty ? "emptied" : "shown as `\(value)`"
        case .withheld: "withheld"
        }
    }
}
