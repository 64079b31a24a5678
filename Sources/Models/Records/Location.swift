import Foundation

/// Where something happened: a known venue, a described place, or both, with an optional position.
public struct Location: Codable, Sendable, Hashable {
    /// The venue's id, when it happened at or outside a known venue.
    public var venueId: String?
    /// A short description of the place, such as "Concert Square, by the fountain".
    public var place: String?
    public var latitude: Double?
    public var longitude: Double?

    public init(venueId: String? = nil, place: String? = nil, latitude: Double? = nil, longitude: Double? = nil) {
        self.venueId = venueId
        self.place = place
        self.latitude = latitude
        self.longitude = longitude
    }
}
