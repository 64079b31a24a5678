import Foundation

/// The venues an operation names, and the rule that they are venues the receiver knows (reference data).
///
/// A server or device that holds a venue list refuses an operation naming a venue outside it (`unknown-venue`);
/// one that holds none (a server started without venues, a device that never synced) cannot tell, and checks
/// nothing. A malformed venue id is left to `RecordValidation`, which names the rule it breaks.
public enum VenueReference {
    /// The venue ids an operation names: a sighting's or intervention's venue, an authorisation's venues, and the
    /// new value of an amendment of `venue`.
    public static func venueIds(in operation: LogOperation) -> [String] {
        switch operation.payload {
        case .createSighting(let sighting): sighting.location.venueId.map { [$0] } ?? []
        case .createIntervention(let intervention): intervention.location.venueId.map { [$0] } ?? []
        case .createAuthorisation(let authorisation): authorisation.locality.venueIds
        case .amend(let amendment) where amendment.field == .venue && !amendment.value.isEmpty: [amendment.value]
        case .amend, .createNote, .setRegister, .redact, .redacted: []
        }
    }

    /// Refuses an operation that names a well-formed venue id outside `known`; an empty `known` checks nothing.
    public static func check(_ operation: LogOperation, known: Set<String>) throws(ValidationError) {
        guard !known.isEmpty else { return }
        for venueId in venueIds(in: operation) where !known.contains(venueId) {
            guard (try? Identifiers.validateVenue(venueId)) != nil else { continue }
            throw ValidationError(
                code: "unknown-venue",
                message: "The venue \(venueId) is not one of the known venues (GET /v1/venues lists them); check the "
                    + "id, or ask an administrator to add the venue."
            )
        }
    }
}
