import Foundation

/// The grid hotspots are counted on: cells of about 200 m by 200 m at Merseyside's latitude, numbered by
/// whole steps of latitude and longitude, so the patrol log and StreetSafe reports fall in the same cells.
public enum HotspotGrid {
    /// A cell's height in degrees of latitude (about 200 m).
    public static let latitudeStep = 0.0018
    /// A cell's width in degrees of longitude (about 200 m at 53.4° N).
    public static let longitudeStep = 0.003

    /// A cell: its row (latitude) and column (longitude) numbers.
    public struct Cell: Sendable, Hashable, Comparable {
        public var row: Int64
        public var column: Int64

        public init(row: Int64, column: Int64) {
            self.row = row
            self.column = column
        }

        /// The cell holding a position.
        public init(latitude: Double, longitude: Double) {
            row = Int64((latitude / HotspotGrid.latitudeStep).rounded(.down))
            column = Int64((longitude / HotspotGrid.longitudeStep).rounded(.down))
        }

        /// The position of the cell's centre.
        public var centre: (latitude: Double, longitude: Double) {
            ((Double(row) + 0.5) * HotspotGrid.latitudeStep, (Double(column) + 0.5) * HotspotGrid.longitudeStep)
        }

        /// A short stable name for the cell, such as `29667:-998`.
        public var name: String { "\(row):\(column)" }

        public static func < (lhs: Cell, rhs: Cell) -> Bool { (lhs.row, lhs.column) < (rhs.row, rhs.column) }
    }
}
