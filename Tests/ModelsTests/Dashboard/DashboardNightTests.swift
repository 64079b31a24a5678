import Foundation
import Models
import Testing

@Suite("Dashboard nights, hours and facts")
struct DashboardNightTests {
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test(
        "a night runs 18:00 to 06:00 Europe/London and is named by the date it starts, across clock changes",
        arguments: [
            ("2026-10-24T17:00:00Z", "2026-10-24", 18),  // 18:00 BST
            ("2026-10-24T23:30:00Z", "2026-10-24", 0),  // 00:30 BST on the 25th
            ("2026-10-25T00:30:00Z", "2026-10-24", 1),  // 01:30 BST, the first 01:00 hour
            ("2026-10-25T01:30:00Z", "2026-10-24", 1),  // 01:30 GMT, the repeated hour
            ("2026-10-25T05:59:00Z", "2026-10-24", 5),  // 05:59 GMT: the night is 13 hours long
            ("2026-10-25T06:00:00Z", nil, 6),  // 06:00 GMT: day
            ("2026-03-29T00:30:00Z", "2026-03-28", 0),  // 00:30 GMT before the clocks go forward
            ("2026-03-29T01:30:00Z", "2026-03-28", 2),  // 02:30 BST: 01:00 never happened
            ("2026-03-29T05:00:00Z", nil, 6),  // 06:00 BST
            ("2026-12-31T23:59:00Z", "2026-12-31", 23),
            ("2027-01-01T05:00:00Z", "2026-12-31", 5),
            ("2026-07-01T12:00:00Z", nil, 13),
        ] as [(String, String?, Int)]
    )
    func nights(_ time: String, _ night: String?, _ hour: Int) {
        let date = Self.utc(time)
        #expect(DashboardNight.night(of: date) == night)
        #expect(DashboardNight.hour(of: date) == hour)
    }

    @Test("nights are read back and grouped into weeks starting on Monday")
    func weeks() {
        #expect(DashboardNight.start(ofNight: "2026-10-24") == Self.utc("2026-10-24T17:00:00Z"))
        #expect(DashboardNight.start(ofNight: "2026-10-25") == Self.utc("2026-10-25T18:00:00Z"))
        #expect(DashboardNight.start(ofNight: "2026-02-30") == nil)
        #expect(DashboardNight.start(ofNight: "yesterday") == nil)
        #expect(DashboardNight.week(ofNight: "2026-10-25") == "2026-10-19")
        #expect(DashboardNight.week(ofNight: "2026-10-26") == "2026-10-26")
    }

    @Test("a record's facts: behaviours and actions as bits, its own cell, nothing of a redacted record or a note")
    func facts() throws {
        let sighting = Sighting(
            occurredAt: Self.utc("2026-10-24T21:00:00Z"),
            recordedAt: Self.utc("2026-10-24T21:05:00Z"),
            reporter: "PC-4127",
            location: Location(venueId: "venue-seel-st-03", latitude: 53.4022, longitude: -2.9806),
            behaviours: [.following, .leadingAway],
            riskLevel: .high
        )
        let operation = LogOperation(
            deviceId: "dev-1",
            author: "PC-4127",
            hlc: HLCTimestamp(wallMilliseconds: 1, counter: 0),
            recordId: sighting.id,
            payload: .createSighting(sighting)
        )
        let state = try #require(RecordFold.fold([operation]))
        let facts = try #require(RecordFacts.make(state))
        #expect(facts.type == .sighting && facts.night == "2026-10-24" && facts.hour == 22)
        #expect(facts.behaviours == (1 << 1) | (1 << 12))
        #expect(facts.cell == HotspotGrid.Cell(latitude: 53.4022, longitude: -2.9806))
        #expect(facts.venueId == "venue-seel-st-03" && facts.riskLevel == .high && facts.review == .awaitingReview)
        var redacted = state
        redacted.redaction = Tombstone(
            stamp: state.created,
            redaction: Redaction(reason: .recordedInError, explanation: "Wrong venue")
        )
        #expect(RecordFacts.make(redacted) == nil)
    }
}
