import Foundation
import Models

/// What the central store keeps of retention review besides the records themselves: the policy adopted, and
/// the daily reviews run. The review dates live in the records (planned by the policy, or set by a register).
public protocol RetentionLedger: Sendable {
    /// The policy adopted last (`RetentionPolicy.canonicalText`), or nil before the first.
    func adoptedRetentionPolicy() async throws -> String?

    /// Adopts `policy` with its audit entry, in one transaction, if `previous` is still the one adopted; false
    /// (and nothing written) if another instance adopted one in between.
    func adoptRetentionPolicy(_ policy: String, replacing previous: String?, entry: AuditEntry) async throws -> Bool

    /// Records the daily review of `day` with its audit entry, in one transaction, once across every instance:
    /// false (and nothing written) if it is recorded already or, on PostgreSQL, another instance holds the
    /// review's advisory lock.
    func recordRetentionReview(day: CalendarDay, dueCount: Int, entry: AuditEntry) async throws -> Bool
}
