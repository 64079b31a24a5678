import Foundation
import Testing

@testable import Models

/// The nights and hours the stores compute for every operation are worked out by arithmetic on the zone's offset;
/// they must be exactly what the calendar says, clock changes included.
@Suite("Local civil time")
struct LocalCivilTimeTests {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = OperationalNight.timeZone
        return calendar
    }()

    /// Every 7 minutes and 13 seconds over four years (an odd step, so every minute of the hour is visited), and
    /// every minute of the hours around each clock change of those years.
    private static let instants: [Date] = {
        let start = WireCoding.parseDate("2025-01-01T00:00:00Z")!.timeIntervalSince1970
        let end = WireCoding.parseDate("2029-01-01T00:00:00Z")!.timeIntervalSince1970
        var instants = stride(from: start, to: end, by: 433).map { Date(timeIntervalSince1970: $0) }
        for change in ["2025-03-30", "2025-10-26", "2026-03-29", "2026-10-25", "2027-03-28", "2027-10-31"] {
            let oneUTC = WireCoding.parseDate("\(change)T01:00:00Z")!.timeIntervalSince1970
            instants += stride(from: oneUTC - 3 * 3600, to: oneUTC + 3 * 3600, by: 60).map {
                Date(timeIntervalSince1970: $0)
            }
        }
        return instants
    }()

    @Test("the local date and hour are the calendar's, across four years and every clock change")
    func matchesTheCalendar() {
        var mismatches = 0
        for instant in Self.instants {
            let local = LocalCivilTime(instant, in: OperationalNight.timeZone)
            let expected = Self.calendar.dateComponents([.year, .month, .day, .hour], from: instant)
            if (local.year, local.month, local.day, local.hour)
                != (expected.year!, expected.month!, expected.day!, expected.hour!)
            {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        #expect(Self.instants.count > 290_000)
    }

    @Test("the night of an instant is the calendar's: the date before when before 06:00, none in the day")
    func nightMatchesTheCalendar() {
        var mismatches = 0
        for instant in Self.instants {
            let hour = Self.calendar.component(.hour, from: instant)
            var expected: String?
            if hour >= OperationalNight.startHour {
                expected = Self.text(Self.calendar.dateComponents([.year, .month, .day], from: instant))
            } else if hour < OperationalNight.endHour {
                let dayBefore = Self.calendar.date(byAdding: .day, value: -1, to: instant)!
                expected = Self.text(Self.calendar.dateComponents([.year, .month, .day], from: dayBefore))
            }
            if OperationalNight.containing(instant)?.description != expected { mismatches += 1 }
            if DashboardNight.hour(of: instant) != hour { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("dates are written YYYY-MM-DD with their zeros", arguments: [(2026, 3, 9), (2031, 12, 31), (0, 1, 1)])
    func dateText(_ year: Int, _ month: Int, _ day: Int) {
        #expect(
            ISO8601Time.dateText(year: year, month: month, day: day)
                == String(format: "%04d-%02d-%02d", year, month, day)
        )
    }

    private static func text(_ parts: DateComponents) -> String {
        String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
