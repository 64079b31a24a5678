import Foundation

/// One anonymous StreetSafe report as the central store keeps it: when (to the hour), where (the centre of a
/// cell of about 100 m) and why (reasons from a fixed list). Never linked to a person, a device or a record;
/// no free text.
public struct StreetSafeReport: Codable, Sendable, Hashable {
    /// The time of the report, cut to the start of its hour (UTC).
    public var reportedAt: Date
    /// The centre of the report's grid cell (`StreetSafeGrid`).
    public var latitude: Double
    public var longitude: Double
    /// At least one reason, each once, in the list's order.
    public var reasons: [StreetSafeReason]

    /// A report coarsened as the store keeps it: the time cut to the hour, the place moved to its cell's centre,
    /// the reasons put in the list's order once each.
    public init(coarsening time: Date, latitude: Double, longitude: Double, reasons: [StreetSafeReason]) {
        let seconds = (time.timeIntervalSince1970 / 3600).rounded(.down) * 3600
        self.reportedAt = Date(timeIntervalSince1970: seconds)
        (self.latitude, self.longitude) = StreetSafeGrid.cellCentre(latitude: latitude, longitude: longitude)
        let given = Set(reasons)
        self.reasons = StreetSafeReason.allCases.filter(given.contains)
    }

    /// A report as stored (already coarsened).
    public init(reportedAt: Date, latitude: Double, longitude: Double, reasons: [StreetSafeReason]) {
        self.reportedAt = reportedAt
        self.latitude = latitude
        self.longitude = longitude
        self.reasons = reasons
    }
}

/// The grid StreetSafe positions are coarsened to: cells of about 100 m by 100 m.
///
/// Latitude is cut into bands of 0.0009° (100 m); each band into cells of 100 m of longitude at its middle
/// (0.0009° / cos(latitude)). A position becomes its cell's centre, rounded to 5 decimals (about 1 m), so
/// every report in a cell has the same position.
public enum StreetSafeGrid {
    /// The cell's height in degrees of latitude (about 100 m).
    public static let latitudeStep = 0.0009

    public static func cellCentre(latitude: Double, longitude: Double) -> (latitude: Double, longitude: Double) {
        let band = (latitude / latitudeStep).rounded(.down)
        let centreLatitude = (band + 0.5) * latitudeStep
        let longitudeStep = latitudeStep / max(cos(centreLatitude * .pi / 180), 0.01)
        let column = (longitude / longitudeStep).rounded(.down)
        let centreLongitude = (column + 0.5) * longitudeStep
        return (rounded(centreLatitude), rounded(min(max(centreLongitude, -180), 180)))
    }

    private static func rounded(_ value: Double) -> Double { (value * 100_000).rounded() / 100_000 }
}
