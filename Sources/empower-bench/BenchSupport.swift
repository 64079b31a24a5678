import AsyncHTTPClient
import Central
import Foundation
import Models
import Sync

/// What every measure shares: identities, sightings, timing and medians.
extension BenchCommand {
    /// The connection pool of every simulated device, with room for a whole fleet syncing at once (it lives
    /// as long as the process).
    static let httpClient = HTTPTransport.makeClient(connectionsPerHost: 512)

    static func progress(_ message: String) {
        FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
    }

    static func identity(_ deviceId: String, serverURL: URL = URL(string: "http://127.0.0.1:9")!) -> DeviceIdentity {
        DeviceIdentity(deviceId: deviceId, userId: "PC-4127", role: .officer, venueId: nil, serverURL: serverURL)
    }

    /// Enrols a benchmark device (an officer, PC-4127) in the store: its access token.
    static func token(_ deviceId: String, in store: some AccountDirectory) async throws -> String {
        try await store.provisionDevice(deviceId, for: UserAccount(id: "PC-4127", role: .officer))
    }

    static func sighting(
        index: Int,
        by reporter: String = "PC-4127",
        at venue: String = "venue-concert-sq-01"
    )
        -> Sighting
    {
        let now = Date().truncatedToMilliseconds
        return Sighting(
            occurredAt: now,
            recordedAt: now,
            reporter: reporter,
            location: Location(venueId: venue, place: "By the front door"),
            behaviours: [.repeatedApproaches, .targetingIntoxicated],
            subject: SubjectDescription(sex: .male, ageBand: .from25to34, clothing: "Navy jacket"),
            riskLevel: .medium,
            narrative: "Benchmark sighting \(index): approached several women after being turned away."
        )
    }

    static func time(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return seconds(ContinuousClock.now - start)
    }

    static func timeAsync(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return seconds(ContinuousClock.now - start)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
