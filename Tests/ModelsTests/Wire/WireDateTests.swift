import Foundation
import Models
import TestSupport
import Testing

@Suite("Wire dates")
struct WireDateTests {
    @Test(
        "formats a time as ISO-8601 UTC with milliseconds",
        arguments: [
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (1_795_304_400_123, "2026-11-21T23:40:00.123Z"),
            (1_795_304_400_007, "2026-11-21T23:40:00.007Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_835_438_400_005, "2028-02-29T12:00:00.005Z"),
            (1_830_297_599_999, "2027-12-31T23:59:59.999Z"),
            (4_107_542_399_000, "2100-02-28T23:59:59.000Z"),
            (-2_203_891_200_000, "1900-03-01T00:00:00.000Z"),
        ] as [(Int64, String)]
    )
    func format(_ milliseconds: Int64, _ text: String) {
        let date = Date(millisecondsSince1970: milliseconds)
        #expect(WireCoding.formatDate(date) == text)
        #expect(WireCoding.parseDate(text) == date)
    }

    @Test(
        "parses the ISO-8601 forms it accepts",
        arguments: [
            ("2026-11-21T23:40:00Z", 1_795_304_400_000),
            ("2026-11-21T23:40:00.1Z", 1_795_304_400_100),
            ("2026-11-21T23:40:00.12Z", 1_795_304_400_120),
            ("2026-11-21T23:40:00.123Z", 1_795_304_400_123),
            ("2026-11-21T23:40:00.123999Z", 1_795_304_400_123),
            ("2026-11-22T00:40:00.123+01:00", 1_795_304_400_123),
            ("2026-11-21T18:40:00-05:00", 1_795_304_400_000),
            ("2026-11-21t23:40:00z", 1_795_304_400_000),
        ] as [(String, Int64)]
    )
    func parse(_ text: String, _ milliseconds: Int64) {
        #expect(WireCoding.parseDate(text) == Date(millisecondsSince1970: milliseconds))
    }

    @Test(
        "refuses text that is not an ISO-8601 time",
        arguments: [
            "", "yesterday", "2026-11-21", "21/11/2026 23:40", "2026-11-21T23:40:00", "2026-11-21 23:40:00Z",
            "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-21T24:00:00Z",
            "2026-11-21T23:60:00Z", "2026-11-21T23:40:60Z", "2026-11-21T23:40:00.Z", "2026-11-21T23:40:00Z ",
            "2026-11-21T23:40:00+0100", "26-11-21T23:40:00Z", "2026-11-21T23:40Z",
        ]
    )
    func refuse(_ text: String) {
        #expect(WireCoding.parseDate(text) == nil)
    }

    @Test("formatting agrees with the Gregorian calendar on 2000 random seconds from 1900 to 2200")
    func agreesWithCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var random = SeededGenerator(seed: 0xE3B0_C442)
        for _ in 0..<2000 {
            let seconds = Int64.random(in: -2_208_988_800...7_258_118_400, using: &random)
            let date = Date(millisecondsSince1970: seconds * 1000)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.000Z",
                parts.year!,
                parts.month!,
                parts.day!,
                parts.hour!,
                parts.minute!,
                parts.second!
            )
            guard WireCoding.formatDate(date) == expected else {
                Issue.record("\(seconds) s formats as \(WireCoding.formatDate(date)), the calendar says \(expected)")
                return
            }
        }
    }

    @Test("every whole-millisecond time survives format and parse exactly")
    func exactRoundTrip() {
        var random = SeededGenerator(seed: 0x5EED)
        for _ in 0..<20_000 {
            let milliseconds = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &random)
            let date = Date(millisecondsSince1970: milliseconds)
            guard date.millisecondsSince1970 == milliseconds,
                date.truncatedToMilliseconds == date,
                WireCoding.parseDate(WireCoding.formatDate(date)) == date
            else {
                Issue.record("\(milliseconds) ms does not survive: \(WireCoding.formatDate(date))")
                return
            }
        }
    }

    @Test("a system-clock time, truncated to milliseconds, survives a JSON round trip exactly")
    func systemClockRoundTrip() throws {
        for offset in stride(from: -86_400.0, through: 86_400.0, by: 997.0001) {
            let date = Date().addingTimeInterval(offset).truncatedToMilliseconds
            #expect(try roundTrip([date]) == [date])
        }
    }

    @Test("truncation cuts below the millisecond, and never moves a time later")
    func truncationCuts() {
        let date = Date(timeIntervalSince1970: 1_795_304_400.123_4)
        #expect(date.millisecondsSince1970 == 1_795_304_400_123)
        #expect(date.truncatedToMilliseconds <= date)
        #expect(WireCoding.formatDate(date) == "2026-11-21T23:40:00.123Z")
    }

    @Test("a time just under a millisecond boundary is cut down, not rounded up")
    func justUnderBoundary() {
        let date = Date(timeIntervalSince1970: 1.000_999_5)
        #expect(date.millisecondsSince1970 == 1000)
        #expect(date.truncatedToMilliseconds <= date)
    }
}
