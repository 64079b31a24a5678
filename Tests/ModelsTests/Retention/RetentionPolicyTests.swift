import Foundation
import Models
import Testing

@Suite("Retention policy: review days in Europe/London")
struct RetentionPolicyTests {
    static func time(_ text: String) -> Date { WireCoding.parseDate(text)! }

    @Test(
        "a time's day is its day in London, in summer time and in winter",
        arguments: [
            ("2026-06-30T22:59:59Z", "2026-06-30"), ("2026-06-30T23:00:00Z", "2026-07-01"),
            ("2026-12-31T23:59:59Z", "2026-12-31"), ("2027-01-01T00:00:00Z", "2027-01-01"),
            // The clocks go back at 01:00 UTC on 25 October 2026: 23:30 UTC the night before is already the 25th.
            ("2026-10-24T23:30:00Z", "2026-10-25"), ("2026-10-25T23:30:00Z", "2026-10-25"),
        ]
    )
    func londonDay(_ time: String, _ day: String) {
        #expect(CalendarDay(londonDayOf: Self.time(time)).description == day)
    }

    @Test("a day starts at midnight in London")
    func startOfDay() {
        #expect(CalendarDay(text: "2026-07-01")!.startInLondon == Self.time("2026-06-30T23:00:00Z"))
        #expect(CalendarDay(text: "2026-12-01")!.startInLondon == Self.time("2026-12-01T00:00:00Z"))
    }

    @Test(
        "only real days are days",
        arguments: ["2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01x", "", "１２３４-01-01"]
    )
    func badDays(_ text: String) {
        #expect(CalendarDay(text: text) == nil)
    }

    @Test("periods add calendar years, months and days; a leap day's year ends on 28 February")
    func adding() {
        let leap = CalendarDay(text: "2024-02-29")!
        #expect(leap.adding(RetentionPeriod(years: 6)).description == "2030-02-28")
        #expect(CalendarDay(text: "2026-01-31")!.adding(RetentionPeriod(months: 1)).description == "2026-02-28")
        #expect(CalendarDay(text: "2026-03-28")!.adding(RetentionPeriod(days: 1)).description == "2026-03-29")
        #expect(CalendarDay(text: "2026-03-29")!.adding(RetentionPeriod(days: 1)).description == "2026-03-30")
    }

    @Test(
        "periods are read as people write them",
        arguments: [
            ("6 years", RetentionPeriod(years: 6)), ("1 year", RetentionPeriod(years: 1)),
            ("1 year 6 months", RetentionPeriod(years: 1, months: 6)), ("90 Days", RetentionPeriod(days: 90)),
        ]
    )
    func periods(_ text: String, _ period: RetentionPeriod) {
        #expect(RetentionPeriod(text: text) == period)
    }

    @Test(
        "what is not a period is refused",
        arguments: ["6", "six years", "6 yeras", "0 days", "101 years", "1 year 1 year", "-1 days", ""]
    )
    func badPeriods(_ text: String) {
        #expect(RetentionPeriod(text: text) == nil)
    }

    @Test("a graded record's assessment decides its period when the policy gives one; a set date wins over both")
    func gradedAndSet() throws {
        let policy = RetentionPolicy(gradedPeriods: [.suspectedFalse: RetentionPeriod(years: 1)])
        #expect(policy.period(of: .sighting, grading: nil) == RetentionPeriod(years: 6))
        #expect(policy.period(of: .note, grading: IntelligenceGrading(code: "1-A-P")) == RetentionPeriod(years: 6))
        #expect(policy.period(of: .sighting, grading: IntelligenceGrading(code: "3-E-C")) == RetentionPeriod(years: 1))
        #expect(policy.latestNextReview(from: CalendarDay(text: "2026-07-01")!).description == "2036-07-01")
    }

    @Test("the canonical text reads back as the same policy")
    func canonical() {
        var policy = RetentionPolicy(gradedPeriods: [
            .suspectedFalse: RetentionPeriod(years: 1), .knownDirectly: RetentionPeriod(years: 1, months: 6),
        ])
        policy.periods[.note] = RetentionPeriod(days: 400)
        #expect(RetentionPolicy(canonicalText: policy.canonicalText) == policy)
        #expect(
            RetentionPolicy.defaults.canonicalText
                == "sighting=6 years; intervention=6 years; note=6 years; authorisation=6 years; maximum=10 years"
        )
        #expect(RetentionPolicy(canonicalText: "sighting=6 yeras") == nil)
    }
}
