import Foundation

/// Why a record or operation was refused: a stable machine code and a message for a person.
///
/// Messages name the rule that was broken and never repeat the refused content.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable code such as `no-behaviour`.
    public var code: String
    /// What went wrong and what to do about it.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension ValidationError {
    static let noBehaviour = ValidationError(
        code: "no-behaviour",
        message: "A sighting needs at least one behaviour indicator."
    )
    static let repeatedBehaviour = ValidationError(
        code: "repeated-behaviour",
        message: "A behaviour indicator is listed more than once; list each once."
    )
    static let otherBehaviourMissing = ValidationError(
        code: "other-behaviour-missing",
        message: "The behaviour 'other' needs a short description of what was seen."
    )
    static let otherBehaviourUnexpected = ValidationError(
        code: "other-behaviour-unexpected",
        message: "A description of an 'other' behaviour is given, but 'other' is not among the behaviours."
    )
    static let projectionOnly = ValidationError(
        code: "projection-only",
        message: "'police-attended' and 'not-shared' are what venue staff are shown of police work; record the "
            + "actions and outcome themselves."
    )
    static let noAction = ValidationError(
        code: "no-action",
        message: "An intervention needs at least one action."
    )
    static let repeatedAction = ValidationError(
        code: "repeated-action",
        message: "An intervention action is listed more than once; list each once."
    )
    static let noPlace = ValidationError(
        code: "no-place",
        message: "Give a venue or a described place (or both)."
    )
    static let halfPosition = ValidationError(
        code: "half-position",
        message: "Give both latitude and longitude, or neither."
    )
    static let positionOutOfRange = ValidationError(
        code: "position-out-of-range",
        message: "Latitude must be between -90 and 90 and longitude between -180 and 180."
    )
    static let occurredInFuture = ValidationError(
        code: "occurred-in-future",
        message: "The time of the event is more than five minutes after the time it was recorded."
    )
    static let occurredTooLongAgo = ValidationError(
        code: "occurred-too-long-ago",
        message: "The time of the event is more than a year before it was recorded; check the date."
    )
    static let recordedInFuture = ValidationError(
        code: "recorded-in-future",
        message: "The record is stamped more than five minutes in the future; check the device clock."
    )
    static let emptyNote = ValidationError(
        code: "empty-note",
        message: "A note needs some text."
    )
    static let emptyReason = ValidationError(
        code: "empty-reason",
        message: "An amendment needs a reason."
    )

    /// The record was redacted: its content is gone and nothing more can be said of it.
    public static let recordRedacted = ValidationError(
        code: "record-redacted",
        message: "The record was redacted; its content is gone and it cannot be changed."
    )

    /// An operation id already names a different operation.
    public static let opIdReused = ValidationError(
        code: "op-id-reused",
        message: "This operation id already names a different operation; the device must make a new id."
    )

    static func malformedId(_ what: String, rule: String) -> ValidationError {
        ValidationError(code: "malformed-id", message: "The \(what) is not well-formed: \(rule).")
    }

    static func textTooLong(_ field: String, limit: Int) -> ValidationError {
        ValidationError(code: "text-too-long", message: "The \(field) is longer than \(limit) characters.")
    }

    static func controlCharacters(_ field: String) -> ValidationError {
        ValidationError(
            code: "control-characters",
            message: "The \(field) holds control or text-direction characters; write it as plain text."
        )
    }
}
