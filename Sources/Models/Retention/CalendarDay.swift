import Foundation

/// A calendar day in Europe/London, such as 2032-11-21: what a retention review date is. A record falls due on
/// its day from midnight in London, whatever the offset from UTC that day.
public struct CalendarDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// The time zone review dates are kept in.
    public static let timeZone = TimeZone(identifier: "Europe/London")!

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// The day `date` falls on in London.
    public init(londonDayOf date: Date) {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        self.year = parts.year!
        self.month = parts.month!
        self.day = parts.day!
    }

    /// Parses `YYYY-MM-DD`; nil unless it is a real day (no 2033-02-30) from year 2000 to 9999.
    public init?(text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (2000...9999).contains(year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
        guard CalendarDay(londonDayOf: startInLondon) == self else { return nil }
    }

    /// Midnight at the start of the day in London.
    public var startInLondon: Date {
        Self.calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// The day a period after this one (2024-02-29 plus a year is 2025-02-28).
    public func adding(_ period: RetentionPeriod) -> CalendarDay {
        let components = DateComponents(year: period.years, month: period.months, day: period.days)
        // Noon, so no clock change can move the result to another day.
        let noon = Self.calendar.date(byAdding: .hour, value: 12, to: startInLondon)!
        return CalendarDay(londonDayOf: Self.calendar.date(byAdding: components, to: noon)!)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        ISO8601Time.dateText(year: year, month: month, day: day)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = CalendarDay(text: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "A day is written YYYY-MM-DD.")
            )
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
