import Foundation

extension LogOperation {
    /// Checks what can be checked of an operation on its own: ids, the payload's rules, and that a create
    /// names its record and its author consistently.
    ///
    /// Rules that need the record an amendment or note refers to are checked by `RecordFold` and the stores.
    /// - Parameter now: the checker's clock; stamps and record times may be at most a few minutes ahead of it.
    public func validate(now: Date) throws(ValidationError) {
        try Identifiers.validateDevice(deviceId)
        try Identifiers.validateUser(author)
        guard hlc.date.timeIntervalSince(now) <= allowedClockSkew else {
            throw ValidationError(
                code: "clock-ahead",
                message: "The operation is stamped more than five minutes ahead of this clock; check the device clock."
            )
        }
        switch payload {
        case .createSighting, .createIntervention, .createNote:
            let record = payload.createdRecord!
            guard record.id == recordId else {
                throw ValidationError(
                    code: "record-id-mismatch",
                    message: "A create operation's record id must be the id of the record it creates."
                )
            }
            guard record.author == author else {
                throw ValidationError(
                    code: "author-mismatch",
                    message: "A record's reporter must be the user who makes the operation."
                )
            }
            if case .createNote(let note) = payload, note.recordId == recordId {
                throw ValidationError(code: "note-on-itself", message: "A note cannot be about itself.")
            }
            try record.validate(now: now)
        case .amend(let amendment):
            guard !amendment.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .emptyReason
            }
            try TextRules.check(amendment.reason, field: "reason", limit: TextLimits.reason)
        }
    }
}
