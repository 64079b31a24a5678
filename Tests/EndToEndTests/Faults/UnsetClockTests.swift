import Central
import Foundation
import Models
import Testing

@testable import Sync

/// A device whose wall clock was never set (it reads 1970) records before its first sync: the server refuses its
/// stamp as no clock stamp (400 `clock-out-of-range`), over real HTTP, and the operation is parked, then stamped
/// again by the server-anchored clock and stored: never stranded, never stored as 1970.
@Suite("Nothing stranded: a device clock never set")
struct UnsetClockTests {
    @Test("an operation stamped in 1970 is parked as clock-out-of-range, then stamped again and stored")
    func unsetClockRestamped() async throws {
        try await withOneDevice { setup in
            try await CentralServer.withRunningServer(store: setup.store) { serverURL in
                let replica = try LocalReplica.create(
                    in: setup.workspace.appendingPathComponent(setup.device.deviceId),
                    identity: setup.device.identity(serverURL: serverURL),
                    key: testDataKey
                )
                let unset = DeviceTime(wall: Date(millisecondsSince1970: 86_400_000), boot: nil)
                let sighting = Sighting(
                    occurredAt: unset.wall,
                    recordedAt: unset.wall,
                    reporter: setup.device.userId,
                    location: Location(venueId: "venue-bold-st-05", place: "Bold Street"),
                    behaviours: [.following],
                    riskLevel: .medium,
                    narrative: "Followed a woman from the venue towards the taxi rank."
                )
                let recorded = try replica.append(.createSighting(sighting), recordId: sighting.id, now: unset)
                #expect(!recorded.hlc.isPlausible)
                let engine = SyncEngine(
                    replica: replica,
                    transport: HTTPTransport(serverURL: serverURL, token: setup.token, requestTimeout: 10)
                )

                let first = try await engine.sync()
                #expect(first.rejected.map(\.code) == ["clock-out-of-range"], "\(first.rejected)")
                #expect(try await allCentralOperations(setup.store).isEmpty)

                // Anchored by the first sync's pull, the next one stamps it again by the server's clock.
                let second = try await engine.sync()
                #expect(second.restamped == 1)
                #expect(second.pushed == 1)
                let held = try await allCentralOperations(setup.store)
                #expect(held.count == 1)
                #expect(held.first?.recordId == sighting.id)
                #expect(held.first?.hlc.isPlausible == true)
                guard case .createSighting(let stored)? = held.first?.payload else {
                    Issue.record("not the sighting: \(held)")
                    return
                }
                #expect(stored.id == sighting.id && stored.narrative == sighting.narrative)
                #expect(try replica.parkedOperations().isEmpty)
            }
        }
    }
}
