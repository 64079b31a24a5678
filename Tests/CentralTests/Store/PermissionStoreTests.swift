import Central
import Foundation
import Models
import Testing

/// The store applies `OperationPermission` with each record's fixed scope (the venue it was made at).
@Suite("SQLiteCentralStore permissions")
struct PermissionStoreTests {
    private static let staff = Caller(
        userId: "SIA-1012-0001",
        deviceId: "dev-test-staff-1",
        role: .venueStaff,
        venueIds: [Fixture.venueId]
    )
    private static let supervisor = Caller(userId: "PS-2201", deviceId: "dev-test-sup-1", role: .supervisor)

    /// A sighting made by venue staff at their venue, and a note of theirs about it, both stored.
    private func staffRecordAndNote(_ store: SQLiteCentralStore) async throws -> (Sighting, Note) {
        let sighting = Fixture.sighting(reporter: Self.staff.userId)
        let note = Note(
            recordId: sighting.id,
            author: Self.staff.userId,
            recordedAt: Date().truncatedToMilliseconds,
            text: "Door staff informed"
        )
        let operations = [
            Fixture.create(sighting, deviceId: Self.staff.deviceId, author: Self.staff.userId),
            LogOperation(
                deviceId: Self.staff.deviceId,
                author: Self.staff.userId,
                hlc: Fixture.stamp(counter: 1),
                recordId: note.id,
                payload: .createNote(note)
            ),
        ]
        let outcome = try await store.push(operations, by: Self.staff, now: Date())
        try #require(outcome.rejected.isEmpty, "\(outcome.rejected)")
        return (sighting, note)
    }

    @Test("venue staff may amend the text of their own note about a record made at their venue")
    func staffAmendOwnNote() async throws {
        try await withStore { store in
            let (_, note) = try await staffRecordAndNote(store)
            let amend = Fixture.amend(
                note.id,
                field: .text,
                value: "Door staff informed; CCTV kept",
                reason: "Added what the manager did",
                deviceId: Self.staff.deviceId,
                author: Self.staff.userId
            )
            let outcome = try await store.push([amend], by: Self.staff, now: Date())
            #expect(outcome.accepted == [amend.opId], "refused: \(outcome.rejected.map(\.code))")
        }
    }

    @Test("venue staff cannot amend their record once a supervisor moved it to another venue: it is not theirs")
    func staffAmendMovedRecord() async throws {
        try await withStore { store in
            let (sighting, _) = try await staffRecordAndNote(store)
            let move = Fixture.amend(
                sighting.id,
                field: .venue,
                value: "venue-seel-st-03",
                reason: "Wrong venue picked",
                deviceId: Self.supervisor.deviceId,
                author: Self.supervisor.userId
            )
            let moved = try await store.push([move], by: Self.supervisor, now: Date())
            try #require(moved.rejected.isEmpty)
            let amend = LogOperation(
                deviceId: Self.staff.deviceId,
                author: Self.staff.userId,
                hlc: Fixture.stamp(counter: 9),
                recordId: sighting.id,
                payload: .amend(Amendment(field: .riskLevel, value: "high", reason: "Came back later"))
            )
            let outcome = try await store.push([amend], by: Self.staff, now: Date())
            #expect(outcome.rejected.map(\.code) == ["unknown-record"])
            // Its scope followed it: nothing of it is theirs to pull.
            let page = try await store.pull(after: 0, limit: 100, for: Self.staff, now: Date())
            #expect(!(try page.decodedOperations().map(\.operation.recordId).contains(sighting.id)))
        }
    }
}
