import Foundation
import Logging
import Models

/// Pushes a device's outbox and pulls what it has not seen, page by page, retrying what can be retried.
///
/// The decisions live in `SyncStateMachine`; this is the shell that performs them. Crash safety comes from
/// the order of durable steps: an operation leaves the outbox only after the server's answer says it is
/// stored (a repeated push is harmless, `opId` being the idempotency key), and a pulled page is stored
/// together with its cursor in one transaction. Memory stays flat whatever the backlog: one bounded batch
/// or page is held at a time.
///
/// Nothing is stranded by a refusal that passes: a batch the server refuses whole is sent again in halves until
/// the one operation at fault is parked alone, and operations refused because this device's clock ran ahead are
/// stamped again by the server-anchored clock and sent again in the same sync
/// (`LocalReplica.restampPassingRefusals`).
public struct SyncEngine: Sendable {
    public let replica: LocalReplica
    public let transport: any SyncTransport
    /// Most operations in one push.
    public var pushBatchSize: Int
    /// Most bytes of operation JSON in one push (a single larger operation still goes alone).
    public var pushBatchBytes: Int
    /// Most operations asked for in one pull.
    public var pullPageSize: Int
    public var retryPolicy: RetryPolicy
    /// Reads the device's clocks when an answer arrives (to anchor to the server's time) and when operations
    /// are stamped again.
    public var clock: @Sendable () -> DeviceTime
    /// Where retries, backoff, parked batches, refused operations and cursor moves are logged: ids, counts,
    /// codes and HTTP statuses only, never a record's content or the server's message.
    public var logger: Logger

    /// A logger that writes nothing: the engine's default, for callers that log nothing.
    public static let silentLogger = Logger(label: "empower.sync", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Operations in one push unless told otherwise: few enough that a push lost to a bad network costs
    /// little to send again, many enough that a large backlog moves in few transactions.
    public static let defaultPushBatchSize = 2000
    /// Operations asked for in one pull unless told otherwise (a page is stored in one transaction): the
    /// protocol's most, because a device's commits are what bounds a large pull (pages of 5,000 pulled 100,000
    /// operations about 4% faster than pages of 2,000, in interleaved runs; the device peaked at 78 MB).
    public static let defaultPullPageSize = ProtocolLimits.maxOperationsPerPull

    public init(
        replica: LocalReplica,
        transport: any SyncTransport,
        pushBatchSize: Int = SyncEngine.defaultPushBatchSize,
        pushBatchBytes: Int = 2 << 20,
        pullPageSize: Int = SyncEngine.defaultPullPageSize,
        retryPolicy: RetryPolicy = RetryPolicy(),
        clock: @escaping @Sendable () -> DeviceTime = DeviceClock.now,
        logger: Logger = SyncEngine.silentLogger
    ) {
        self.replica = replica
        self.transport = transport
        self.pushBatchSize = min(max(pushBatchSize, 1), ProtocolLimits.maxOperationsPerPush)
        self.pushBatchBytes = min(pushBatchBytes, ProtocolLimits.maxRequestBodyBytes / 2)
        self.pullPageSize = min(max(pullPageSize, 1), ProtocolLimits.maxOperationsPerPull)
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.logger = logger
    }

    /// Pushes every pending operation, then pulls until the server has nothing more, then refreshes venues.
    ///
    /// - Parameter progress: called after each push batch and each pulled page.
    /// - Throws: the last `SyncError` once retries are exhausted or the server refuses a pull; what was
    ///   already acknowledged or pulled stays, everything else stays queued. Errors of the local database
    ///   are thrown as they are.
    @discardableResult
    public func sync(progress: (SyncProgress) -> Void = { _ in }) async throws -> SyncReport {
        let deviceId = try replica.identity().deviceId
        var machine = SyncStateMachine(policy: retryPolicy)
        var action = machine.handle(.start)
        var report = SyncReport()
        var batch = OutboxBatch()
        var lastError: SyncError?
        // The next page, asked for while the current one is stored: the server and this device work at once.
        var prefetch: (cursor: Int64, omitting: Bool, task: Task<(PullResponse, DeviceTime), any Error>)?
        // Whether the server may be asked to leave this device's own operations out of pages (a server that
        // does not know `omitOwn` refuses it as an unknown parameter, and is then asked for whole pages).
        var serverOmits = true
        defer { prefetch?.task.cancel() }
        // The next push, sent while the answer to the last one is stored. Cancelled on the way out: its
        // operations stay queued (the server may have them; pushing them again is harmless).
        var pushAhead: (batch: OutboxBatch, task: Task<(PushResponse, DeviceTime), any Error>)?
        defer { pushAhead?.task.cancel() }
        // Set while a refused batch is being narrowed down to the operation at fault.
        var narrowedBatchSize: Int?
        var restamped = false
        while true {
            switch action {
            case .push:
                let sending: (batch: OutboxBatch, task: Task<(PushResponse, DeviceTime), any Error>)
                if let next = pushAhead {
                    sending = next
                    pushAhead = nil
                } else {
                    let first = try replica.outboxBatch(
                        maxOperations: narrowedBatchSize ?? pushBatchSize,
                        maxBytes: pushBatchBytes
                    )
                    if first.isEmpty {
                        // Once all else is sent: what was refused for a cause that has passed goes again, once.
                        if !restamped {
                            restamped = true
                            let again = try replica.restampPassingRefusals(at: clock())
                            report.restamped += again
                            if again > 0 {
                                logger.info(
                                    "Operations refused for a passing cause stamped again",
                                    metadata: ["count": "\(again)"]
                                )
                                // Those refusals are settled: what was stamped again is counted as it is pushed.
                                let parked = Set(try replica.parkedOperations().map(\.opId))
                                report.rejected.removeAll { !parked.contains($0.opId) }
                                continue
                            }
                        }
                        action = machine.handle(.pushed(outboxEmpty: true))
                        continue
                    }
                    sending = (first, push(first, deviceId: deviceId))
                }
                batch = sending.batch
                let response: PushResponse
                let heardAt: DeviceTime
                do {
                    (response, heardAt) = try await sending.task.value
                } catch {
                    let failure = (error as? SyncError) ?? .badResponse("the push was interrupted")
                    lastError = failure
                    logFailure(failure.failure, of: .push, operations: batch.operationIds.count)
                    action = machine.handle(
                        .failed(failure.failure),
                        jitter: .random(in: 0..<1),
                        batchSize: batch.operationIds.count
                    )
                    continue
                }
                let settled = Set(response.accepted).union(response.rejected.map(\.opId))
                guard !settled.isDisjoint(with: batch.operationIds) else {
                    lastError = .badResponse("the server settled none of the operations it was sent")
                    logFailure(.badResponse, of: .push, operations: batch.operationIds.count)
                    action = machine.handle(.failed(.badResponse), jitter: .random(in: 0..<1))
                    continue
                }
                // The next batch goes out before this answer is stored: the server works on it meanwhile. It is
                // sent only now, after the server finished this one, so the server still takes them in order.
                let next = try replica.outboxBatch(
                    maxOperations: narrowedBatchSize ?? pushBatchSize,
                    maxBytes: pushBatchBytes,
                    after: batch.lastLocalSeq
                )
                if !next.isEmpty { pushAhead = (next, push(next, deviceId: deviceId)) }
                try replica.applyPushResponse(response, heardAt: heardAt)
                report.pushed += response.accepted.count
                report.rejected += response.rejected
                logPushed(response, operations: batch.operationIds.count)
                progress(.pushed(batch: batch.operationIds.count, total: report.pushed + report.rejected.count))
                if try replica.adoptHistoryEpoch(response.historyEpoch) {
                    // Restored from a backup: everything acknowledged is queued again, from the start.
                    pushAhead?.task.cancel()
                    pushAhead = nil
                    report.historyChanged = true
                    logger.notice("The server's history changed (restored from a backup): pushing everything again")
                    action = machine.handle(.historyChanged)
                    continue
                }
                action = machine.handle(.pushed(outboxEmpty: false))
            case .parkBatch(let code, let message):
                let rejected = batch.operationIds.map { RejectedOperation(opId: $0, code: code, message: message) }
                try replica.applyPushResponse(PushResponse(accepted: [], rejected: rejected, serverClock: .zero))
                report.rejected += rejected
                logger.notice(
                    "Batch parked: the server refused it",
                    metadata: [
                        "operations": "\(rejected.count)", "code": "\(code)",
                        "opIds": "\(rejected.map { $0.opId.text }.joined(separator: ","))",
                    ]
                )
                // Found: the rest goes in whole batches again.
                narrowedBatchSize = nil
                action = machine.handle(.parked)
            case .splitBatch(let size):
                logger.info(
                    "Batch refused whole: sending it again in halves",
                    metadata: ["operations": "\(batch.operationIds.count)", "nextBatchSize": "\(size)"]
                )
                narrowedBatchSize = size
                report.splitBatches += 1
                action = machine.handle(.parked)
            case .pull:
                let cursor = try replica.pullCursor()
                // Only while this replica holds every operation of its own the server may hold.
                let omitting = try serverOmits && replica.holdsOwnOperations()
                let page: PullResponse
                let heardAt: DeviceTime
                do {
                    if let pending = prefetch, pending.cursor == cursor, pending.omitting == omitting {
                        prefetch = nil
                        do {
                            (page, heardAt) = try await pending.task.value
                        } catch {
                            throw (error as? SyncError) ?? .badResponse("the pull was interrupted")
                        }
                    } else {
                        prefetch?.task.cancel()
                        prefetch = nil
                        page = try await transport.pull(after: cursor, limit: pullPageSize, omittingOwn: omitting)
                        heardAt = clock()
                    }
                    guard page.cursor >= cursor else {
                        throw SyncError.badResponse("the server's cursor went backwards")
                    }
                    // A page may hold nothing the device may see (venue staff) yet move the cursor on; one
                    // that neither moves it nor ends would repeat forever.
                    if page.hasMore && page.cursor == cursor {
                        throw SyncError.badResponse("the server said more waits but did not move the cursor")
                    }
                } catch SyncError.server(400, "unknown-parameter", _, _) where omitting {
                    serverOmits = false
                    continue
                } catch let error as SyncError {
                    lastError = error
                    logFailure(error.failure, of: .pull, operations: nil)
                    action = machine.handle(.failed(error.failure), jitter: .random(in: 0..<1))
                    continue
                }
                if try replica.adoptHistoryEpoch(page.historyEpoch) {
                    // Restored from a backup: this page is of positions given anew; push everything, then pull
                    // from the start.
                    prefetch?.task.cancel()
                    prefetch = nil
                    report.historyChanged = true
                    logger.notice("The server's history changed (restored from a backup): pulling from the start")
                    action = machine.handle(.historyChanged)
                    continue
                }
                if page.hasMore {
                    let next = page.cursor
                    let limit = pullPageSize
                    prefetch = (
                        next,
                        omitting,
                        Task { [transport, clock] in
                            (try await transport.pull(after: next, limit: limit, omittingOwn: omitting), clock())
                        }
                    )
                }
                let new = try replica.applyPulledPage(page, heardAt: heardAt, omittedOwn: omitting)
                report.pulled += new
                logger.debug(
                    "Pulled a page; cursor moved",
                    metadata: [
                        "from": "\(cursor)", "to": "\(page.cursor)", "operations": "\(page.operations.count)",
                        "new": "\(new)", "withdrawn": "\(page.withdrawn.count)", "hasMore": "\(page.hasMore)",
                        "omittedOwn": "\(omitting)",
                    ]
                )
                report.enrolments = page.enrolments
                report.received += page.operations.count
                progress(.pulled(page: page.operations.count, total: report.received))
                action = machine.handle(.pulled(hasMore: page.hasMore))
            case .wait(let seconds):
                if case .backingOff(let phase, let attempt) = machine.state {
                    logger.info(
                        "Backing off before retrying",
                        metadata: [
                            "phase": "\(phase)", "attempt": "\(attempt)",
                            "delaySeconds": "\((seconds * 1000).rounded() / 1000)",
                        ]
                    )
                }
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                action = machine.handle(.backoffElapsed)
            case .finish:
                // Reference data is refreshed last; a failure here leaves the old list and does not undo a sync
                // whose pushes and pulls are done.
                var venues: [Venue]?
                do throws(SyncError) {
                    venues = try await transport.venues()
                } catch {
                    // An order to wipe this device cannot wait for the next sync like the venue list can.
                    if error.isWipeOrdered { throw error }
                }
                if let venues {
                    try replica.replaceVenues(venues)
                    report.venuesRefreshed = true
                }
                try replica.markSynced(at: try replica.estimatedTime(at: clock()))
                return report
            case .fail(let failure):
                logger.info("Sync stopped", metadata: Self.metadata(failure))
                throw lastError ?? SyncError.badResponse("the sync stopped in an unexpected state")
            }
        }
    }
}

extension SyncEngine {
    /// Sends one batch in a task of its own.
    private func push(_ batch: OutboxBatch, deviceId: String) -> Task<(PushResponse, DeviceTime), any Error> {
        Task { [transport, clock] in (try await transport.push(deviceId: deviceId, batch: batch), clock()) }
    }
}

/// What moved in one sync.
public struct SyncReport: Sendable, Hashable {
    /// This device's operations the server has now stored.
    public var pushed = 0
    /// This device's operations the server refused and that stay parked with its reasons.
    public var rejected: [RejectedOperation] = []
    /// Operations refused for a cause that passed (this device's clock ran ahead), stamped again and sent again.
    public var restamped = 0
    /// Batches the server refused whole, sent again in halves to find the operation at fault.
    public var splitBatches = 0
    /// Operations pulled that were new to this device.
    public var pulled = 0
    /// Operations received in pull pages, including this device's own coming back (left out once the replica
    /// holds them all, `LocalReplica.holdsOwnOperations`).
    public var received = 0
    /// Whether the venue list was refreshed (it is kept as it was if the last request failed).
    public var venuesRefreshed = false
    /// The devices enrolled for this device's user, as the last pulled page told them (`EnrolmentNotice`).
    public var enrolments: [EnrolmentNotice] = []
    /// Whether the server's history changed (it was restored from a backup), so everything this device holds of
    /// its own was offered again and the pull started over (`LocalReplica.adoptHistoryEpoch`).
    public var historyChanged = false

    public init() {}
}

/// One step of a sync, for progress display.
public enum SyncProgress: Sendable, Hashable {
    case pushed(batch: Int, total: Int)
    case pulled(page: Int, total: Int)
}
