import Foundation
import Models

/// What a dashboard page counts: a period of operational nights, and an area or one venue.
public struct DashboardFilter: Sendable, Hashable {
    /// The first night counted, `yyyy-MM-dd`.
    public var from: String
    /// The last night counted, `yyyy-MM-dd`.
    public var to: String
    /// Only records at the venues of this area.
    public var area: String?
    /// Only records at this venue.
    public var venueId: String?

    /// The nights counted when a page asks for no period: the last 28, up to the night under way.
    public static func defaultPeriod(now: Date) -> (from: String, to: String) {
        let to = DashboardNight.night(of: now) ?? DashboardNight.localDate(of: now - 12 * 3600)
        let start = DashboardNight.start(ofNight: to)! - 27 * 24 * 3600
        return (DashboardNight.localDate(of: start + 3600), to)
    }

    public init(from: String, to: String, area: String? = nil, venueId: String? = nil) {
        self.from = from
        self.to = to
        self.area = area
        self.venueId = venueId
    }

    /// The first instant counted (18:00 on the first night) and the first not counted (06:00 after the
    /// last night, later for records of the day after: a period is whole local days from the first night's
    /// evening to the morning after the last).
    var instants: (since: Date, until: Date) {
        let since = DashboardNight.start(ofNight: from)!
        let until = DashboardNight.start(ofNight: to)! + 12 * 3600
        return (since, until)
    }

    /// The venues counted (nil: every record, at a venue or not), given the venue list.
    func venueIds(among venues: [Venue]) -> [String]? {
        if let venueId { return [venueId] }
        if let area { return venues.filter { $0.area == area }.map(\.id).sorted() }
        return nil
    }

    /// The filter in words, for the audit log and the page.
    public var description: String {
        var parts = ["nights \(from) to \(to)"]
        if let area { parts.append("area \(area)") }
        if let venueId { parts.append("venue \(venueId)") }
        return parts.joined(separator: ", ")
    }
}
