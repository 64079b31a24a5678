import Foundation

/// The operational night and local hour the dashboard groups a record by: a night runs from 18:00 to 06:00
/// Europe/London and is named by the date it starts on, whatever the clock change does to its length (on the
/// night the clocks go back, 01:00–02:00 happens twice and both count as hour 1).
///
/// The nights themselves are `OperationalNight`'s; this adds the dashboard's text forms, hours and weeks.
public enum DashboardNight {
    /// The zone nights and hours are read in.
    public static let zone = OperationalNight.timeZone

    /// The night `date` falls in, as `yyyy-MM-dd` of its start; nil between 06:00 and 18:00 local time.
    public static func night(of date: Date) -> String? {
        OperationalNight.containing(date)?.description
    }

    /// The local hour (0–23) of `date`.
    public static func hour(of date: Date) -> Int {
        LocalCivilTime(date, in: zone).hour
    }

    /// The instant a night (`yyyy-MM-dd`) starts, 18:00 local time; nil for text that is not a date.
    public static func start(ofNight night: String) -> Date? {
        let parts = night.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, night.count == 10 else { return nil }
        return OperationalNight(year: parts[0], month: parts[1], day: parts[2])?.start
    }

    /// The local midnight that begins the calendar date `yyyy-MM-dd` (for period filters); nil when not a date.
    public static func startOfDay(_ text: String) -> Date? {
        guard let evening = start(ofNight: text) else { return nil }
        return calendar.startOfDay(for: evening)
    }

    /// The local calendar date of `date`, as `yyyy-MM-dd`.
    public static func localDate(of date: Date) -> String {
        let local = LocalCivilTime(date, in: zone)
        return ISO8601Time.dateText(year: local.year, month: local.month, day: local.day)
    }

    /// The Monday starting the week a night (`yyyy-MM-dd`) belongs to.
    public static func week(ofNight night: String) -> String {
        guard let start = start(ofNight: night) else { return night }
        let weekday = calendar.component(.weekday, from: start)  // 1 Sunday … 7 Saturday
        let back = (weekday + 5) % 7
        guard let monday = calendar.date(byAdding: .day, value: -back, to: start) else { return night }
        return localDate(of: monday)
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }()
}
