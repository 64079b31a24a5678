import Synchronization

/// Durations a shared lock was held, kept for benchmarks (`PostgresCentralStore.positionLockHolds`).
public final class LockHoldRecorder: Sendable {
    private let holds = Mutex<[Duration]>([])

    init() {}

    func record(_ hold: Duration) { holds.withLock { $0.append(hold) } }

    /// Every hold recorded so far, in seconds, and forgets them.
    public func take() -> [Double] {
        holds.withLock { holds in
            defer { holds = [] }
            return holds.map { Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18 }
        }
    }
}
