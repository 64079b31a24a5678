import Foundation
import Models
import Testing

@Suite("Public figures: months in Europe/London, small counts hidden, no count worked out from a total")
struct PublicFiguresTests {
    static let venues = [
        Venue(
            id: "venue-a",
            name: "A",
            licenceNumber: "L-1",
            area: "Town A",
            address: "1 A Street",
            latitude: 53.40,
            longitude: -2.98
        ),
        Venue(
            id: "venue-b",
            name: "B",
            licenceNumber: "L-2",
            area: "Town B",
            address: "1 B Street",
            latitude: 53.65,
            longitude: -3.00
        ),
    ]

    static func reports(_ count: Int, at time: String, latitude: Double, longitude: Double) -> [StreetSafeReport] {
        (0..<count).map { _ in
            StreetSafeReport(
                coarsening: WireCoding.parseDate(time)!,
                latitude: latitude,
                longitude: longitude,
                reasons: [.other]
            )
        }
    }

    static func text(
        _ figures: PublicFigures,
        _ month: String,
        _ measure: PublicFigures.Measure,
        _ category: String
    )
        -> String?
    {
        figures.rows(month: month, measure: measure).first { $0.category == category }.map(figures.text)
    }

    @Test("months are calendar months in Europe/London (BST and GMT)")
    func londonMonths() {
        #expect(PublicMonths.key(WireCoding.parseDate("2026-09-30T23:30:00Z")!) == "2026-10")  // 00:30 BST
        #expect(PublicMonths.key(WireCoding.parseDate("2026-10-31T23:30:00Z")!) == "2026-10")  // 23:30 GMT
        #expect(PublicMonths.key(WireCoding.parseDate("2026-03-31T23:30:00Z")!) == "2026-04")  // 00:30 BST
        #expect(PublicMonths.key(WireCoding.parseDate("2026-12-31T23:59:00Z")!) == "2026-12")
    }

    @Test("a single hidden part of a shown total hides the smallest shown part too")
    func secondarySuppression() {
        // November: 12 in town A, 6 in town B, 3 elsewhere: total 21 shown; 'Elsewhere' alone would be 21-12-6.
        let reports =
            Self.reports(12, at: "2026-11-10T21:00:00Z", latitude: 53.40, longitude: -2.98)
            + Self.reports(6, at: "2026-11-10T21:00:00Z", latitude: 53.65, longitude: -3.00)
            + Self.reports(3, at: "2026-11-10T21:00:00Z", latitude: 52.00, longitude: -1.00)
        let figures = PublicFigures(records: [], venues: Self.venues, reports: reports)
        #expect(Self.text(figures, "2026-11", .streetSafeReports, "") == "21")
        #expect(Self.text(figures, "2026-11", .streetSafeByArea, "Elsewhere") == "fewer than 5")
        #expect(Self.text(figures, "2026-11", .streetSafeByArea, "Town B") == "fewer than 5", "secondary")
        #expect(Self.text(figures, "2026-11", .streetSafeByArea, "Town A") == "12")
        // A hidden count is not kept at all.
        #expect(
            figures.rows.filter { $0.count == nil }.count
                == figures.rows.filter { figures.text($0).hasPrefix("fewer") }.count
        )
    }

    @Test("two hidden parts need nothing more; a hidden total hides its parts; the threshold is a parameter")
    func primaryOnly() {
        let reports =
            Self.reports(12, at: "2026-11-10T21:00:00Z", latitude: 53.40, longitude: -2.98)
            + Self.reports(3, at: "2026-11-10T21:00:00Z", latitude: 53.65, longitude: -3.00)
            + Self.reports(2, at: "2026-11-10T21:00:00Z", latitude: 52.00, longitude: -1.00)
            + Self.reports(4, at: "2026-09-10T21:00:00Z", latitude: 53.40, longitude: -2.98)
        let figures = PublicFigures(records: [], venues: Self.venues, reports: reports)
        #expect(Self.text(figures, "2026-11", .streetSafeByArea, "Town A") == "12")
        #expect(Self.text(figures, "2026-09", .streetSafeReports, "") == "fewer than 5")
        #expect(figures.months == ["2026-09", "2026-10", "2026-11"], "no gap")
        #expect(Self.text(figures, "2026-10", .streetSafeReports, "") == "fewer than 5", "zero is hidden too")
        let strict = PublicFigures(records: [], venues: Self.venues, reports: reports, threshold: 13)
        #expect(Self.text(strict, "2026-11", .streetSafeByArea, "Town A") == "fewer than 13")
        #expect(Self.text(strict, "2026-11", .streetSafeReports, "") == "17")
    }
}
