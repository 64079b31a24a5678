import Foundation

/// A correction of one field of a record: the original stays visible in the history.
public struct Amendment: Codable, Sendable, Hashable {
    public var field: AmendableField
    /// The new value in the field's text form (see `AmendableField`); empty clears an optional field.
    public var value: String
    /// Why the correction was made.
    public var reason: String
    /// The value the amender replaced, in the field's text form: the field as their device showed it when
    /// they made the correction (the device fills it in). Nil in operations made before devices recorded it.
    ///
    /// Concurrent amendments can make it differ from the value just before this one in merge order; the
    /// history then says that this correction was made without seeing the other (`AmendmentEntry.crossing`).
    public var replaced: String?

    public init(field: AmendableField, value: String, reason: String, replaced: String? = nil) {
        self.field = field
        self.value = value
        self.reason = reason
        self.replaced = replaced
    }

    /// Checks the reason, and that the new value fits the field and leaves a valid record.
    public func validate(against original: PatrolRecord) throws(ValidationError) {
        guard !TextRules.isBlank(reason, newlines: true) else { throw .emptyReason }
        try TextRules.check(reason, field: "reason", limit: TextLimits.reason)
        let amended = try field.apply(value, to: original)
        // Times were checked when the record was made; the amended record must keep them consistent.
        // 'other' and its description are corrected by two amendments, so they need not pair in between.
        try amended.validate(now: original.recordedAt, pairingOther: false)
    }
}
