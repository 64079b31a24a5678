import Foundation
import Models
import Testing

@Suite("Operational night")
struct OperationalNightTests {
    private func instant(_ text: String) -> Date { WireCoding.parseDate(text)! }
    private func night(_ text: String) -> OperationalNight { OperationalNight(text)! }

    @Test(
        "an instant belongs to the night that began at 18:00 local time before it, until 06:00",
        arguments: [
            ("2026-11-21T18:00:00Z", "2026-11-21"),
            ("2026-11-21T23:40:00Z", "2026-11-21"),
            ("2026-11-22T00:00:00Z", "2026-11-21"),
            ("2026-11-22T05:59:59.999Z", "2026-11-21"),
            ("2026-12-31T23:30:00Z", "2026-12-31"),
            ("2027-01-01T02:00:00Z", "2026-12-31"),
            // Summer: 18:00 BST is 17:00 UTC.
            ("2026-07-03T17:00:00Z", "2026-07-03"),
            ("2026-07-04T04:59:00Z", "2026-07-03"),
        ]
    )
    func nightOfAnInstant(_ time: String, _ expected: String) {
        #expect(OperationalNight.containing(instant(time)) == night(expected))
    }

    @Test(
        "an instant from 06:00 to 18:00 local time is in no night",
        arguments: [
            "2026-11-22T06:00:00Z", "2026-11-21T14:00:00Z", "2026-11-21T17:59:59.999Z",
            // Summer: 06:00 BST is 05:00 UTC, 18:00 BST is 17:00 UTC.
            "2026-07-04T05:00:00Z", "2026-07-03T16:59:00Z",
        ]
    )
    func daytimeIsInNoNight(_ time: String) {
        #expect(OperationalNight.containing(instant(time)) == nil)
    }

    @Test("the night the clocks go back runs 13 hours, and both passes through the repeated hour are in it")
    func octoberClockChange() {
        let night = night("2026-10-24")
        #expect(night.start == instant("2026-10-24T17:00:00Z"))  // 18:00 BST
        #expect(night.end == instant("2026-10-25T06:00:00Z"))  // 06:00 GMT
        #expect(night.end.timeIntervalSince(night.start) == 13 * 3600)
        // 01:30 BST, then 01:30 GMT an hour later: the same local time, the same night.
        #expect(OperationalNight.containing(instant("2026-10-25T00:30:00Z")) == night)
        #expect(OperationalNight.containing(instant("2026-10-25T01:30:00Z")) == night)
        #expect(OperationalNight.containing(instant("2026-10-25T05:59:00Z")) == night)
        #expect(OperationalNight.containing(instant("2026-10-25T06:00:00Z")) == nil)
        #expect(OperationalNight.containing(instant("2026-10-24T16:59:00Z")) == nil)
    }

    @Test("the night the clocks go forward runs 11 hours")
    func marchClockChange() {
        let night = night("2026-03-28")
        #expect(night.start == instant("2026-03-28T18:00:00Z"))  // 18:00 GMT
        #expect(night.end == instant("2026-03-29T05:00:00Z"))  // 06:00 BST
        #expect(night.end.timeIntervalSince(night.start) == 11 * 3600)
        #expect(OperationalNight.containing(instant("2026-03-29T00:59:00Z")) == night)  // 00:59 GMT
        #expect(OperationalNight.containing(instant("2026-03-29T01:00:00Z")) == night)  // 02:00 BST
        #expect(OperationalNight.containing(instant("2026-03-29T04:59:00Z")) == night)  // 05:59 BST
        #expect(OperationalNight.containing(instant("2026-03-29T05:00:00Z")) == nil)  // 06:00 BST
        #expect(OperationalNight.containing(instant("2026-03-29T17:00:00Z")) == OperationalNight("2026-03-29"))
    }

    @Test("every instant of a year is in the night whose bounds contain it, or in none by day")
    func sweepOfAYear() {
        var london = Calendar(identifier: .gregorian)
        london.timeZone = TimeZone(identifier: "Europe/London")!
        var time = instant("2026-01-01T00:00:00Z")
        let end = instant("2027-01-01T00:00:00Z")
        while time < end {
            let hour = london.component(.hour, from: time)
            let night = OperationalNight.containing(time)
            if (6..<18).contains(hour) {
                #expect(night == nil, "\(time)")
            } else {
                #expect(night?.contains(time) == true, "\(time)")
                #expect(night.map { $0.end.timeIntervalSince($0.start) <= 13 * 3600 } == true)
            }
            time.addTimeInterval(7 * 60 + 13)  // a step that visits every minute of the day over the year
        }
    }

    @Test(
        "a night is named by the date it begins on, YYYY-MM-DD, and only a date that exists",
        arguments: [
            ("2026-11-21", true), ("2028-02-29", true), ("2026-02-29", false), ("2026-13-01", false),
            ("2026-11-1", false), ("2026-11-21T18:00", false), ("", false), ("2026-1１-21", false),
            ("tonight", false), ("-2026-11-21", false),
        ]
    )
    func parsing(_ text: String, _ valid: Bool) {
        let night = OperationalNight(text)
        #expect((night != nil) == valid)
        if let night { #expect(night.description == text) }
    }

    @Test("a filter narrowed to a night keeps the narrower of its own bounds and the night's")
    func filterNarrowing() {
        let night = night("2026-11-21")
        let whole = RecordFilter().narrowed(to: night)
        #expect(whole.since == night.start && whole.until == night.end)
        let late = RecordFilter(since: instant("2026-11-22T01:00:00Z"), until: instant("2026-11-23T00:00:00Z"))
            .narrowed(to: night)
        #expect(late.since == instant("2026-11-22T01:00:00Z") && late.until == night.end)
    }
}
