import Foundation

/// The erasure of a record's content: at the end of retention, or because personal data was recorded in
/// error. It reaches every replica and leaves a tombstone; a redacted record never comes back.
public struct Redaction: Codable, Sendable, Hashable {
    public var reason: RedactionReason
    /// A short explanation, with no personal data (it outlives the content).
    public var explanation: String

    public init(reason: RedactionReason, explanation: String) {
        self.reason = reason
        self.explanation = explanation
    }
}

/// Why a record was redacted.
public enum RedactionReason: String, Codable, Sendable, CaseIterable, Hashable {
    case retentionExpired = "retention-expired"
    case recordedInError = "recorded-in-error"
    /// Disposed of by a supervisor's decision at its retention review.
    case disposedAfterReview = "disposed-after-review"
}

/// What remains of a redacted record: who made it and when, and who erased it, when and why.
public struct Tombstone: Codable, Sendable, Hashable {
    public var stamp: OperationStamp
    public var redaction: Redaction

    public init(stamp: OperationStamp, redaction: Redaction) {
        self.stamp = stamp
        self.redaction = redaction
    }
}

/// A record whose content is gone: only its kind, its id and the metadata of its create operation remain.
public struct RedactedRecord: Codable, Sendable, Hashable {
    public var id: UUID
    public var type: RecordType
    public var author: String
    /// When the create operation was stamped (the event's own time was content, and is gone).
    public var recordedAt: Date

    public init(id: UUID, type: RecordType, author: String, recordedAt: Date) {
        self.id = id
        self.type = type
        self.author = author
        self.recordedAt = recordedAt
    }
}
