import Foundation

/// How far ahead of a reference time a timestamp may be before it is refused.
public let allowedClockSkew: TimeInterval = 5 * 60

/// The longest gap accepted between an event and its late entry.
public let latestLateEntry: TimeInterval = 366 * 24 * 60 * 60

extension Sighting {
    /// Checks every rule of a sighting; throws the first one broken.
    ///
    /// - Parameters:
    ///   - now: the time of the checker's clock; `recordedAt` may not be later than a few minutes after it.
    ///   - pairingOther: whether 'other' and its description must come together. Amendments change one
    ///     field at a time, so a record being corrected may hold one without the other for a while.
    public func validate(now: Date, pairingOther: Bool = true) throws(ValidationError) {
        try Identifiers.validateUser(reporter)
        try RecordTimes.validate(occurredAt: occurredAt, recordedAt: recordedAt, now: now)
        try location.validate()
        guard !behaviours.isEmpty else { throw .noBehaviour }
        guard Set(behaviours).count == behaviours.count else { throw .repeatedBehaviour }
        if pairingOther { try checkOtherBehaviourPairing() }
        try TextRules.check(
            otherBehaviour,
            field: "description of the other behaviour",
            limit: TextLimits.shortDescription
        )
        try subject.validate()
        try TextRules.check(narrative, field: "narrative", limit: TextLimits.narrative, multiline: true)
    }
}

extension Sighting {
    private func checkOtherBehaviourPairing() throws(ValidationError) {
        if behaviours.contains(.other) {
            guard let otherBehaviour, !TextRules.isBlank(otherBehaviour) else {
                throw .otherBehaviourMissing
            }
        } else if otherBehaviour != nil {
            throw .otherBehaviourUnexpected
        }
    }
}

extension Intervention {
    /// Checks every rule of an intervention; throws the first one broken.
    public func validate(now: Date) throws(ValidationError) {
        try Identifiers.validateUser(by)
        try RecordTimes.validate(occurredAt: occurredAt, recordedAt: recordedAt, now: now)
        try location.validate()
        guard !actions.isEmpty else { throw .noAction }
        guard Set(actions).count == actions.count else { throw .repeatedAction }
        try TextRules.check(notes, field: "notes", limit: TextLimits.notes, multiline: true)
        try DispersalRule.validateBasis(of: self)
    }
}

extension Note {
    /// Checks every rule of a note; throws the first one broken.
    public func validate(now: Date) throws(ValidationError) {
        try Identifiers.validateUser(author)
        try RecordTimes.validate(occurredAt: recordedAt, recordedAt: recordedAt, now: now)
        guard !TextRules.isBlank(text, newlines: true) else { throw .emptyNote }
        try TextRules.check(text, field: "note", limit: TextLimits.noteText, multiline: true)
    }
}

extension PatrolRecord {
    /// Checks every rule of the record's kind (see `Sighting.validate(now:pairingOther:)`).
    public func validate(now: Date, pairingOther: Bool = true) throws(ValidationError) {
        switch self {
        case .sighting(let sighting): try sighting.validate(now: now, pairingOther: pairingOther)
        case .intervention(let intervention): try intervention.validate(now: now)
        case .note(let note): try note.validate(now: now)
        case .authorisation(let authorisation): try authorisation.validate(now: now)
        case .redacted: throw .recordRedacted
        }
    }
}

extension Location {
    /// Checks that a place is given and the position, if any, is complete and on the globe.
    public func validate() throws(ValidationError) {
        if let venueId { try Identifiers.validateVenue(venueId) }
        let hasPlace = place.map { !TextRules.isBlank($0) } ?? false
        guard venueId != nil || hasPlace else { throw .noPlace }
        try TextRules.check(place, field: "place", limit: TextLimits.place)
        switch (latitude, longitude) {
        case (nil, nil):
            break
        case (let latitude?, let longitude?):
            guard (-90...90).contains(latitude), (-180...180).contains(longitude) else {
                throw .positionOutOfRange
            }
        default:
            throw .halfPosition
        }
    }
}

extension SubjectDescription {
    func validate() throws(ValidationError) {
        try TextRules.check(clothing, field: "clothing description", limit: TextLimits.shortDescription)
        try TextRules.check(
            distinguishingFeatures,
            field: "distinguishing features",
            limit: TextLimits.shortDescription
        )
        try TextRules.check(perceivedEthnicity, field: "perceived ethnicity", limit: 40)
    }
}

enum RecordTimes {
    static func validate(occurredAt: Date, recordedAt: Date, now: Date) throws(ValidationError) {
        guard recordedAt.timeIntervalSince(now) <= allowedClockSkew else { throw .recordedInFuture }
        guard occurredAt.timeIntervalSince(recordedAt) <= allowedClockSkew else { throw .occurredInFuture }
        guard recordedAt.timeIntervalSince(occurredAt) <= latestLateEntry else { throw .occurredTooLongAgo }
    }
}
