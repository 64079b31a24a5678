import Foundation
import Logging
import Models
import ServiceLifecycle

/// The daily retention review, run by `serve`: at start it adopts the policy (`adoptRetentionPolicy`), then
/// once a day (a calendar day in Europe/London) it finds the records that have fallen due and records that in
/// the audit log (`retention-reviewed`, with their ids) and the server's log (a count). Nothing is disposed of
/// here: supervisors decide (`decideRetention`). Any number of instances may run it; the store records each day's
/// review once (on PostgreSQL under an advisory lock, as the audit sealer).
public struct RetentionReviewJob: Service {
    let store: any CentralStore
    let policy: RetentionPolicy
    let clock: @Sendable () -> Date
    let interval: Duration
    let logger: Logger

    /// - Parameters:
    ///   - clock: the time now (tests set it).
    ///   - interval: how often it looks whether a new day has begun.
    public init(
        store: any CentralStore,
        policy: RetentionPolicy,
        clock: @escaping @Sendable () -> Date = { Date() },
        interval: Duration = .seconds(60),
        logger: Logger
    ) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var adopted = false
        var reviewed: CalendarDay?
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if !adopted {
                    if let replanned = try await store.adoptRetentionPolicy(policy, now: clock()) {
                        logger.notice(
                            "Retention policy adopted; records without a review date of their own re-planned.",
                            metadata: ["retention.replanned": "\(replanned)"]
                        )
                    }
                    adopted = true
                }
                let today = CalendarDay(londonDayOf: clock())
                if reviewed != today {
                    try await review(on: today)
                    reviewed = today
                }
                failing = false
            } catch {
                if !failing {
                    logger.warning(
                        "The retention review cannot run now; trying again.",
                        metadata: ["error": "\(type(of: error))"]
                    )
                }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Reviews `day`: the number of records due, or nil if that day's review was recorded before (by this
    /// instance or another).
    @discardableResult
    public func review(on day: CalendarDay) async throws -> Int? {
        let queue = try await store.retentionQueue(on: day, policy: policy)
        let entry = AuditEntry(
            at: clock(),
            caller: .retentionReview,
            action: .retentionReviewed,
            recordIds: queue.records.map(\.recordId),
            scope: "due on or before \(day)",
            count: queue.records.count
        )
        guard try await store.recordRetentionReview(day: day, dueCount: queue.records.count, entry: entry) else {
            return nil
        }
        logger.notice(
            "Retention review: records due for a supervisor's decision.",
            metadata: ["retention.day": "\(day)", "retention.due": "\(queue.records.count)"]
        )
        return queue.records.count
    }
}
