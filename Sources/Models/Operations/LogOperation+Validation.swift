import Foundation

extension LogOperation {
    /// Checks what can be checked of an operation on its own: ids, the payload's rules, and that a create
    /// names its record and its author consistently.
    ///
    /// Rules that need the record an amendment or note refers to are checked by `RecordFold` and the stores.
    /// - Parameter now: the checker's clock; stamps and record times may be at most a few minutes ahead of it.
    /// - Parameter clockTolerance: how far ahead of `now` a stamp or a record time may be (the server's is
    ///   configurable; devices use the default).
    public func validate(now: Date, clockTolerance: TimeInterval = allowedClockSkew) throws(ValidationError) {
        try Identifiers.validateDevice(deviceId)
        try Identifiers.validateUser(author)
        guard hlc.date.timeIntervalSince(now) <= clockTolerance else {
            throw ValidationError(
                code: "clock-ahead",
                message: "The operation is stamped more than \(Int(clockTolerance / 60)) minutes ahead of this "
                    + "clock; check the device clock."
            )
        }
        switch payload {
        case .createSighting, .createIntervention, .createNote, .createAuthorisation:
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
            if case .createIntervention(let intervention) = payload,
                intervention.actions.contains(where: \.isProjectionOnly) || intervention.outcome == .notShared
            {
                throw .projectionOnly
            }
            // Records check their own time against a clock allowed `allowedClockSkew` ahead; shifting that clock
            // by the extra tolerance applies the caller's tolerance instead.
            try record.validate(now: now.addingTimeInterval(clockTolerance - allowedClockSkew))
        case .amend(let amendment):
            guard !TextRules.isBlank(amendment.reason, newlines: true) else {
                throw .emptyReason
            }
            try TextRules.check(amendment.reason, field: "reason", limit: TextLimits.reason)
            if let replaced = amendment.replaced {
                let rule = amendment.field.textRule
                try TextRules.check(replaced, field: "replaced value", limit: rule.limit, multiline: rule.multiline)
            }
            if amendment.field == .actions || amendment.field == .outcome,
                amendment.value.split(separator: ",").contains(where: {
                    $0 == InterventionAction.policeAttended.rawValue || $0 == Outcome.notShared.rawValue
                })
            {
                throw .projectionOnly
            }
        case .setRegister(let write):
            if case .link(let link, _) = write, link.target == recordId {
                throw ValidationError(code: "link-to-itself", message: "A record cannot be linked to itself.")
            }
        case .redact(let redaction):
            guard !TextRules.isBlank(redaction.explanation, newlines: true) else {
                throw ValidationError(
                    code: "empty-explanation",
                    message: "A redaction needs a short explanation (with no personal data)."
                )
            }
            try TextRules.check(redaction.explanation, field: "explanation", limit: TextLimits.reason)
        case .redacted:
            throw ValidationError(
                code: "content-removed",
                message: "An operation whose content was removed by a redaction cannot be sent again."
            )
        }
    }
}
