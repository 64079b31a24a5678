import Foundation

/// The rule for section 35 dispersal directions: one that an intervention records must cite the section 34
/// authorisation in force at its time and place, or be recorded explicitly as outside any authorisation — which
/// flags it for supervision.
///
/// Decided here once; the device applies it before it stores an intervention or an amendment, and every central
/// store applies it again, against the authorisation it holds, because a device cannot be trusted to have done so.
public enum DispersalRule {
    /// Whether an intervention records a dispersal direction given outside any authorisation: it is for a
    /// supervisor to review.
    public static func needsSupervision(_ intervention: Intervention) -> Bool {
        intervention.actions.contains(.dispersalDirection) && intervention.outsideAuthorisation == true
    }

    /// The authorisation an operation's intervention cites, once the operation applies: the create's own, or the
    /// amended record's. Nil when the rule does not apply to the operation (`check`).
    public static func citedAuthorisationId(of operation: LogOperation, target: RecordState?) -> UUID? {
        switch operation.payload {
        case .createIntervention(let intervention): intervention.authorisationId
        case .amend(let amendment) where checkedFields.contains(amendment.field):
            if case .intervention(let intervention)? = target?.current { intervention.authorisationId } else { nil }
        default: nil
        }
    }

    /// The fields whose amendment can take a direction out of its authorisation, or make one.
    static let checkedFields: Set<AmendableField> = [.occurredAt, .venue, .place, .actions]

    /// The rules an intervention keeps on its own: it cites an authorisation or says it is outside any, not both.
    public static func validateBasis(of intervention: Intervention) throws(ValidationError) {
        if intervention.authorisationId != nil, intervention.outsideAuthorisation == true {
            throw ValidationError(
                code: "dispersal-basis",
                message:
                    "A dispersal direction cites a section 34 authorisation or is recorded as outside any, not both."
            )
        }
    }

    /// Checks an operation that creates an intervention, or amends its time, place or actions, against the
    /// authorisation the intervention cites, as it is after the operation: a late entry and an amendment are judged
    /// by the authorisation in force at the time of the event, not of the recording.
    ///
    /// - Parameters:
    ///   - merged: the operation's record with the operation applied.
    ///   - authorisation: the record the intervention cites (`citedAuthorisationId`), as the checker holds it.
    /// - Throws: `ValidationError` saying what is missing and what to do.
    public static func check(
        _ operation: LogOperation,
        merged: RecordState?,
        authorisation: RecordState?
    ) throws(ValidationError) {
        switch operation.payload {
        case .createIntervention: break
        case .amend(let amendment) where checkedFields.contains(amendment.field): break
        default: return
        }
        guard case .intervention(let intervention)? = merged?.current,
            intervention.actions.contains(.dispersalDirection), intervention.outsideAuthorisation != true
        else { return }
        guard let citedId = intervention.authorisationId else {
            throw ValidationError(
                code: "dispersal-unauthorised",
                message: "A dispersal direction (section 35) must cite the section 34 authorisation in force at its "
                    + "time and place, or be recorded as outside any authorisation, which flags it for supervision."
            )
        }
        guard case .authorisation(let cited)? = authorisation?.current, authorisation?.redaction == nil else {
            throw ValidationError(
                code: "unknown-authorisation",
                message: "The section 34 authorisation \(citedId.text) is not known here (on a device: sync to fetch "
                    + "new ones); cite one that is, or record the direction as outside any authorisation."
            )
        }
        guard cited.isInForce(at: intervention.occurredAt) else {
            throw ValidationError(
                code: "authorisation-not-in-force",
                message: "The section 34 authorisation \(citedId.text) runs from "
                    + "\(WireCoding.formatDate(cited.startsAt)) to \(WireCoding.formatDate(cited.endsAt)); the "
                    + "direction at \(WireCoding.formatDate(intervention.occurredAt)) is outside it. Cite the one in "
                    + "force then, or record it as outside any authorisation."
            )
        }
        guard cited.locality.covers(intervention.location) else {
            throw ValidationError(
                code: "authorisation-not-here",
                message: "The place of the direction is outside the locality of section 34 authorisation "
                    + "\(citedId.text) (\(cited.locality.summary)). Give a place that names a listed street, a "
                    + "listed venue or a position inside its area, or record it as outside any authorisation."
            )
        }
    }

    /// The authorisations among `candidates` in force at an intervention's time and place, earliest first.
    public static func inForce(
        for intervention: Intervention,
        among candidates: [DispersalAuthorisation]
    ) -> [DispersalAuthorisation] {
        candidates.filter { $0.covers(time: intervention.occurredAt, location: intervention.location) }
            .sorted { ($0.startsAt, $0.id.text) < ($1.startsAt, $1.id.text) }
    }
}
