import Foundation
import Models

#if canImport(Glibc)
import Glibc
#endif

/// Reads this device's clocks: the wall clock, and the boot clock that no setting of the wall clock moves.
public enum DeviceClock {
    /// Both clocks now.
    public static func now() -> DeviceTime {
        DeviceTime(wall: Date(), boot: boot())
    }

    /// The boot clock now (`CLOCK_BOOTTIME`, which counts time asleep), or nil where the boot cannot be named.
    public static func boot() -> BootInstant? {
        #if os(Linux)
        guard let bootId else { return nil }
        var time = timespec()
        guard clock_gettime(CLOCK_BOOTTIME, &time) == 0 else { return nil }
        return BootInstant(bootId: bootId, milliseconds: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
        #else
        return nil
        #endif
    }

    /// The kernel's id of this boot: a new one after every restart.
    private static let bootId: String? = {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else {
            return nil
        }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }()
}
