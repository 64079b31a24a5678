import Foundation
import Models

extension CentralStore {
    /// Carries out a supervisor's decisions at the retention review of records due on `today`.
    ///
    /// A decision to retain sets the record's retention review register to the next review (midnight in London
    /// that day); one to dispose redacts it ("disposed after review", the reason as explanation). Both are
    /// operations by the supervisor, pushed like a device's (`push`), so they are admitted, audited and reach
    /// every device as any register write and redaction do. Each decision carried out is then audited with its
    /// reason (`retention-decided`). A record disposed of before, not due yet, or not held is left as it is and
    /// says so in its outcome.
    /// - Throws: `ValidationError` for a request that cannot be carried out as a whole (a bad reason or date);
    ///   nothing is written then.
    public func decideRetention(
        _ request: RetentionDecisionRequest,
        by caller: Caller,
        policy: RetentionPolicy,
        today: CalendarDay,
        now: Date
    ) async throws -> RetentionDecisionResponse {
        try Self.check(request, policy: policy, today: today)
        let reason = request.reason.trimmingCharacters(in: .whitespaces)
        var outcomes: [UUID: RetentionDecisionOutcome] = [:]
        var operations: [LogOperation] = []
        let stored = try await self.operations(ofRecords: request.recordIds)
        for id in request.recordIds {
            guard let record = try await record(id: id) else {
                outcomes[id] = .init(recordId: id, result: .unknownRecord, message: "No record with this id.")
                continue
            }
            if let tombstone = record.redaction {
                outcomes[id] = .init(
                    recordId: id,
                    result: .alreadyDisposed,
                    message: "Redacted before (\(tombstone.redaction.reason.rawValue)): nothing was done."
                )
                continue
            }
            let review = policy.review(of: record)
            guard review.day <= today else {
                outcomes[id] = .init(
                    recordId: id,
                    result: .notDue,
                    message: "Not due for review until \(review.day): nothing was done."
                )
                continue
            }
            // After every stamp of the record, so a retention date set on a device with a fast clock does not
            // outlive the decision.
            let latest = stored[id, default: []].map(\.operation.hlc).max() ?? .zero
            let stamp = max(
                HLCTimestamp(wallMilliseconds: now.millisecondsSince1970, counter: 0),
                HLCTimestamp(rawValue: latest.rawValue + 1)
            )
            let payload: OperationPayload =
                switch request.decision {
                case .retain: .setRegister(.retentionReview(request.nextReviewOn!.startInLondon))
                case .dispose: .redact(Redaction(reason: .disposedAfterReview, explanation: reason))
                }
            operations.append(
                LogOperation(
                    deviceId: caller.deviceId,
                    author: caller.userId,
                    hlc: stamp,
                    recordId: id,
                    payload: payload
                )
            )
        }
        let pushed = try await push(operations, by: caller, now: now)
        let accepted = Set(pushed.accepted)
        for operation in operations {
            let id = operation.recordId
            guard accepted.contains(operation.opId) else {
                let refusal = pushed.rejected.first { $0.opId == operation.opId }
                outcomes[id] = .init(recordId: id, result: .refused, message: refusal?.message ?? "Refused.")
                continue
            }
            let retainedUntil = request.nextReviewOn.map { "retained until \($0)" }
            try await appendAudit(
                AuditEntry(
                    at: now,
                    caller: caller,
                    action: .retentionDecided,
                    recordIds: [id],
                    scope: request.decision == .retain ? retainedUntil : "disposed",
                    reason: reason
                )
            )
            outcomes[id] =
                switch request.decision {
                case .retain:
                    .init(
                        recordId: id,
                        result: .retained,
                        message: "Retained; next review on \(request.nextReviewOn!)."
                    )
                case .dispose:
                    .init(
                        recordId: id,
                        result: .disposed,
                        message: "Disposed of: redacted on every device as they sync."
                    )
                }
        }
        return RetentionDecisionResponse(outcomes: request.recordIds.map { outcomes[$0]! })
    }

    /// The most records one request may decide.
    public static var maxRetentionDecisions: Int { 500 }

    /// Refuses a request that cannot be carried out as a whole.
    static func check(_ request: RetentionDecisionRequest, policy: RetentionPolicy, today: CalendarDay) throws {
        guard !request.recordIds.isEmpty, request.recordIds.count <= maxRetentionDecisions else {
            throw ValidationError(
                code: "bad-decision",
                message: "Decide on 1 to \(maxRetentionDecisions) records at once."
            )
        }
        guard Set(request.recordIds).count == request.recordIds.count else {
            throw ValidationError(code: "bad-decision", message: "A record is named twice.")
        }
        guard !request.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError(
                code: "reason-required",
                message: "Say why (the reason); it is kept in the audit log, and in the tombstone of a disposal."
            )
        }
        try TextRules.check(request.reason, field: "reason", limit: TextLimits.reason)
        switch request.decision {
        case .retain:
            guard let next = request.nextReviewOn else {
                throw ValidationError(code: "bad-decision", message: "A decision to retain needs the next review date.")
            }
            let latest = policy.latestNextReview(from: today)
            guard next > today, next <= latest else {
                throw ValidationError(
                    code: "bad-decision",
                    message: "The next review must be after today (\(today)) and no later than \(latest) "
                        + "(the policy's maximum, \(policy.maximum))."
                )
            }
        case .dispose:
            guard request.nextReviewOn == nil else {
                throw ValidationError(code: "bad-decision", message: "A disposal has no next review date.")
            }
        }
    }
}
