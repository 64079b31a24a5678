import Foundation
import Hummingbird
import Models

/// The retention review for supervisors only (least privilege): the queue of records due, and decisions on them.
/// Both are audited; the queue read names the records it showed.
struct RetentionRoutes: Sendable {
    typealias Context = EmpowerRequestContext

    let store: any CentralStore
    let policy: RetentionPolicy
    /// The time now (tests set it).
    let clock: @Sendable () -> Date

    func register(on v1: RouterGroup<Context>) {
        v1.get("retention/due", use: QueryParameters.only([], due))
        v1.post("retention/decisions", use: QueryParameters.only([], decide))
    }

    /// `GET /v1/retention/due`: the records due for review today (in London), earliest review first.
    @Sendable func due(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.supervisor])
        let now = clock()
        let queue = try await store.retentionQueue(on: CalendarDay(londonDayOf: now), policy: policy)
        try await store.appendAudit(
            AuditEntry(
                at: now,
                caller: caller,
                action: .retentionQueueRead,
                recordIds: queue.records.map(\.recordId),
                scope: "due on or before \(queue.day)",
                count: queue.records.count,
                reason: "retention review"
            )
        )
        return try JSONResponse.make(queue)
    }

    /// `POST /v1/retention/decisions`: retain or dispose of records due; an outcome for each.
    @Sendable func decide(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.supervisor])
        let decisions = try await request.decodeJSON(RetentionDecisionRequest.self)
        let now = clock()
        do {
            let response = try await store.decideRetention(
                decisions,
                by: caller,
                policy: policy,
                today: CalendarDay(londonDayOf: now),
                now: now
            )
            return try JSONResponse.make(response)
        } catch let error as ValidationError {
            throw APIError.badRequest(error.code, error.message)
        }
    }
}
