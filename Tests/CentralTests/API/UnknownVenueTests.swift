import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Testing

/// A server that holds a venue list refuses, one operation at a time, what names a venue outside it
/// (`unknown-venue`, issue 16); the rest of the push is stored. A server given no venues checks nothing.
@Suite("Unknown venues")
struct UnknownVenueTests {
    static let admin = Caller(userId: Accounts.admin.id, deviceId: Accounts.adminDevice, role: .admin)

    static func saveVenues(_ store: SQLiteCentralStore) async throws {
        for venue in Fixture.venues { try await store.saveVenue(venue, by: admin, now: Date()) }
    }

    @Test("operations naming an unknown venue are refused unknown-venue; the others in the push are stored")
    func refused() async throws {
        try await withRouter { store, client in
            try await Self.saveVenues(store)
            let known = Fixture.createSighting()
            let nowhere = Fixture.create(Fixture.sighting(venueId: "venue-nowhere-99"))
            let intervention = Fixture.create(Fixture.intervention(venueId: "venue-nowhere-99"))
            let moved = Fixture.amend(known.recordId, field: .venue, value: "venue-nowhere-99")
            let movedToKnown = Fixture.amend(known.recordId, field: .venue, value: "venue-seel-st-03")
            let response = try await client.pushAccepted([known, nowhere, intervention, moved])
            #expect(response.accepted == [known.opId])
            #expect(Set(response.rejected.map(\.opId)) == [nowhere.opId, intervention.opId, moved.opId])
            #expect(response.rejected.allSatisfy { $0.code == "unknown-venue" })
            #expect(response.rejected.allSatisfy { $0.message.contains("venue-nowhere-99") })
            #expect(try await store.operationCount() == 1)
            // A known venue in an amendment goes through.
            let second = try await client.pushAccepted([movedToKnown])
            #expect(second.accepted == [movedToKnown.opId])
        }
    }

    @Test("a malformed venue id is refused by the record's own rule, not as unknown")
    func malformed() async throws {
        try await withRouter { store, client in
            try await Self.saveVenues(store)
            let response = try await client.pushAccepted([Fixture.create(Fixture.sighting(venueId: "Venue Nowhere"))])
            #expect(response.rejected.map(\.code) == ["malformed-id"])
        }
    }

    @Test("a server that was given no venues accepts any well-formed venue id")
    func noList() async throws {
        try await withRouter { _, client in
            let nowhere = Fixture.create(Fixture.sighting(venueId: "venue-nowhere-99"))
            let response = try await client.pushAccepted([nowhere])
            #expect(response.accepted == [nowhere.opId])
        }
    }
}
