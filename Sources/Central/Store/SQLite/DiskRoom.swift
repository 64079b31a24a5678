import Foundation
import Logging
import Synchronization

/// Keeps pushes off the disk that holds the SQLite store while it is too full to recover from, and says so in
/// the log once each time that begins and ends.
///
/// Pushes are refused (`StoreUnavailable.diskFull`) once less than the reserve's size is free besides the
/// reserve, so that there is still room for the audit entries of reads, account changes and SQLite's own
/// work; and after any write failed for lack of space, which also releases the reserve (`DiskReserve`). They are
/// taken again once the reserve is back in place with its size and half as much again (at least 1 MB) free
/// beside it. Free space is looked at (`statvfs`) no more than once a second, by the pushes that ask.
final class DiskRoom: Sendable {
    enum State: Sendable, Equatable {
        /// Pushes are taken.
        case open
        /// Pushes are refused: little room is left, and the reserve is still in place.
        case low
        /// Pushes are refused: a write failed for lack of space, and the reserve was released.
        case full
    }

    let directory: URL
    let reserve: DiskReserve
    private let logger: Logger
    private let status = Mutex<(state: State, checkedAt: ContinuousClock.Instant?)>((.open, nil))

    init(directory: URL, reserve: DiskReserve, logger: Logger) {
        self.directory = directory
        self.reserve = reserve
        self.logger = logger
    }

    /// Free space, besides the reserve, under which pushes stop.
    private var lowWater: Int64 { reserve.bytes }

    /// Free space, besides the reserve in place, from which pushes are taken again.
    private var highWater: Int64 { reserve.bytes + max(reserve.bytes / 2, 1 << 20) }

    /// Whether a push may be stored now; looks at the free space if that was not done in the last second, and
    /// puts the reserve back in place when there is room for it.
    func admitsPushes(now: ContinuousClock.Instant = .now) -> Bool {
        let (before, after, free) = look(now: now)
        if before != after, let free { log(from: before, to: after, free: free) }
        return after == .open
    }

    /// The first look at the free space, at start: puts the reserve in place, or says that pushes are refused.
    func start() {
        let (before, after, free) = look(now: .now)
        guard before != after, let free else { return }
        guard before == .open, after == .low else { return log(from: before, to: after, free: free) }
        logger.warning(
            """
            Started with pushes refused: \(Self.size(free)) is free on the disk that holds the central store \
            (\(directory.path)), short of the \(Self.size(resumingFree)) it takes to keep a reserve of \
            \(Self.size(reserve.bytes)) and room beside it. Reads go on; pushes are refused with 503 until there \
            is room.
            """,
            metadata: ["disk.free_bytes": "\(free)"]
        )
    }

    /// The state before and after looking at the free space (unless it was looked at in the last second), and
    /// the free space seen.
    private func look(now: ContinuousClock.Instant) -> (before: State, after: State, free: Int64?) {
        status.withLock { status in
            if let checkedAt = status.checkedAt, now - checkedAt < .seconds(1) {
                return (status.state, status.state, nil)
            }
            let before = status.state
            status.checkedAt = now
            guard let free = DiskReserve.freeBytes(on: directory) else { return (before, before, nil) }
            status.state = next(after: before, free: free)
            return (before, status.state, free)
        }
    }

    /// A write failed for lack of space: releases the reserve and refuses pushes until there is room again.
    /// - Returns: the bytes the reserve gave back (0 when it was not there).
    @discardableResult
    func noteDiskFull(atStart: Bool = false, now: ContinuousClock.Instant = .now) -> Int64 {
        let entered = status.withLock { status in
            defer { status = (.full, now) }
            return status.state != .full
        }
        let released = reserve.release()
        guard entered else { return released }
        logger.critical(
            """
            Disk full\(atStart ? " at start" : ""): the disk that holds the central store (\(directory.path)) \
            has no room \(atStart ? "to open it for writing" : "for a write"). \
            \(released > 0 ? "Released its \(Self.size(released)) reserve so that reads go on. " : "")\
            Pushes are refused with 503 until \(Self.size(resumingFree)) are free on it.
            """,
            metadata: freeMetadata
        )
        return released
    }

    /// The store was opened read-only for want of room: says what that means.
    func noteReadOnly() {
        logger.critical(
            """
            Started read-only: the disk that holds the central store (\(directory.path)) has no room to open it \
            for writing. Only health and the venue list are served; every write, and every read that must be \
            audited, is refused with 503 until \(Self.size(resumingFree)) are free on it, when the store is \
            opened for writing again.
            """,
            metadata: freeMetadata
        )
    }

    /// The store, opened read-only at start, is open for writing again.
    func noteOpenedForWriting() {
        logger.notice("The central store (\(directory.path)) is open for writing again.")
    }

    /// The state the free space calls for; puts the reserve back in place on the way to `.open`.
    private func next(after state: State, free: Int64) -> State {
        let inPlace = reserve.isInPlace
        let spare = free - (inPlace ? 0 : reserve.bytes)
        switch state {
        case .open where spare < lowWater:
            return .low
        case .low where spare < highWater, .full where spare < highWater:
            return state
        default:
            if inPlace { return .open }
            do {
                try reserve.create()
                return .open
            } catch {
                return state == .open ? .low : state
            }
        }
    }

    private func log(from before: State, to after: State, free: Int64) {
        switch after {
        case .low:
            logger.warning(
                """
                Disk space low: less than \(Self.size(lowWater)) is free on the disk that holds the central store \
                (\(directory.path)) besides its reserve. Pushes are refused with 503 until \
                \(Self.size(resumingFree)) are free on it; reads go on.
                """,
                metadata: ["disk.free_bytes": "\(free)"]
            )
        case .open:
            logger.notice(
                """
                Disk space recovered: \(Self.size(free)) free on the disk that holds the central store \
                (\(directory.path)), its reserve in place; pushes are taken again.
                """,
                metadata: ["disk.free_bytes": "\(free)"]
            )
        case .full:
            break  // said by noteDiskFull
        }
    }

    /// The free space from which pushes are taken again, the reserve still to be made if it is not in place.
    private var resumingFree: Int64 { highWater + (reserve.isInPlace ? 0 : reserve.bytes) }

    private var freeMetadata: Logger.Metadata {
        DiskReserve.freeBytes(on: directory).map { ["disk.free_bytes": "\($0)"] } ?? [:]
    }

    /// Bytes in megabytes, for a person: "64 MB", "1.5 MB".
    static func size(_ bytes: Int64) -> String {
        let megabytes = Double(bytes) / 1_048_576
        if megabytes >= 10 || megabytes == megabytes.rounded() { return "\(Int(megabytes.rounded())) MB" }
        return "\((megabytes * 10).rounded() / 10) MB"
    }
}
