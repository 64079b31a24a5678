import Foundation
import Models
import Synchronization

/// The identity of a store's history of operations: a random text made with the store, and made anew each time
/// the store is restored from a backup.
///
/// A restore forgets the operations the server acknowledged after the backup was taken, while devices still hold
/// them. Every push and pull answer carries the epoch (`PullResponse.historyEpoch`); a device that sees it change
/// offers everything it holds again and pulls from the start, so the server takes back what it lost (pushes are
/// idempotent by operation id) and every device gets what the others pushed again.
public protocol HistoryEpochs: Sendable {
    /// The current epoch.
    func historyEpoch() async throws -> String

    /// Gives the history a new epoch and records in the audit log that the store was restored from a backup,
    /// in one transaction. Run by `admin restore` on the restored store, before any server serves it.
    /// - Returns: the new epoch.
    func beginHistoryEpoch(restoredBy caller: Caller, from backup: String, now: Date) async throws -> String
}

extension HistoryEpochs {
    /// A new random epoch: 32 hexadecimal digits, like the ones the schema makes.
    static func newEpoch() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// The audit entry of a restore: from which backup, and which history it left and began.
    static func restoreEntry(caller: Caller, backup: String, previous: String, epoch: String, now: Date) -> AuditEntry {
        AuditEntry(
            at: now,
            caller: caller,
            action: .storeRestored,
            reason: "restored from the backup \(TextRules.escaped(backup)); history \(previous) became \(epoch)",
            subject: epoch
        )
    }
}

/// The epoch as the server read it once: a store is restored only while no server runs on it.
final class HistoryEpochCache: Sendable {
    private let store: any HistoryEpochs
    private let cached = Mutex<String?>(nil)

    init(store: any HistoryEpochs) {
        self.store = store
    }

    func epoch() async throws -> String {
        if let epoch = cached.withLock({ $0 }) { return epoch }
        let epoch = try await store.historyEpoch()
        cached.withLock { $0 = epoch }
        return epoch
    }
}
