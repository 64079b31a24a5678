import Central
import Foundation
import Models
import Sync
import Testing

/// Scope follows the record, end to end: real replicas syncing with a real server over loopback, venue staff
/// devices offline while a supervisor moves a sighting between their venues.
@Suite("Scope follows the record")
struct ScopeMoveTests {
    static let venueA = "venue-seel-st-03"
    static let venueB = "venue-concert-sq-01"

    struct Person {
        var caller: Caller
        var token: String
        var replica: LocalReplica
    }

    @Test("a moved sighting leaves the former venue's devices with what hangs from it, and reaches the new venue's")
    func moveBetweenVenuesWithDevicesOffline() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        let callers = [
            Caller(userId: "PC-4127", deviceId: "dev-officer", role: .officer),
            Caller(userId: "PS-0311", deviceId: "dev-supervisor", role: .supervisor),
            Caller(userId: "SIA-1012-0001", deviceId: "dev-door-a", role: .venueStaff, venueIds: [Self.venueA]),
            Caller(userId: "SIA-1012-0002", deviceId: "dev-door-b", role: .venueStaff, venueIds: [Self.venueB]),
        ]
        for venue in try loadVenues() { try await store.saveVenue(venue, by: .console(user: "test"), now: Date()) }
        var provisioned: [String] = []
        for caller in callers {
            provisioned.append(
                try await store.provisionDevice(
                    caller.deviceId,
                    for: UserAccount(id: caller.userId, role: caller.role, venueIds: Array(caller.venueIds))
                )
            )
        }
        let tokens = provisioned
        try await CentralServer.withRunningServer(store: store) { serverURL in
            let people = try zip(callers, tokens).map { caller, token in
                Person(
                    caller: caller,
                    token: token,
                    replica: try LocalReplica.create(
                        in: workspace.appendingPathComponent(caller.deviceId),
                        identity: DeviceIdentity(
                            deviceId: caller.deviceId,
                            userId: caller.userId,
                            role: caller.role,
                            venueId: caller.venueIds.first,
                            serverURL: serverURL
                        ),
                        key: testDataKey
                    )
                )
            }
            let (officer, supervisor, doorA, doorB) = (people[0], people[1], people[2], people[3])
            func sync(_ person: Person) async throws {
                try await SyncEngine(
                    replica: person.replica,
                    transport: HTTPTransport(serverURL: serverURL, token: person.token)
                )
                .sync()
            }
            /// The device holds exactly what the server shows its user.
            func expectEqualToProjection(_ person: Person, _ comment: Comment) async throws {
                let expected = try await centralContents(for: person.caller, of: store)
                #expect(try person.replica.records() == expected.records, comment)
                let parked = Set(try person.replica.parkedOperations().map(\.opId))
                #expect(
                    Set(try person.replica.allOperations().filter { !parked.contains($0.opId) }) == expected.operations,
                    comment
                )
            }

            let now = Date().truncatedToMilliseconds
            let sighting = Sighting(
                occurredAt: now,
                recordedAt: now,
                reporter: doorA.caller.userId,
                location: Location(venueId: Self.venueA, place: "Seel Street, by the door"),
                behaviours: [.leadingAway],
                riskLevel: .high,
                narrative: "Leading a woman who could barely stand towards a car"
            )
            try doorA.replica.append(.createSighting(sighting), recordId: sighting.id)
            try await sync(doorA)
            try await sync(officer)
            let intervention = Intervention(
                sightingId: sighting.id,
                occurredAt: now,
                recordedAt: now,
                by: officer.caller.userId,
                location: Location(venueId: Self.venueA),
                actions: [.stopAndAccount, .arrest],
                outcome: .arrested,
                notes: "Arrested, taken to St Anne Street"
            )
            try officer.replica.append(.createIntervention(intervention), recordId: intervention.id)
            // The officer corrects their notes; the correction carries the notes it replaced.
            try officer.replica.append(
                .amend(Amendment(field: .notes, value: "Arrested", reason: "Custody suite not needed here")),
                recordId: intervention.id
            )
            try await sync(officer)
            let note = Note(recordId: sighting.id, author: doorA.caller.userId, recordedAt: now, text: "CCTV kept")
            try doorA.replica.append(.createNote(note), recordId: note.id)
            for person in people { try await sync(person) }
            let family: Set<UUID> = [sighting.id, intervention.id, note.id]
            #expect(Set(try doorA.replica.records().map(\.id)) == family)
            #expect(try doorB.replica.records().isEmpty)
            try await expectEqualToProjection(doorA, "door A before the move")
            // The check can fail: the officer's device holds the notes the correction replaced; door A holds
            // nothing of them, neither in the correction nor in the history.
            let corrected = try #require(try officer.replica.record(id: intervention.id)?.amendments.first)
            #expect(corrected.amendment.replaced == intervention.notes)
            let seenCorrection = try #require(try doorA.replica.record(id: intervention.id)?.amendments.first)
            #expect(seenCorrection.amendment.replaced == "" && seenCorrection.replacedValue == "")
            var doorContent = Data()
            for operation in try doorA.replica.allOperations() {
                doorContent.append(WireCoding.encodeOperation(operation))
            }
            doorContent.append(try WireCoding.encode(try doorA.replica.records()))
            #expect(doorContent.range(of: Data("St Anne Street".utf8)) == nil, "door A holds the replaced notes")

            // Both doors offline; door A writes another note meanwhile; a supervisor moves the sighting.
            let lateNote = Note(recordId: sighting.id, author: doorA.caller.userId, recordedAt: now, text: "Taxi left")
            try doorA.replica.append(.createNote(lateNote), recordId: lateNote.id)
            try supervisor.replica.append(
                .amend(Amendment(field: .venue, value: Self.venueB, reason: "Recorded against the wrong door")),
                recordId: sighting.id
            )
            try await sync(supervisor)

            try await sync(doorA)
            #expect(try doorA.replica.records().isEmpty, "door A keeps records of another venue")
            let parked = try doorA.replica.parkedOperations()
            #expect(parked.map(\.code) == ["unknown-record"], "door A's late note is not shown as refused")
            try await expectEqualToProjection(doorA, "door A after the move")
            try await sync(doorB)
            #expect(Set(try doorB.replica.records().map(\.id)) == family)
            try await expectEqualToProjection(doorB, "door B after the move")
            guard case .intervention(let seen)? = try doorB.replica.record(id: intervention.id)?.current else {
                Issue.record("door B has no intervention")
                return
            }
            #expect(seen.by == AccessProjection.policeUser && seen.actions == [.policeAttended])

            // And back again, both doors offline across it.
            try await sync(supervisor)
            try supervisor.replica.append(
                .amend(Amendment(field: .venue, value: Self.venueA, reason: "It was door A after all")),
                recordId: sighting.id
            )
            try await sync(supervisor)
            try await sync(doorB)
            try await sync(doorA)
            #expect(try doorB.replica.records().isEmpty)
            #expect(Set(try doorA.replica.records().map(\.id)) == family)
            try await expectEqualToProjection(doorA, "door A after the move back")
            try await expectEqualToProjection(doorB, "door B after the move back")
        }
    }
}
