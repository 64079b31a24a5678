import Foundation
import Models

/// Says how far this device's wall clock is from the server's, as measured at the last sync.
enum ClockOffsetText {
    /// A sentence when the wall clock is off by more than `reportedWallClockOffset`, else nil.
    static func warning(_ anchor: ClockAnchor?) -> String? {
        guard let anchor, Double(abs(anchor.wallOffsetMilliseconds)) > reportedWallClockOffset * 1000 else {
            return nil
        }
        let direction = anchor.wallOffsetMilliseconds < 0 ? "ahead of" : "behind"
        return "This device's wall clock is \(duration(abs(anchor.wallOffsetMilliseconds))) \(direction) the server's. "
            + "Records are stamped by the server's time all the same; set the device's clock right."
    }

    /// The `status` line: in step, off by how much, or not yet compared.
    static func statusLine(_ anchor: ClockAnchor?) -> String {
        guard let anchor else { return "not compared with the server's yet (no sync)" }
        guard Double(abs(anchor.wallOffsetMilliseconds)) > reportedWallClockOffset * 1000 else {
            return "in step with the server's at the last sync"
        }
        let direction = anchor.wallOffsetMilliseconds < 0 ? "ahead of" : "behind"
        return "\(duration(abs(anchor.wallOffsetMilliseconds))) \(direction) the server's at the last sync: "
            + "set the device's clock right (records are stamped by the server's time)"
    }

    /// "2 h 5 min", "3 min 20 s", "45 s".
    static func duration(_ milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60)
        if hours > 0 { return "\(hours) h \(minutes) min" }
        if minutes > 0 { return "\(minutes) min \(rest) s" }
        return "\(rest) s"
    }
}
