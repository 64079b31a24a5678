import Foundation

/// A reading of a device's boot clock: the time since the device started, counting time asleep, which no
/// setting of the wall clock moves. Comparable only within one boot, so it names the boot.
public struct BootInstant: Sendable, Hashable, Codable {
    /// The boot this reading belongs to (Linux: `/proc/sys/kernel/random/boot_id`).
    public var bootId: String
    /// Milliseconds since that boot (Linux: `CLOCK_BOOTTIME`).
    public var milliseconds: Int64

    public init(bootId: String, milliseconds: Int64) {
        self.bootId = bootId
        self.milliseconds = milliseconds
    }
}

/// What a device reads when it needs the time: its wall clock, which may be wrong by hours, and its boot clock,
/// which cannot be set (nil where it cannot be read).
public struct DeviceTime: Sendable, Hashable {
    public var wall: Date
    public var boot: BootInstant?

    public init(wall: Date, boot: BootInstant?) {
        self.wall = wall
        self.boot = boot
    }
}

/// The server's time as a device last heard it, tied to the device's own clocks at that moment, so that the
/// device can tell the time by the server's clock while offline.
///
/// Within the boot it was taken in, the time is the server's time then plus the boot clock's time since: no
/// wrong or changed wall clock moves it. After a restart of the device, the wall clock corrected by the offset
/// measured then. Before any anchor, the wall clock alone.
public struct ClockAnchor: Sendable, Hashable {
    /// The server's wall clock, in milliseconds since 1970, when its answer arrived.
    public var serverMilliseconds: Int64
    /// The device's boot clock when the answer arrived.
    public var boot: BootInstant?
    /// The server's time minus the device's wall clock when the answer arrived: how far the device's wall clock
    /// is behind (positive) or ahead (negative).
    public var wallOffsetMilliseconds: Int64

    /// Longest a boot clock reading is trusted to have run since the anchor: beyond it the device's wall clock
    /// and the last offset are used, as after a restart.
    public static let longestTrustedInterval: Int64 = 30 * 24 * 3_600_000

    public init(serverMilliseconds: Int64, boot: BootInstant?, wallOffsetMilliseconds: Int64) {
        self.serverMilliseconds = serverMilliseconds
        self.boot = boot
        self.wallOffsetMilliseconds = wallOffsetMilliseconds
    }

    /// The anchor for a server time heard at `time`.
    public init(serverTime: Date, heardAt time: DeviceTime) {
        let server = serverTime.millisecondsSince1970
        self.init(
            serverMilliseconds: server,
            boot: time.boot,
            wallOffsetMilliseconds: server - time.wall.millisecondsSince1970
        )
    }

    /// The server's time at the instant the device read `time` (now, or an instant it kept), as well as this
    /// device can tell it.
    public func estimate(at time: DeviceTime) -> Date {
        if let anchorBoot = boot, let bootNow = time.boot, bootNow.bootId == anchorBoot.bootId {
            let elapsed = bootNow.milliseconds - anchorBoot.milliseconds
            if (-Self.longestTrustedInterval...Self.longestTrustedInterval).contains(elapsed) {
                return Date(millisecondsSince1970: serverMilliseconds + elapsed)
            }
        }
        return Date(millisecondsSince1970: time.wall.millisecondsSince1970 + wallOffsetMilliseconds)
    }

    /// The time at `time` by an anchor if there is one, else by the wall clock.
    public static func estimate(_ anchor: ClockAnchor?, at time: DeviceTime) -> Date {
        anchor?.estimate(at: time) ?? time.wall
    }
}

/// How far ahead of its own estimate of the time a device lets its hybrid logical clock be pulled by stamps it
/// receives: enough for the skew between devices anchored to the same server, small enough that a stamp from
/// a device with a wrong clock cannot carry this one's stamps far ahead.
public let maxAdoptedClockLead: TimeInterval = 60

/// How far a device's wall clock may be from the server's before `sync` and `status` say so.
public let reportedWallClockOffset: TimeInterval = 60
