import Foundation
import Models
import Sync
import Testing

/// A device refuses, when it is recorded, a venue outside the venue list it last pulled, as the server would
/// refuse it at the push; a device that has pulled no list leaves it to the server.
@Suite("Device: venues recorded")
struct VenueReferenceTests {
    static let venue = Venue(
        id: "venue-concert-sq-01",
        name: "The Square Bar",
        licenceNumber: "LIC-0001",
        area: "Liverpool city centre",
        address: "1 Concert Square, Liverpool",
        latitude: 53.4021,
        longitude: -2.9812
    )

    @Test("with a venue list, a sighting at a venue outside it is refused unknown-venue and nothing is queued")
    func refusedWithList() throws {
        let replica = try makeReplica()
        try replica.replaceVenues([Self.venue])
        let first = makeSighting()
        try replica.append(.createSighting(first), recordId: first.id)
        let nowhere = makeSighting(venueId: "venue-nowhere-99")
        var refusal: ValidationError?
        do {
            try replica.append(.createSighting(nowhere), recordId: nowhere.id)
        } catch ReplicaError.invalid(let error) {
            refusal = error
        }
        #expect(refusal?.code == "unknown-venue")
        #expect(refusal?.message.contains("venue-nowhere-99") == true)
        #expect(try replica.status().pending == 1)
        // An amendment to a venue outside the list is refused the same way.
        let sighting = makeSighting()
        try replica.append(.createSighting(sighting), recordId: sighting.id)
        var amendmentRefusal: ValidationError?
        do {
            try replica.append(
                .amend(Amendment(field: .venue, value: "venue-nowhere-99", reason: "Wrong bar")),
                recordId: sighting.id
            )
        } catch ReplicaError.invalid(let error) {
            amendmentRefusal = error
        }
        #expect(amendmentRefusal?.code == "unknown-venue")
        #expect(try replica.status().pending == 2)
    }

    @Test("a device that has pulled no venue list records any well-formed venue, for the server to judge")
    func acceptedWithoutList() throws {
        let replica = try makeReplica()
        let nowhere = makeSighting(venueId: "venue-nowhere-99")
        try replica.append(.createSighting(nowhere), recordId: nowhere.id)
        #expect(try replica.status().pending == 1)
    }
}
