import Foundation

/// A section 34 authorisation (Anti-social Behaviour, Crime and Policing Act 2014): an inspector's authority for
/// officers to give section 35 dispersal directions in a locality, for at most 48 hours, on stated grounds.
///
/// A record like any other — created once by a supervisor, synced to every officer's device, corrected only by
/// redaction and a new authorisation — but venue staff never receive it (`ProjectedField.authorisation`).
public struct DispersalAuthorisation: Codable, Sendable, Hashable, Identifiable {
    public var id: UUID
    public var recordedAt: Date
    /// The supervisor (inspector or above) who gave the authorisation and recorded it.
    public var authorisedBy: String
    public var startsAt: Date
    /// At most 48 hours after `startsAt` (`maximumDuration`).
    public var endsAt: Date
    public var locality: DispersalLocality
    /// Why it was given: the grounds the Act requires, with no personal data.
    public var grounds: String

    /// The longest an authorisation may last: 48 hours.
    public static let maximumDuration: TimeInterval = 48 * 60 * 60

    public init(
        id: UUID = .timeOrdered(),
        recordedAt: Date,
        authorisedBy: String,
        startsAt: Date,
        endsAt: Date,
        locality: DispersalLocality,
        grounds: String
    ) {
        self.id = id
        self.recordedAt = recordedAt
        self.authorisedBy = authorisedBy
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.locality = locality
        self.grounds = grounds
    }

    /// Whether it is in force at this instant: from `startsAt` up to, not including, `endsAt`.
    public func isInForce(at instant: Date) -> Bool { instant >= startsAt && instant < endsAt }

    /// Whether a direction given at this time and place falls inside the authorisation.
    public func covers(time: Date, location: Location) -> Bool {
        isInForce(at: time) && locality.covers(location)
    }
}

/// Where a section 34 authorisation applies: listed venues, named streets, a polygon, or any mix of them.
public struct DispersalLocality: Codable, Sendable, Hashable {
    /// Venues (their ids) inside the locality.
    public var venueIds: [String]
    /// Streets by name, such as "Mathew Street": a place whose description names one is inside.
    public var streets: [String]
    /// The corners of an area, in order (at least three when given): a position inside it is inside.
    public var polygon: [Coordinate]

    public init(venueIds: [String] = [], streets: [String] = [], polygon: [Coordinate] = []) {
        self.venueIds = venueIds
        self.streets = streets
        self.polygon = polygon
    }

    /// Whether a place is inside: its venue is listed, its description names a listed street (ignoring case and
    /// accents), or its position lies in the polygon.
    public func covers(_ location: Location) -> Bool {
        if let venueId = location.venueId, venueIds.contains(venueId) { return true }
        if let place = location.place,
            streets.contains(where: { place.range(of: $0, options: [.caseInsensitive, .diacriticInsensitive]) != nil })
        {
            return true
        }
        if let latitude = location.latitude, let longitude = location.longitude, polygon.count >= 3 {
            return Self.contains(polygon, Coordinate(latitude: latitude, longitude: longitude))
        }
        return false
    }

    /// The even-odd rule: a ray from the point crosses the polygon's edges an odd number of times when it is inside
    /// (the city-sized areas concerned are small enough to treat latitude and longitude as flat).
    static func contains(_ polygon: [Coordinate], _ point: Coordinate) -> Bool {
        var inside = false
        var previous = polygon[polygon.count - 1]
        for corner in polygon {
            if (corner.latitude > point.latitude) != (previous.latitude > point.latitude) {
                let crossing =
                    (previous.longitude - corner.longitude) * (point.latitude - corner.latitude)
                    / (previous.latitude - corner.latitude) + corner.longitude
                if point.longitude < crossing { inside.toggle() }
            }
            previous = corner
        }
        return inside
    }

    /// The locality in words, for listings.
    public var summary: String {
        var parts: [String] = []
        if !venueIds.isEmpty { parts.append("venues " + venueIds.joined(separator: ", ")) }
        if !streets.isEmpty { parts.append("streets " + streets.joined(separator: ", ")) }
        if !polygon.isEmpty { parts.append("an area of \(polygon.count) corners") }
        return parts.joined(separator: "; ")
    }
}

/// A position on Earth, in degrees.
public struct Coordinate: Codable, Sendable, Hashable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

extension DispersalAuthorisation {
    /// The most venues, streets and polygon corners one authorisation may list.
    public static let maximumLocalityEntries = 100

    /// Checks every rule of an authorisation; throws the first one broken.
    ///
    /// - Parameter now: the checker's clock; `recordedAt` may not be later than a few minutes after it.
    public func validate(now: Date) throws(ValidationError) {
        try Identifiers.validateUser(authorisedBy)
        guard recordedAt.timeIntervalSince(now) <= allowedClockSkew else { throw .recordedInFuture }
        guard recordedAt.timeIntervalSince(startsAt) <= latestLateEntry else { throw .occurredTooLongAgo }
        guard endsAt > startsAt, endsAt.timeIntervalSince(startsAt) <= Self.maximumDuration else {
            throw ValidationError(
                code: "authorisation-duration",
                message: "A section 34 authorisation ends after it starts, and at most 48 hours later."
            )
        }
        guard !TextRules.isBlank(grounds, newlines: true) else {
            throw ValidationError(code: "missing-grounds", message: "A section 34 authorisation states its grounds.")
        }
        try TextRules.check(grounds, field: "grounds", limit: TextLimits.narrative, multiline: true)
        let entries = [locality.venueIds.count, locality.streets.count, locality.polygon.count]
        guard entries.allSatisfy({ $0 <= Self.maximumLocalityEntries }) else {
            throw ValidationError(
                code: "locality-too-large",
                message: "A locality lists at most \(Self.maximumLocalityEntries) venues, streets and corners each."
            )
        }
        for venueId in locality.venueIds { try Identifiers.validateVenue(venueId) }
        for street in locality.streets {
            guard !TextRules.isBlank(street) else {
                throw ValidationError(code: "missing-field", message: "A street in a locality needs a name.")
            }
            try TextRules.check(street, field: "street", limit: TextLimits.place)
        }
        guard locality.polygon.isEmpty || locality.polygon.count >= 3 else {
            throw ValidationError(code: "bad-polygon", message: "A locality's area needs at least three corners.")
        }
        for corner in locality.polygon {
            guard corner.latitude.isFinite, corner.longitude.isFinite, (-90...90).contains(corner.latitude),
                (-180...180).contains(corner.longitude)
            else { throw .positionOutOfRange }
        }
        guard locality.venueIds.count + locality.streets.count + locality.polygon.count > 0 else {
            throw ValidationError(
                code: "empty-locality",
                message: "A section 34 authorisation names its locality: venues, streets or an area."
            )
        }
    }
}
