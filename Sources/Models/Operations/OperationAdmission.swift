import Foundation

/// Decides whether a store accepts a new operation, given what the store already holds.
///
/// This is the one place where the rules that need other records live: a record is created once, a note
/// or intervention refers to a record that exists, and an amendment applies to a record that exists. Who may
/// do what is `OperationPermission`'s part.
public enum OperationAdmission {
    /// Checks an operation that the store does not hold yet.
    ///
    /// - Parameters:
    ///   - operation: the new operation.
    ///   - target: the merged record the operation touches, if the store has it.
    ///   - referenced: the merged record a note or intervention refers to, if the store has it.
    ///   - now: the store's clock.
    /// - Throws: `ValidationError` with the reason for refusal.
    public static func check(
        _ operation: LogOperation,
        target: RecordState?,
        referenced: RecordState?,
        now: Date,
        clockTolerance: TimeInterval = allowedClockSkew
    ) throws(ValidationError) {
        try operation.validate(now: now, clockTolerance: clockTolerance)
        switch operation.payload {
        case .createSighting, .createIntervention, .createNote, .createAuthorisation:
            guard target == nil else {
                throw ValidationError(
                    code: "record-exists",
                    message:
                        "A record with this id exists already; a record is created once and corrected by amendments."
                )
            }
            if case .createNote = operation.payload, referenced == nil || referenced?.type == .note {
                throw ValidationError(
                    code: "unknown-record",
                    message: "A note must be about a sighting or intervention that the server holds."
                )
            }
            if case .createIntervention(let intervention) = operation.payload, intervention.sightingId != nil,
                referenced?.type != .sighting
            {
                throw ValidationError(
                    code: "unknown-record",
                    message: "The sighting this intervention follows is not held by the server."
                )
            }
        case .amend:
            guard target != nil else {
                throw ValidationError(code: "unknown-record", message: "The record to amend is not held by the server.")
            }
        case .setRegister, .redact:
            guard target != nil else {
                throw ValidationError(code: "unknown-record", message: "The record is not held by the server.")
            }
        case .redacted:
            break  // Refused by `validate` above.
        }
    }

    /// The record a create operation refers to (a note's record, an intervention's sighting), if any.
    public static func referencedRecordId(of operation: LogOperation) -> UUID? {
        switch operation.payload {
        case .createNote(let note): note.recordId
        case .createIntervention(let intervention): intervention.sightingId
        case .createSighting, .createAuthorisation, .amend, .setRegister, .redact, .redacted: nil
        }
    }
}
