import Foundation

/// A record whose retention review has fallen due, as the review queue lists it: metadata only, no content.
public struct RetentionDueRecord: Codable, Sendable, Hashable {
    public var recordId: UUID
    public var type: RecordType
    /// When the record was made (its create operation's stamp).
    public var recordedAt: Date
    /// The grading, such as `2-B-P`, if it is graded intelligence.
    public var grading: String?
    /// The review day in London.
    public var reviewOn: CalendarDay
    /// Whether the day is the policy's plan (true) or was set for this record (`retain` or a decision).
    public var planned: Bool

    public init(
        recordId: UUID,
        type: RecordType,
        recordedAt: Date,
        grading: String?,
        reviewOn: CalendarDay,
        planned: Bool
    ) {
        self.recordId = recordId
        self.type = type
        self.recordedAt = recordedAt
        self.grading = grading
        self.reviewOn = reviewOn
        self.planned = planned
    }
}

/// The review queue: the records due for review on `day`, earliest review first.
public struct RetentionQueue: Codable, Sendable, Hashable {
    /// Today in London, when the queue was read.
    public var day: CalendarDay
    public var records: [RetentionDueRecord]

    public init(day: CalendarDay, records: [RetentionDueRecord]) {
        self.day = day
        self.records = records
    }
}

/// What a supervisor decides at a record's retention review.
public enum RetentionDecisionKind: String, Codable, Sendable, CaseIterable, Hashable {
    /// Keep the record, and review it again on a later day.
    case retain
    /// Dispose of it: a redaction ("disposed after review") that reaches every device.
    case dispose
}

/// Decisions on records due for review, all of one kind with one reason (`POST /v1/retention/decisions`).
public struct RetentionDecisionRequest: Codable, Sendable, Hashable {
    public var decision: RetentionDecisionKind
    /// Why; kept in the audit log (and, for a disposal, in the tombstone): no personal data.
    public var reason: String
    /// For `retain`: the next review, after today and at most the policy's maximum ahead.
    public var nextReviewOn: CalendarDay?
    public var recordIds: [UUID]

    public init(decision: RetentionDecisionKind, reason: String, nextReviewOn: CalendarDay? = nil, recordIds: [UUID]) {
        self.decision = decision
        self.reason = reason
        self.nextReviewOn = nextReviewOn
        self.recordIds = recordIds
    }
}

/// What became of one decision.
public struct RetentionDecisionOutcome: Codable, Sendable, Hashable {
    public enum Result: String, Codable, Sendable, CaseIterable, Hashable {
        /// Kept, with its next review set.
        case retained
        /// Disposed of: redacted.
        case disposed
        /// Disposed of before: nothing was done.
        case alreadyDisposed = "already-disposed"
        /// Not due for review yet: nothing was done.
        case notDue = "not-due"
        /// No such record: nothing was done.
        case unknownRecord = "unknown-record"
        /// The store refused the change (the message says why): nothing was done.
        case refused
    }

    public var recordId: UUID
    public var result: Result
    public var message: String

    public init(recordId: UUID, result: Result, message: String) {
        self.recordId = recordId
        self.result = result
        self.message = message
    }
}

/// The answer to decisions: one outcome per record, in the order asked.
public struct RetentionDecisionResponse: Codable, Sendable, Hashable {
    public var outcomes: [RetentionDecisionOutcome]

    public init(outcomes: [RetentionDecisionOutcome]) {
        self.outcomes = outcomes
    }
}
