import Foundation

/// A licensed premises: reference data made by an administrator and synced down to devices.
public struct Venue: Codable, Sendable, Hashable, Identifiable {
    /// A short stable id such as `venue-concert-sq-01`.
    public var id: String
    public var name: String
    /// The premises licence number.
    public var licenceNumber: String
    /// The area, such as "Liverpool city centre" or "Southport".
    public var area: String
    public var address: String
    public var latitude: Double
    public var longitude: Double

    public init(
        id: String,
        name: String,
        licenceNumber: String,
        area: String,
        address: String,
        latitude: Double,
        longitude: Double
    ) {
        self.id = id
        self.name = name
        self.licenceNumber = licenceNumber
        self.area = area
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
    }
}

extension Venue {
    /// Checks the id, that the texts are present, short and one line, and that the position is on Earth.
    public func validate() throws(ValidationError) {
        try Identifiers.validateVenue(id)
        for (text, field) in [(name, "name"), (licenceNumber, "licenceNumber"), (area, "area"), (address, "address")] {
            guard !TextRules.isBlank(text) else {
                throw ValidationError(code: "missing-field", message: "A venue needs a \(field).")
            }
            try TextRules.check(text, field: field, limit: TextLimits.place)
        }
        guard latitude.isFinite, longitude.isFinite, (-90...90).contains(latitude), (-180...180).contains(longitude)
        else {
            throw ValidationError(code: "bad-position", message: "A venue's latitude and longitude must be on Earth.")
        }
    }
}
