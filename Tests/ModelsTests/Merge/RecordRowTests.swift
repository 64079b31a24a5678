import Foundation
import Models
import Testing

/// The one decision of a record's row: its venue, parent and scope, which every store persists.
@Suite("Record rows and scope")
struct RecordRowTests {
    let encoder = WireCoding.makeEncoder()

    func row(_ operations: [LogOperation], parent: RecordRow? = nil, previous: RecordRow? = nil) throws -> RecordRow {
        try RecordRow.make(
            try #require(RecordFold.fold(operations)),
            parent: parent,
            previous: previous,
            encoder: encoder
        )
    }

    @Test("a sighting is its own scope, at its current venue")
    func sightingScope() throws {
        let sighting = Fixture.create(.sighting(Fixture.sighting()))
        let created = try row([sighting])
        #expect(created.scopeRecordId == sighting.recordId && created.scopeVenueId == Fixture.venue)
        #expect(created.state == nil)
        let moved = try row(
            [
                sighting,
                Fixture.amend(sighting.recordId, .venue, to: "venue-seel-st-03", hlc: Fixture.stamp(counter: 1)),
            ],
            previous: created
        )
        #expect(moved.venueId == "venue-seel-st-03" && moved.scopeVenueId == "venue-seel-st-03")
        #expect(moved.state != nil)
        #expect(
            moved.scopeMove(from: created)
                == ScopeMove(recordId: sighting.recordId, from: Fixture.venue, to: "venue-seel-st-03")
        )
        #expect(created.scopeMove(from: created) == nil)
    }

    @Test("an intervention takes its sighting's scope, and a note its record's")
    func followersTakeTheirRecordsScope() throws {
        let sighting = Fixture.create(.sighting(Fixture.sighting()))
        let sightingRow = RecordRow(
            id: sighting.recordId,
            type: .sighting,
            venueId: "venue-seel-st-03",
            parentId: nil,
            occurredAt: 0,
            createdOpId: sighting.opId,
            redacted: false,
            state: nil,
            scopeRecordId: sighting.recordId,
            scopeVenueId: "venue-seel-st-03"
        )
        let intervention = Fixture.create(.intervention(Fixture.intervention(sightingId: sighting.recordId)))
        let interventionRow = try row([intervention], parent: sightingRow)
        #expect(interventionRow.venueId == Fixture.venue)
        #expect(
            interventionRow.scopeRecordId == sighting.recordId && interventionRow.scopeVenueId == "venue-seel-st-03"
        )
        // An intervention's own move of venue does not move its scope.
        #expect(
            interventionRow.scopeMove(
                from: RecordRow(
                    id: intervention.recordId,
                    type: .intervention,
                    venueId: "x",
                    parentId: sighting.recordId,
                    occurredAt: 0,
                    createdOpId: intervention.opId,
                    redacted: false,
                    state: nil,
                    scopeRecordId: sighting.recordId,
                    scopeVenueId: "venue-other-01"
                )
            ) == nil
        )
        let note = Fixture.create(.note(Fixture.note(recordId: intervention.recordId)))
        let noteRow = try row([note], parent: interventionRow)
        #expect(noteRow.venueId == interventionRow.venueId)
        #expect(noteRow.scopeRecordId == sighting.recordId && noteRow.scopeVenueId == "venue-seel-st-03")
        let alone = try row([Fixture.create(.intervention(Fixture.intervention()))])
        #expect(alone.scopeRecordId == alone.id && alone.scopeVenueId == Fixture.venue)
    }

    @Test("a redacted record keeps the scope it had, with its venue and parent gone")
    func redactedKeepsScope() throws {
        let sighting = Fixture.create(.sighting(Fixture.sighting()))
        let before = try row([sighting])
        let redaction = Fixture.operation(
            .redact(Redaction(reason: .recordedInError, explanation: "Wrong incident")),
            on: sighting.recordId,
            hlc: Fixture.stamp(counter: 1)
        )
        let after = try row([sighting.withoutContent, redaction], previous: before)
        #expect(after.redacted && after.venueId == nil)
        #expect(after.scopeVenueId == Fixture.venue && after.scopeRecordId == sighting.recordId)
        #expect(after.scopeMove(from: before) == nil)
    }

    @Test("a move means leaving, entering or nothing to each caller")
    func moveEffects() {
        let move = ScopeMove(recordId: UUID(), from: "venue-a", to: "venue-b")
        func staff(_ venues: Set<String>) -> Caller {
            Caller(userId: "SIA-1", deviceId: "dev-1", role: .venueStaff, venueIds: venues)
        }
        #expect(move.effect(for: staff(["venue-a"])) == .leaves)
        #expect(move.effect(for: staff(["venue-b"])) == .enters)
        #expect(move.effect(for: staff(["venue-a", "venue-b"])) == .none)
        #expect(move.effect(for: staff(["venue-c"])) == .none)
        #expect(move.effect(for: Caller(userId: "PS-1", deviceId: "dev-2", role: .supervisor)) == .none)
    }
}
