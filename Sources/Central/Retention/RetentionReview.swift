import Foundation
import Models

/// Retention review over any central store (MoPI): which records are due on a day, what adopting a new policy
/// re-plans, and a supervisor's decisions. The rules live here once, so both stores answer alike.
extension CentralStore {
    /// The records due for review on `day` under `policy`, earliest review first (then oldest first): every
    /// record not redacted whose review day (set for it, else planned) is `day` or earlier. Nothing is audited
    /// here: a caller that shows the queue to a person audits the read (`RetentionRoutes`).
    public func retentionQueue(on day: CalendarDay, policy: RetentionPolicy) async throws -> RetentionQueue {
        let due = try await records(matching: RecordFilter()).compactMap { record -> RetentionDueRecord? in
            guard record.redaction == nil else { return nil }
            let review = policy.review(of: record)
            guard review.day <= day else { return nil }
            return RetentionDueRecord(
                recordId: record.id,
                type: record.type,
                recordedAt: record.created.hlc.date,
                grading: record.registers.grading?.code,
                reviewOn: review.day,
                planned: review.planned
            )
        }
        return RetentionQueue(
            day: day,
            records: due.sorted {
                ($0.reviewOn, $0.recordedAt, $0.recordId.uuidString) < (
                    $1.reviewOn, $1.recordedAt, $1.recordId.uuidString
                )
            }
        )
    }

    /// Adopts `policy` if it differs from the one adopted before, saying in the audit log that it was adopted and
    /// how many records without a date of their own it re-planned. Returns that number, or nil when nothing
    /// changed (the same policy, or another instance adopted it first).
    @discardableResult
    public func adoptRetentionPolicy(_ policy: RetentionPolicy, now: Date) async throws -> Int? {
        let previousText = try await adoptedRetentionPolicy()
        let text = policy.canonicalText
        guard previousText != text else { return nil }
        var replanned = 0
        if let previous = previousText.flatMap(RetentionPolicy.init(canonicalText:)) {
            for record in try await records(matching: RecordFilter())
            where record.redaction == nil && record.registers.retentionReviewOn == nil
                && previous.plannedReview(of: record) != policy.plannedReview(of: record)
            {
                replanned += 1
            }
        }
        let entry = AuditEntry(
            at: now,
            caller: .retentionReview,
            action: .retentionPolicyAdopted,
            scope: text,
            count: replanned,
            reason: previousText == nil ? "first policy" : "policy changed from: \(previousText!)"
        )
        return try await adoptRetentionPolicy(text, replacing: previousText, entry: entry) ? replanned : nil
    }
}

extension Caller {
    /// The server's retention review job, as the audit log names it.
    public static let retentionReview = Caller(userId: "server:retention-review", deviceId: "server", role: .admin)
}
