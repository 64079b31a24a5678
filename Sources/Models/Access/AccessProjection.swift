import Foundation

/// What a caller may receive of the patrol log: the one projection that every read path (pull, search, show,
/// export) applies, on every store.
///
/// Police roles receive everything; administrators nothing. Venue staff receive the records in their scope
/// (`Caller.covers`) as `ProjectedField` says: what venue staff wrote, whole; of police work only that police
/// attended, and when — no police identities, actions, outcomes, notes, registers or reasons.
///
/// A record is projected operation by operation, and a projected record is the fold of its projected
/// operations, so a venue-staff device that folds what it pulls holds exactly what search and show answer.
public enum AccessProjection {
    /// The user id shown to venue staff for every police author.
    public static let policeUser = "POLICE"
    /// The device id shown to venue staff for every police device.
    public static let policeDevice = "police"
    /// The text shown to venue staff instead of a police reason or explanation.
    public static let withheldText = "Withheld"

    /// Who made a record: its kind and its author's role (nil when not known, which counts as police).
    public struct RecordOrigin: Sendable, Hashable {
        public var type: RecordType
        public var authorRole: Role?

        public init(type: RecordType, authorRole: Role?) {
            self.type = type
            self.authorRole = authorRole
        }
    }

    /// What `caller` may receive of one operation of a record in their scope, or nil for nothing of it.
    ///
    /// - Parameters:
    ///   - authorRole: the role of the operation's author; nil when not known (treated as police).
    ///   - record: the kind of the operation's record and the role of its author.
    public static func project(
        _ operation: LogOperation,
        authorRole: Role?,
        record: RecordOrigin,
        for caller: Caller
    ) -> LogOperation? {
        switch caller.role {
        case .officer, .supervisor: return operation
        case .admin: return nil
        case .venueStaff: break
        }
        let byStaff = authorRole == .venueStaff
        let recordByStaff = record.authorRole == .venueStaff
        if record.type == .note, ProjectedField.note.visibility(writtenByVenueStaff: recordByStaff) == .withheld {
            return nil
        }
        if record.type == .authorisation,
            ProjectedField.authorisation.visibility(writtenByVenueStaff: recordByStaff) == .withheld
        {
            return nil
        }
        var projected = operation
        replace(.operationAuthor, in: &projected.author, byStaff)
        replace(.operationDevice, in: &projected.deviceId, byStaff)
        switch operation.payload {
        case .createSighting(var sighting):
            replace(.sightingReporter, in: &sighting.reporter, byStaff)
            replace(.sightingNarrative, in: &sighting.narrative, byStaff)
            projected.payload = .createSighting(sighting)
        case .createIntervention(var intervention):
            replace(.interventionBy, in: &intervention.by, byStaff)
            replace(.interventionNotes, in: &intervention.notes, byStaff)
            if case .replaced(let actions) = ProjectedField.interventionActions.visibility(writtenByVenueStaff: byStaff)
            {
                intervention.actions = actions.split(separator: ",").compactMap {
                    InterventionAction(rawValue: String($0))
                }
                intervention.authorisationId = nil
                intervention.outsideAuthorisation = nil
            }
            if case .replaced(let outcome) = ProjectedField.interventionOutcome.visibility(writtenByVenueStaff: byStaff),
                let value = Outcome(rawValue: outcome)
            {
                intervention.outcome = value
            }
            projected.payload = .createIntervention(intervention)
        case .createNote, .createAuthorisation:
            break  // A note is the note rule's, an authorisation the authorisation rule's: whole, or withheld above.
        case .amend(var amendment):
            // The value, and the value it replaced, follow the rule of the field it corrects, for the record's
            // author; the reason, the amendment's author's.
            switch ProjectedField(amendment.field, of: record.type).visibility(writtenByVenueStaff: recordByStaff) {
            case .shown: break
            case .replaced(let value):
                amendment.value = value
                if amendment.replaced != nil { amendment.replaced = value }
            case .withheld: return nil
            }
            replace(.amendmentReason, in: &amendment.reason, byStaff)
            projected.payload = .amend(amendment)
        case .setRegister:
            if ProjectedField.registers.visibility(writtenByVenueStaff: byStaff) == .withheld { return nil }
        case .redact(var redaction):
            replace(.redactionExplanation, in: &redaction.explanation, byStaff)
            projected.payload = .redact(redaction)
        case .redacted:
            break  // No content left: only the author and device, replaced above.
        }
        return projected
    }

    /// A record as `caller` may see it: the fold of its operations' projections, or nil when nothing of it
    /// reaches the caller.
    ///
    /// - Parameters:
    ///   - operations: every stored operation of the record.
    ///   - roles: the role of a user, by id (nil when not known, which counts as police).
    public static func project(
        record operations: [LogOperation],
        roles: (String) -> Role?,
        for caller: Caller
    ) -> RecordState? {
        guard let origin = origin(of: operations, roles: roles) else { return nil }
        return RecordFold.fold(
            operations.compactMap { project($0, authorRole: roles($0.author), record: origin, for: caller) }
        )
    }

    /// The kind and author's role of the record these operations make: those of its first create, in merge
    /// order, as `RecordFold` takes it.
    public static func origin(of operations: [LogOperation], roles: (String) -> Role?) -> RecordOrigin? {
        guard let create = operations.filter(\.kind.isCreate).min(by: { $0.orderKey < $1.orderKey }),
            let type = create.kind.createdType
        else { return nil }
        return RecordOrigin(type: type, authorRole: roles(create.author))
    }

    private static func replace(_ field: ProjectedField, in value: inout String, _ writtenByVenueStaff: Bool) {
        if case .replaced(let replacement) = field.visibility(writtenByVenueStaff: writtenByVenueStaff) {
            value = replacement
        }
    }
}
