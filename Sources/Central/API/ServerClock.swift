import Foundation
import Models
import Synchronization

/// The server's hybrid logical clock, shared by all requests: it moves past every stamp it stores so the
/// stamps it hands to devices are never behind what they will pull.
final class ServerClock: Sendable {
    private let clock = Mutex(HybridLogicalClock())

    /// A stamp for now, after everything observed.
    func now(observing stamp: HLCTimestamp = .zero) -> HLCTimestamp {
        clock.withLock { clock in
            clock.observe(stamp)
            return clock.tick(wallMilliseconds: Date().millisecondsSince1970)
        }
    }
}
