import Foundation
import Synchronization

extension UUID {
    /// A new id that sorts after the ids made before it in this process: an RFC 9562 version 7 UUID
    /// (48 bits of Unix milliseconds, a 12-bit counter within the millisecond, 62 random bits).
    ///
    /// Operation and record ids are the keys of the stores' unique indexes. Random (version 4) ids land on
    /// random index pages, so every stored batch rewrote most of each index; ids made in time order are appended
    /// at the end of it, on both the device and the server. They are still unique without coordination (the
    /// random bits) and carry no more than the time the device made them, which the record states anyway.
    public static func timeOrdered(now: Date = Date()) -> UUID {
        let (milliseconds, counter) = TimeOrderedState.next(
            milliseconds: UInt64(max(0, now.timeIntervalSince1970 * 1000))
        )
        var random = SystemRandomNumberGenerator()
        let tail = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(index))) }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: tail >> 56) & 0x3F
        for index in 9..<16 { bytes[index] = UInt8(truncatingIfNeeded: tail >> (8 * UInt64(15 - index))) }
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }
}

/// The last (millisecond, counter) handed out, so ids made in the same millisecond — or after the wall clock
/// stepped back — still increase.
private enum TimeOrderedState {
    private static let last = Mutex<(milliseconds: UInt64, counter: UInt16)>((0, 0))

    static func next(milliseconds now: UInt64) -> (UInt64, UInt16) {
        last.withLock { last in
            if now > last.milliseconds {
                last = (now, 0)
            } else if last.counter < 0x0FFF {
                last.counter += 1
            } else {
                last = (last.milliseconds + 1, 0)
            }
            return (last.milliseconds, last.counter)
        }
    }
}
