import Foundation

/// An operational night: the shift from 18:00 on one day to 06:00 the next, Europe/London local time, named by
/// the date it begins on (`2026-11-21` is 18:00 on Saturday 21 November to 06:00 on Sunday the 22nd).
///
/// The one mapping from an instant to its night, for listings, searches and the dashboard. Clock changes are
/// handled by the calendar: 18:00 and 06:00 never fall in the hour that is skipped or repeated (the UK changes at
/// 01:00 UTC), so a night is 12 hours long but 11 on the night the clocks go forward and 13 on the night they go
/// back, and both passes through the repeated hour belong to the same night.
///
/// An instant from 06:00 to 18:00 local time belongs to **no** night (`containing` answers nil): a 14:00
/// sighting is daytime, not part of the night before or after.
public struct OperationalNight: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The time zone nights are counted in.
    public static let timeZone = TimeZone(identifier: "Europe/London")!
    /// The local hour a night starts (18:00) and the hour the next morning it ends (06:00).
    public static let startHour = 18
    public static let endHour = 6

    /// The night beginning on this local date; nil when the date does not exist (such as 2026-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard let midday = Self.calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)),
            Self.calendar.dateComponents([.year, .month, .day], from: midday)
                == DateComponents(year: year, month: month, day: day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The night named by its first date, as `YYYY-MM-DD`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The night an instant belongs to, or nil when it is between 06:00 and 18:00 local time.
    public static func containing(_ instant: Date) -> OperationalNight? {
        // Local dates are real dates: no need to check them again through the calendar.
        let local = LocalCivilTime(instant, in: timeZone)
        if local.hour >= startHour {
            return OperationalNight(checkedYear: local.year, month: local.month, day: local.day)
        }
        guard local.hour < endHour else { return nil }
        let previous = local.date(daysBefore: 1)
        return OperationalNight(checkedYear: previous.year, month: previous.month, day: previous.day)
    }

    private init(checkedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// 18:00 local time on the night's first date.
    public var start: Date {
        Self.calendar.date(from: DateComponents(year: year, month: month, day: day, hour: Self.startHour))!
    }

    /// 06:00 local time on the next date (the first instant after the night).
    public var end: Date {
        let midday = Self.calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
        var next = Self.calendar.dateComponents(
            [.year, .month, .day],
            from: Self.calendar.date(byAdding: .day, value: 1, to: midday)!
        )
        next.hour = Self.endHour
        return Self.calendar.date(from: next)!
    }

    /// Whether an instant is in this night.
    public func contains(_ instant: Date) -> Bool { instant >= start && instant < end }

    /// The night's name, `YYYY-MM-DD`.
    public var description: String {
        ISO8601Time.dateText(year: year, month: month, day: day)
    }

    public static func < (lhs: OperationalNight, rhs: OperationalNight) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()
}
