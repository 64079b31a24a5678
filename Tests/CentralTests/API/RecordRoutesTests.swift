import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Testing

@Suite("GET /v1/venues and /v1/records")
struct RecordRoutesTests {
    /// The purpose every read states, URL-encoded.
    private let reason = "Checking%20a%20pattern%20at%20the%20venue"

    @Test("GET /v1/venues returns the venues saved in the store")
    func venues() async throws {
        try await withRouter { store, client in
            for venue in Fixture.venues.reversed() { try await store.saveVenue(venue, by: .console(), now: Date()) }
            let list = try await client.get("/v1/venues", as: VenueList.self)
            #expect(list.venues == Fixture.venues)
        }
    }

    @Test("GET /v1/venues with no venues returns an empty list")
    func noVenues() async throws {
        try await withRouter { _, client in
            let list = try await client.get("/v1/venues", as: VenueList.self)
            #expect(list.venues.isEmpty)
        }
    }

    @Test("GET /v1/records returns the merged records")
    func records() async throws {
        try await withRouter { store, client in
            let sighting = Fixture.sighting()
            let create = Fixture.create(sighting)
            let amend = Fixture.amend(sighting.id)
            _ = try await client.pushAccepted([create, amend, Fixture.createSighting()])

            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let list = try await supervisor.get("/v1/records?reason=\(reason)", as: RecordList.self)
            #expect(list.records.count == 2)
            #expect(list.records == (try await store.records(matching: RecordFilter())))
            let merged = try #require(list.records.first { $0.id == sighting.id })
            #expect(merged.original == .sighting(sighting))
            guard case .sighting(let current) = merged.current else {
                Issue.record("not a sighting")
                return
            }
            #expect(current.riskLevel == .high)
            #expect(merged.amendments.map(\.stamp.opId) == [amend.opId])
        }
    }

    @Test("GET /v1/records filters by venue and type")
    func filters() async throws {
        try await withRouter { store, client in
            let here = Fixture.createSighting()
            var elsewhere = Fixture.sighting()
            elsewhere.location = Location(venueId: "venue-seel-st-03")
            _ = try await client.pushAccepted([here, Fixture.create(elsewhere)])

            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let atVenue = try await supervisor.get(
                "/v1/records?reason=\(reason)&venue=\(Fixture.venueId)",
                as: RecordList.self
            )
            #expect(atVenue.records.map(\.id) == [here.recordId])
            let notes = try await supervisor.get("/v1/records?reason=\(reason)&type=note", as: RecordList.self)
            #expect(notes.records.isEmpty)
            let sightings = try await supervisor.get("/v1/records?reason=\(reason)&type=sighting", as: RecordList.self)
            #expect(Set(sightings.records.map(\.id)) == [here.recordId, elsewhere.id])
        }
    }

    @Test("GET /v1/records?venue= lists a note with its record after the record's venue is amended")
    func noteFollowsAmendedVenue() async throws {
        try await withRouter { store, client in
            let sighting = Fixture.sighting()
            let note = Note(
                recordId: sighting.id,
                author: Fixture.author,
                recordedAt: Date().truncatedToMilliseconds,
                text: "Door staff informed"
            )
            let createNote = LogOperation(
                deviceId: Fixture.deviceId,
                author: Fixture.author,
                hlc: Fixture.stamp(counter: 1),
                recordId: note.id,
                payload: .createNote(note)
            )
            let moveVenue = Fixture.amend(
                sighting.id,
                field: .venue,
                value: "venue-seel-st-03",
                reason: "Wrong venue picked"
            )
            let answer = try await client.pushAccepted([Fixture.create(sighting), createNote, moveVenue])
            #expect(answer.rejected.isEmpty)

            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let before = try await supervisor.get(
                "/v1/records?reason=\(reason)&venue=\(Fixture.venueId)",
                as: RecordList.self
            )
            let after = try await supervisor.get(
                "/v1/records?reason=\(reason)&venue=venue-seel-st-03",
                as: RecordList.self
            )
            #expect(after.records.map(\.id).contains(sighting.id))
            #expect(Set(after.records.map(\.id)) == [sighting.id, note.id])
            #expect(before.records.isEmpty)
        }
    }

    @Test(
        "GET /v1/records with a bad filter is bad-parameter",
        arguments: [
            "venue=Not%20A%20Venue", "since=yesterday", "night=2026-02-30", "night=tonight",
            "night=2026-11-21T18:00:00Z",
        ]
    )
    func badFilter(query: String) async throws {
        try await withRouter { store, client in
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let response = try await supervisor.execute(uri: "/v1/records?reason=\(reason)&\(query)", method: .get)
            try expectError(response, status: .badRequest, code: "bad-parameter")
        }
    }

    @Test("GET /v1/records?night= returns the records of that operational night, by London time")
    func nightFilter() async throws {
        try await withRouter { store, client in
            // The night the clocks go back: 18:00 BST (17:00 UTC) on the 24th to 06:00 GMT on the 25th.
            func sighting(at time: String) -> Sighting {
                var sighting = Fixture.sighting()
                sighting.occurredAt = WireCoding.parseDate(time)!
                return sighting
            }
            let beforeNight = sighting(at: "2026-10-24T16:59:00Z")
            let firstHour = sighting(at: "2026-10-24T17:00:00Z")
            let repeatedHour = sighting(at: "2026-10-25T01:30:00Z")
            let lastMinute = sighting(at: "2026-10-25T05:59:00Z")
            let morning = sighting(at: "2026-10-25T06:00:00Z")
            _ = try await client.pushAccepted(
                [beforeNight, firstHour, repeatedHour, lastMinute, morning].map { Fixture.create($0) }
            )
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let night = try await supervisor.get("/v1/records?reason=\(reason)&night=2026-10-24", as: RecordList.self)
            #expect(night.records.map(\.id) == [firstHour.id, repeatedHour.id, lastMinute.id])
            let narrowed = try await supervisor.get(
                "/v1/records?reason=\(reason)&night=2026-10-24&since=2026-10-25T01:00:00Z",
                as: RecordList.self
            )
            #expect(narrowed.records.map(\.id) == [repeatedHour.id, lastMinute.id])
            #expect(night.fieldBasis?["sighting.riskLevel"] == .assessment)
        }
    }

    @Test("GET /v1/records/{id} returns the merged record")
    func record() async throws {
        try await withRouter { store, client in
            let sighting = Fixture.sighting()
            let amend = Fixture.amend(sighting.id)
            _ = try await client.pushAccepted([Fixture.create(sighting), amend])

            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let merged = try await supervisor.get(
                "/v1/records/\(sighting.id.uuidString)?reason=\(reason)",
                as: RecordState.self
            )
            #expect(merged == (try await store.record(id: sighting.id)))
            #expect(merged.original == .sighting(sighting))
            #expect(merged.amendments.map(\.stamp.opId) == [amend.opId])
            #expect(merged.amendments.first?.standing == .current)
        }
    }

    @Test("GET /v1/records/{id} of an unknown id is 404 not-found")
    func unknownRecord() async throws {
        try await withRouter { store, client in
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let response = try await supervisor.execute(
                uri: "/v1/records/\(UUID().uuidString)?reason=\(reason)",
                method: .get
            )
            try expectError(response, status: .notFound, code: "not-found")
        }
    }

    @Test("GET /v1/records/{id} of a malformed id is 400 bad-parameter")
    func malformedId() async throws {
        try await withRouter { store, client in
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let response = try await supervisor.execute(uri: "/v1/records/not-a-uuid?reason=\(reason)", method: .get)
            try expectError(response, status: .badRequest, code: "bad-parameter")
        }
    }

    @Test(
        "a record read without a reason is 400 reason-required and is not audited",
        arguments: ["/v1/records", "/v1/records?reason=", "/v1/records?reason=%20%20", "/v1/records/ID"]
    )
    func reasonRequired(uri: String) async throws {
        try await withRouter { store, client in
            let sighting = Fixture.sighting()
            _ = try await client.pushAccepted([Fixture.create(sighting)])
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let response = try await supervisor.execute(
                uri: uri.replacingOccurrences(of: "ID", with: sighting.id.uuidString),
                method: .get
            )
            try expectError(response, status: .badRequest, code: "reason-required")
            let reads = try await store.auditEntries(matching: AuditFilter(actor: Accounts.supervisor.id))
                .filter { [AuditEntry.Action.search, .show, .export].contains($0.action) }
            #expect(reads.isEmpty)
        }
    }

    @Test("an officer may not read records through the API (403 forbidden)")
    func officerCannotRead() async throws {
        try await withRouter { _, client in
            let sighting = Fixture.sighting()
            _ = try await client.pushAccepted([Fixture.create(sighting)])
            for uri in ["/v1/records?reason=\(reason)", "/v1/records/\(sighting.id.uuidString)?reason=\(reason)"] {
                let response = try await client.execute(uri: uri, method: .get)
                try expectError(response, status: .forbidden, code: "forbidden")
            }
        }
    }
}
