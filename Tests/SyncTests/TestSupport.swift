import Foundation
import Models
import Sync

/// The data key of every replica these tests make: in-process tests need no secret and no keyring.
let testDataKey = DataKey.random()

/// A fresh temporary directory, removed when the test process ends is not guaranteed: tests remove it.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("empower-sync-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A replica on a real SQLite file in its own temporary directory.
func makeReplica(
    deviceId: String = "dev-test-1",
    userId: String = "PC-4127",
    role: Role = .officer,
    venueId: String? = nil
) throws -> LocalReplica {
    try LocalReplica.create(
        in: try makeTemporaryDirectory().appendingPathComponent("device"),
        identity: DeviceIdentity(
            deviceId: deviceId,
            userId: userId,
            role: role,
            venueId: venueId,
            serverURL: URL(string: "http://127.0.0.1:9")!
        ),
        key: testDataKey
    )
}

/// A valid sighting by `reporter` at `venueId`, happening now.
func makeSighting(reporter: String = "PC-4127", venueId: String = "venue-concert-sq-01") -> Sighting {
    let now = Date().truncatedToMilliseconds
    return Sighting(
        occurredAt: now,
        recordedAt: now,
        reporter: reporter,
        location: Location(venueId: venueId, place: "Concert Square"),
        behaviours: [.repeatedApproaches],
        riskLevel: .medium,
        narrative: "Approached several women after being turned away."
    )
}
