import Foundation
import GRDB
import Models

extension LocalReplica {
    /// The server's time as this device last heard it, if it has heard it.
    public func clockAnchor() throws -> ClockAnchor? {
        try database.read { try Self.clockAnchor($0) }
    }

    /// The time now by the server's clock, as well as this device can tell it (`ClockAnchor`): what stamps
    /// operations and what a record's time is when none is given.
    public func estimatedTime(at time: DeviceTime = DeviceClock.now()) throws -> Date {
        ClockAnchor.estimate(try clockAnchor(), at: time)
    }

    static func clockAnchor(_ db: Database) throws -> ClockAnchor? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT anchorServerTime, anchorBootId, anchorBootTime, anchorWallOffset FROM syncState"
                )
            ),
            let server: Int64 = row["anchorServerTime"], let offset: Int64 = row["anchorWallOffset"]
        else { return nil }
        let bootId: String? = row["anchorBootId"]
        let bootTime: Int64? = row["anchorBootTime"]
        return ClockAnchor(
            serverMilliseconds: server,
            boot: bootId.flatMap { id in bootTime.map { BootInstant(bootId: id, milliseconds: $0) } },
            wallOffsetMilliseconds: offset
        )
    }

    /// Anchors this device's clock to a server time heard at `time`, then moves its hybrid logical clock past
    /// `stamp` (the server's clock, or the latest stamp of a pulled page) — but never further than
    /// `maxAdoptedClockLead` ahead of the anchored time, and, if it ran ahead of that before (a wrong wall
    /// clock before the first sync), back to it.
    static func observe(_ stamp: HLCTimestamp, serverTime: Date?, heardAt time: DeviceTime, db: Database) throws {
        if let serverTime {
            let anchor = ClockAnchor(serverTime: serverTime, heardAt: time)
            try db.execute(
                sql: """
                    UPDATE syncState SET anchorServerTime = ?, anchorBootId = ?, anchorBootTime = ?,
                        anchorWallOffset = ?
                    """,
                arguments: [
                    anchor.serverMilliseconds, anchor.boot?.bootId, anchor.boot?.milliseconds,
                    anchor.wallOffsetMilliseconds,
                ]
            )
        }
        let anchor = try clockAnchor(db)
        let limit = anchor.map { clockLimit($0, at: time) }
        let adopted = max(try clock(db), min(stamp, limit ?? stamp))
        try db.execute(
            sql: "UPDATE syncState SET clock = ?",
            arguments: [try capped(adopted, anchor: anchor, at: time, db: db).rawValue]
        )
    }

    /// The hybrid logical clock to stamp this device's next operations with, and the time to stamp them at.
    static func stampingClock(at time: DeviceTime, db: Database) throws -> (clock: HybridLogicalClock, now: Date) {
        let anchor = try clockAnchor(db)
        let latest = try capped(try clock(db), anchor: anchor, at: time, db: db)
        return (HybridLogicalClock(latest: latest), ClockAnchor.estimate(anchor, at: time))
    }

    /// The latest stamp this device's clock may hold at `time`: the anchored time plus `maxAdoptedClockLead`.
    private static func clockLimit(_ anchor: ClockAnchor, at time: DeviceTime) -> HLCTimestamp {
        let limit = anchor.estimate(at: time).millisecondsSince1970 + Int64(maxAdoptedClockLead * 1000)
        return HLCTimestamp(wallMilliseconds: limit, counter: UInt16.max)
    }

    /// `latest`, or — once anchored, when it is beyond the limit at `time` — the latest of the anchored time and
    /// this device's own stamps the server holds (so its next operation still orders after its own earlier ones).
    private static func capped(
        _ latest: HLCTimestamp,
        anchor: ClockAnchor?,
        at time: DeviceTime,
        db: Database
    ) throws -> HLCTimestamp {
        guard let anchor else { return latest }
        let limit = clockLimit(anchor, at: time)
        guard latest > limit else { return latest }
        let ownHeld = try Int64.fetchOne(
            db,
            sql: "SELECT MAX(hlc) FROM operation WHERE outbox = '\(OutboxState.acknowledged.rawValue)'"
        ).map(HLCTimestamp.init(rawValue:))
        let now = HLCTimestamp(wallMilliseconds: anchor.estimate(at: time).millisecondsSince1970, counter: 0)
        return max(now, min(ownHeld ?? .zero, limit))
    }
}
