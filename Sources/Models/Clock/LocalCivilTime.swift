import Foundation

/// The local date and hour of an instant in a time zone, by integer arithmetic on the zone's offset at that
/// instant: what `Calendar.dateComponents([.year, .month, .day, .hour], from:)` answers, without its cost.
/// Stores compute a record's night and hour for every operation they take in.
struct LocalCivilTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    /// Days since 1970-01-01 of the local date.
    var dayNumber: Int64

    init(_ instant: Date, in zone: TimeZone) {
        let offset = Int64(zone.secondsFromGMT(for: instant)) * 1000
        let local = instant.millisecondsSince1970 + offset
        let (days, millisecondOfDay) = ISO8601Time.floorDivide(local, 86_400_000)
        let (year, month, day) = ISO8601Time.civilDate(daysSince1970: days)
        self.year = Int(year)
        self.month = Int(month)
        self.day = Int(day)
        hour = Int(millisecondOfDay / 3_600_000)
        dayNumber = days
    }

    /// The local date a number of days before this one.
    func date(daysBefore count: Int64) -> (year: Int, month: Int, day: Int) {
        let (year, month, day) = ISO8601Time.civilDate(daysSince1970: dayNumber - count)
        return (Int(year), Int(month), Int(day))
    }
}
