import Foundation
import Models

/// Pushes a device's outbox and pulls what it has not seen, page by page.
///
/// Crash safety comes from the order of durable steps: an operation leaves the outbox only after the
/// server's answer says it is stored (a repeat push is harmless, `opId` being the idempotency key), and a
/// pulled page is stored together with its cursor in one transaction.
public struct SyncEngine: Sendable {
    public let replica: LocalReplica
    public let transport: any SyncTransport
    /// Operations sent in one push.
    public var pushBatchSize: Int
    /// Operations asked for in one pull.
    public var pullPageSize: Int

    public init(
        replica: LocalReplica,
        transport: any SyncTransport,
        pushBatchSize: Int = 500,
        pullPageSize: Int = 1000
    ) {
        self.replica = replica
        self.transport = transport
        self.pushBatchSize = min(pushBatchSize, ProtocolLimits.maxOperationsPerPush)
        self.pullPageSize = min(pullPageSize, ProtocolLimits.maxOperationsPerPull)
    }

    /// Pushes every pending operation, then pulls until the server has nothing more, then refreshes venues.
    ///
    /// - Parameter progress: called after each push batch and each pulled page.
    /// - Throws: `SyncError` when the server cannot be reached or refuses a request; what was already
    ///   acknowledged or pulled stays, and everything else stays queued.
    @discardableResult
    public func sync(progress: (SyncProgress) -> Void = { _ in }) async throws -> SyncReport {
        var report = SyncReport()
        let identity = try replica.identity()
        while true {
            let batch = try replica.pendingOperations(limit: pushBatchSize)
            if batch.isEmpty { break }
            let response = try await transport.push(PushRequest(deviceId: identity.deviceId, operations: batch))
            try replica.applyPushResponse(response)
            report.pushed += response.accepted.count
            report.rejected += response.rejected
            progress(.pushed(batch: batch.count, total: report.pushed + report.rejected.count))
            // A batch the server answered without settling any operation would loop forever; stop instead.
            if response.accepted.isEmpty && response.rejected.isEmpty {
                throw SyncError.badResponse("the server settled none of the operations it was sent")
            }
        }
        while true {
            let cursor = try replica.pullCursor()
            let page = try await transport.pull(after: cursor, limit: pullPageSize)
            guard page.cursor >= cursor else { throw SyncError.badResponse("the server's cursor went backwards") }
            report.pulled += try replica.applyPulledPage(page)
            report.received += page.operations.count
            progress(.pulled(page: page.operations.count, total: report.received))
            if !page.hasMore { break }
            if page.operations.isEmpty { throw SyncError.badResponse("the server said more waits but sent none") }
        }
        try replica.replaceVenues(try await transport.venues())
        try replica.markSynced(at: Date())
        return report
    }
}

/// What moved in one sync.
public struct SyncReport: Sendable, Hashable {
    /// This device's operations the server has now stored.
    public var pushed = 0
    /// This device's operations the server refused; they are parked with its reasons.
    public var rejected: [RejectedOperation] = []
    /// Operations pulled that were new to this device.
    public var pulled = 0
    /// Operations received in pull pages, including this device's own coming back.
    public var received = 0

    public init() {}
}

/// One step of a sync, for progress display.
public enum SyncProgress: Sendable, Hashable {
    case pushed(batch: Int, total: Int)
    case pulled(page: Int, total: Int)
}
