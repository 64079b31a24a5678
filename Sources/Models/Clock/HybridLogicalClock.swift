import Foundation

/// A hybrid logical clock: stamps that follow the wall clock but never go backwards, and that move
/// past every stamp the device has seen from others.
///
/// It is a plain value: the owner keeps the latest stamp durably (the device stores it with each write)
/// so the clock stays monotonic across restarts and when the wall clock is set back.
public struct HybridLogicalClock: Sendable, Hashable {
    /// The latest stamp this clock has issued or observed.
    public private(set) var latest: HLCTimestamp

    public init(latest: HLCTimestamp = .zero) {
        self.latest = latest
    }

    /// Issues a stamp for a local event, later than every stamp before it.
    ///
    /// - Parameter wallMilliseconds: the wall clock now; if it is behind `latest`, the counter moves on instead.
    public mutating func tick(wallMilliseconds: Int64) -> HLCTimestamp {
        let next: HLCTimestamp
        if wallMilliseconds > latest.wallMilliseconds {
            next = HLCTimestamp(wallMilliseconds: wallMilliseconds, counter: 0)
        } else if latest.counter < UInt16.max {
            next = HLCTimestamp(wallMilliseconds: latest.wallMilliseconds, counter: latest.counter + 1)
        } else {
            next = HLCTimestamp(wallMilliseconds: latest.wallMilliseconds + 1, counter: 0)
        }
        latest = next
        return next
    }

    /// Moves the clock past a stamp received from elsewhere, so later local stamps order after it.
    public mutating func observe(_ remote: HLCTimestamp) {
        if remote > latest { latest = remote }
    }
}
