import Foundation

/// What a field of a record rests on: an observed fact, the recorder's assessment, free text in the recorder's
/// own words, or the keeping of the record itself (Data Protection Act 2018, section 38: facts and personal
/// assessments are told apart).
public enum FieldBasis: String, Codable, Sendable, CaseIterable, Hashable {
    /// Observed: what was seen or done, when and where (behaviour indicators, the subject's description, actions).
    case fact = "fact"
    /// The recorder's judgement: the risk level, a perceived ethnicity, an intelligence grading, a link between
    /// records as the same subject, an inspector's grounds for a section 34 authorisation.
    case assessment = "assessment"
    /// Free text in the recorder's own words, which may hold facts and judgements alike: read with care.
    case account = "account"
    /// About the record, not the event: ids, who recorded it and when, review and retention.
    case recordKeeping = "record-keeping"
}

/// The one classification of every field of the records as fact, assessment, account or record keeping: exports
/// (CSV and JSON), `show` and the documentation all read it.
public enum FieldClassification {
    /// Every field, by its path in the record's JSON (`sighting.riskLevel`, `sighting.subject.sex`), in a fixed
    /// order; `registers.*` are a record's registers.
    public static let fields: [(path: String, basis: FieldBasis)] = [
        ("sighting.id", .recordKeeping),
        ("sighting.occurredAt", .fact),
        ("sighting.recordedAt", .recordKeeping),
        ("sighting.reporter", .recordKeeping),
        ("sighting.location", .fact),
        ("sighting.behaviours", .fact),
        ("sighting.otherBehaviour", .fact),
        ("sighting.subject.sex", .fact),
        ("sighting.subject.ageBand", .fact),
        ("sighting.subject.heightBand", .fact),
        ("sighting.subject.build", .fact),
        ("sighting.subject.clothing", .fact),
        ("sighting.subject.distinguishingFeatures", .fact),
        ("sighting.subject.perceivedEthnicity", .assessment),
        ("sighting.personAtRisk.ageBand", .fact),
        ("sighting.personAtRisk.appearedIntoxicated", .fact),
        ("sighting.personAtRisk.wasAlone", .fact),
        ("sighting.riskLevel", .assessment),
        ("sighting.narrative", .account),
        ("intervention.id", .recordKeeping),
        ("intervention.sightingId", .recordKeeping),
        ("intervention.occurredAt", .fact),
        ("intervention.recordedAt", .recordKeeping),
        ("intervention.by", .recordKeeping),
        ("intervention.location", .fact),
        ("intervention.actions", .fact),
        ("intervention.outcome", .fact),
        ("intervention.notes", .account),
        ("intervention.authorisationId", .recordKeeping),
        ("intervention.outsideAuthorisation", .fact),
        ("note.id", .recordKeeping),
        ("note.recordId", .recordKeeping),
        ("note.author", .recordKeeping),
        ("note.recordedAt", .recordKeeping),
        ("note.text", .account),
        ("authorisation.id", .recordKeeping),
        ("authorisation.recordedAt", .recordKeeping),
        ("authorisation.authorisedBy", .recordKeeping),
        ("authorisation.startsAt", .fact),
        ("authorisation.endsAt", .fact),
        ("authorisation.locality", .fact),
        ("authorisation.grounds", .assessment),
        ("registers.review", .recordKeeping),
        ("registers.grading", .assessment),
        ("registers.retentionReviewOn", .recordKeeping),
        ("registers.links", .assessment),
    ]

    /// The fields as a map from path to basis, as JSON exports carry it.
    public static let byPath: [String: FieldBasis] = Dictionary(
        uniqueKeysWithValues: fields.map { ($0.path, $0.basis) }
    )

    /// The basis of one field, by its path; nil for a path that is not a field.
    public static func basis(of path: String) -> FieldBasis? { byPath[path] }
}
