import Foundation

/// Decides whether a caller's role and venues allow a new operation: who may record, amend, review, grade,
/// link and redact, and where.
///
/// The device applies the same rules before it stores an operation; the server applies them again because
/// a device cannot be trusted to have done so.
public enum OperationPermission {
    /// Checks one operation made by `caller`.
    ///
    /// A record's scope is the venue it was made at (a note's, its record's): it never changes, so venue staff
    /// see every operation of a record or none.
    ///
    /// - Parameters:
    ///   - target: the merged record the operation touches, if the store has it.
    ///   - targetScope: the target's scope venue.
    ///   - referenced: the record a note or intervention refers to, if the store has it (never a note).
    ///   - referencedScope: the referenced record's scope venue (kept by the store: a redacted record's content,
    ///     its venue included, is gone).
    /// - Throws: `ValidationError` with the reason for refusal.
    public static func check(
        _ operation: LogOperation,
        by caller: Caller,
        target: RecordState?,
        targetScope: String?,
        referenced: RecordState?,
        referencedScope: String?
    ) throws(ValidationError) {
        guard caller.role != .admin else {
            throw ValidationError(
                code: "role-not-permitted",
                message: "Administrators manage accounts and venues, not records."
            )
        }
        switch operation.payload {
        case .createSighting(let sighting):
            try requireScope(caller, venueId: sighting.location.venueId)
        case .createIntervention(let intervention):
            try requireScope(caller, venueId: intervention.location.venueId)
            if referenced != nil { try requireScope(caller, venueId: referencedScope) }
            try refusePoliceActions(caller, in: intervention)
        case .createNote:
            if referenced != nil { try requireScope(caller, venueId: referencedScope) }
        case .createAuthorisation:
            guard caller.role == .supervisor else {
                throw ValidationError(
                    code: "supervisor-only",
                    message: "Only a supervisor (an inspector or above) records a section 34 authorisation."
                )
            }
        case .amend(let amendment):
            guard let target, target.redaction == nil else { return }
            guard target.original.author == operation.author || caller.role == .supervisor else {
                throw ValidationError(
                    code: "not-author",
                    message: "Only the record's author or a supervisor may amend it."
                )
            }
            try requireScope(caller, venueId: targetScope)
            if amendment.field == .venue { try requireScope(caller, venueId: amendment.value) }
            // Only a change of the actions themselves can add a police action (a supervisor may have added
            // one; venue staff may still correct the other fields).
            if amendment.field == .actions,
                case .intervention(let amended)? = try? amendment.field.apply(amendment.value, to: target.current)
            {
                try refusePoliceActions(caller, in: amended)
            }
        case .setRegister, .redact:
            guard caller.role == .supervisor else {
                throw ValidationError(
                    code: "supervisor-only",
                    message: "Only a supervisor reviews, grades, links and redacts records."
                )
            }
        case .redacted:
            break  // Refused by validation.
        }
    }

    private static func requireScope(_ caller: Caller, venueId: String?) throws(ValidationError) {
        guard caller.covers(venueId: venueId) else {
            throw ValidationError(code: "out-of-scope", message: "Venue staff record at their own venues only.")
        }
    }

    private static func refusePoliceActions(_ caller: Caller, in intervention: Intervention) throws(ValidationError) {
        guard caller.role == .venueStaff, intervention.actions.contains(where: \.isPoliceAction) else { return }
        throw ValidationError(
            code: "police-action",
            message: "Venue staff record venue actions only, not police actions."
        )
    }
}
