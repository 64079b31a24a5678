import Foundation

/// A field of a record that an amendment may correct, with the text form of its value.
///
/// Lists are comma-separated names (`behaviours`, `actions`); times are ISO-8601; an empty value clears
/// an optional field.
public enum AmendableField: String, Codable, Sendable, CaseIterable, Hashable {
    case occurredAt = "occurred-at"
    case venue = "venue"
    case place = "place"
    case behaviours = "behaviours"
    case otherBehaviour = "other-behaviour"
    case riskLevel = "risk-level"
    case narrative = "narrative"
    case subjectSex = "subject-sex"
    case subjectAgeBand = "subject-age-band"
    case subjectHeightBand = "subject-height-band"
    case subjectBuild = "subject-build"
    case subjectClothing = "subject-clothing"
    case subjectFeatures = "subject-features"
    case actions = "actions"
    case outcome = "outcome"
    case notes = "notes"
    case text = "text"

    /// The kinds of record that have this field.
    public var recordTypes: Set<RecordType> {
        switch self {
        case .occurredAt, .venue, .place: [.sighting, .intervention]
        case .behaviours, .otherBehaviour, .riskLevel, .narrative, .subjectSex, .subjectAgeBand, .subjectHeightBand,
            .subjectBuild, .subjectClothing, .subjectFeatures:
            [.sighting]
        case .actions, .outcome, .notes: [.intervention]
        case .text: [.note]
        }
    }

    /// The longest text form of this field's value and whether it may span lines: the rules for a value an
    /// amendment quotes as the one it replaced.
    public var textRule: (limit: Int, multiline: Bool) {
        switch self {
        case .narrative: (TextLimits.narrative, true)
        case .notes: (TextLimits.notes, true)
        case .text: (TextLimits.noteText, true)
        case .place: (TextLimits.place, false)
        case .otherBehaviour, .subjectClothing, .subjectFeatures: (TextLimits.shortDescription, false)
        case .occurredAt, .venue, .behaviours, .riskLevel, .subjectSex, .subjectAgeBand, .subjectHeightBand,
            .subjectBuild, .actions, .outcome:
            (TextLimits.codedValue, false)
        }
    }

    /// Returns the record with this field set to `value`.
    ///
    /// - Throws: `ValidationError` when the record has no such field or the value does not parse.
    public func apply(_ value: String, to record: PatrolRecord) throws(ValidationError) -> PatrolRecord {
        guard recordTypes.contains(record.type) else {
            throw ValidationError(
                code: "field-not-amendable",
                message: "A \(record.type.rawValue) has no field '\(rawValue)' that can be amended."
            )
        }
        switch record {
        case .sighting(var sighting):
            try apply(value, to: &sighting)
            return .sighting(sighting)
        case .intervention(var intervention):
            try apply(value, to: &intervention)
            return .intervention(intervention)
        case .note(var note):
            note.text = value
            return .note(note)
        case .authorisation:
            // No field of an authorisation is amendable (`recordTypes` refused it above): a wrong one is redacted
            // and recorded again.
            return record
        case .redacted:
            throw .recordRedacted
        }
    }

    private func apply(_ value: String, to sighting: inout Sighting) throws(ValidationError) {
        switch self {
        case .occurredAt: sighting.occurredAt = try parseDate(value)
        case .venue: sighting.location.venueId = value.isEmpty ? nil : value
        case .place: sighting.location.place = value.isEmpty ? nil : value
        case .behaviours: sighting.behaviours = try parseList(value)
        case .otherBehaviour: sighting.otherBehaviour = value.isEmpty ? nil : value
        case .riskLevel: sighting.riskLevel = try parse(value)
        case .narrative: sighting.narrative = value
        case .subjectSex: sighting.subject.sex = try parse(value)
        case .subjectAgeBand: sighting.subject.ageBand = try parse(value)
        case .subjectHeightBand: sighting.subject.heightBand = try parse(value)
        case .subjectBuild: sighting.subject.build = try parse(value)
        case .subjectClothing: sighting.subject.clothing = value.isEmpty ? nil : value
        case .subjectFeatures: sighting.subject.distinguishingFeatures = value.isEmpty ? nil : value
        case .actions, .outcome, .notes, .text: break
        }
    }

    private func apply(_ value: String, to intervention: inout Intervention) throws(ValidationError) {
        switch self {
        case .occurredAt: intervention.occurredAt = try parseDate(value)
        case .venue: intervention.location.venueId = value.isEmpty ? nil : value
        case .place: intervention.location.place = value.isEmpty ? nil : value
        case .actions: intervention.actions = try parseList(value)
        case .outcome: intervention.outcome = try parse(value)
        case .notes: intervention.notes = value
        default: break
        }
    }

    /// The field's value in a record, in the same text form an amendment uses.
    public func value(in record: PatrolRecord) -> String {
        switch record {
        case .sighting(let sighting):
            switch self {
            case .occurredAt: WireCoding.formatDate(sighting.occurredAt)
            case .venue: sighting.location.venueId ?? ""
            case .place: sighting.location.place ?? ""
            case .behaviours: sighting.behaviours.map(\.rawValue).joined(separator: ",")
            case .otherBehaviour: sighting.otherBehaviour ?? ""
            case .riskLevel: sighting.riskLevel.rawValue
            case .narrative: sighting.narrative
            case .subjectSex: sighting.subject.sex.rawValue
            case .subjectAgeBand: sighting.subject.ageBand.rawValue
            case .subjectHeightBand: sighting.subject.heightBand.rawValue
            case .subjectBuild: sighting.subject.build.rawValue
            case .subjectClothing: sighting.subject.clothing ?? ""
            case .subjectFeatures: sighting.subject.distinguishingFeatures ?? ""
            case .actions, .outcome, .notes, .text: ""
            }
        case .intervention(let intervention):
            switch self {
            case .occurredAt: WireCoding.formatDate(intervention.occurredAt)
            case .venue: intervention.location.venueId ?? ""
            case .place: intervention.location.place ?? ""
            case .actions: intervention.actions.map(\.rawValue).joined(separator: ",")
            case .outcome: intervention.outcome.rawValue
            case .notes: intervention.notes
            default: ""
            }
        case .note(let note):
            self == .text ? note.text : ""
        case .authorisation, .redacted:
            ""
        }
    }

    private func parseDate(_ value: String) throws(ValidationError) -> Date {
        guard let date = WireCoding.parseDate(value) else {
            throw ValidationError(
                code: "bad-value",
                message: "The value for '\(rawValue)' must be an ISO-8601 time such as 2026-11-21T23:40:00Z."
            )
        }
        return date.truncatedToMilliseconds
    }

    private func parse<Value: RawRepresentable & CaseIterable>(_ value: String) throws(ValidationError) -> Value
    where Value.RawValue == String {
        guard let parsed = Value(rawValue: value) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError(
                code: "bad-value",
                message: "The value for '\(rawValue)' must be one of: \(allowed)."
            )
        }
        return parsed
    }

    private func parseList<Value: RawRepresentable & CaseIterable>(_ value: String) throws(ValidationError) -> [Value]
    where Value.RawValue == String {
        var parsed: [Value] = []
        for name in value.split(separator: ",") {
            parsed.append(try parse(name.trimmingCharacters(in: .whitespaces)))
        }
        return parsed
    }
}
