import Foundation
import Logging
import ServiceLifecycle

/// The service that seals the audit log: every `interval` it gives the entries committed since the last seal
/// their leaves and stores a signed head (`AuditTrail.sealAudit`). Any number of instances may run one; on
/// PostgreSQL an advisory lock lets one seal at a time, so another takes over when it stops. On a graceful
/// shutdown it seals once more, so what was written before is in the tree.
public struct AuditSealer: Service {
    let store: any AuditTrail
    let key: AuditSigningKey
    let interval: Duration
    let logger: Logger

    /// Entries taken into one seal at most (one transaction); a backlog is sealed in several at once.
    static let batchLimit = 10_000

    public init(store: any AuditTrail, key: AuditSigningKey, interval: Duration = .milliseconds(500), logger: Logger) {
        self.store = store
        self.key = key
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await sealAll()
                EmpowerMetrics.recordSealing(succeeded: true)
                if failing { logger.notice("The audit log is sealed again.") }
                failing = false
            } catch {
                EmpowerMetrics.recordSealing(succeeded: false)
                // Said once per run of failures: a full disk or a lost database must not fill the log.
                if !failing {
                    logger.warning(
                        "The audit log cannot be sealed now; trying again.",
                        metadata: ["error": "\(type(of: error))"]
                    )
                }
                failing = true
            }
            try? await Task.sleep(for: interval)
        }
        try? await sealAll()
    }

    /// Seals until nothing committed is left unsealed.
    func sealAll() async throws {
        while let head = try await store.sealAudit(key: key, now: Date(), limit: Self.batchLimit) {
            logger.trace("Audit log sealed.", metadata: ["treeSize": "\(head.size)"])
            EmpowerMetrics.recordTreeSize(head.size)
            if Task.isCancelled { return }
        }
    }
}
