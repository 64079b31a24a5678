import Foundation
import Models
import Sync
import Testing

@Suite("Sync engine")
struct SyncEngineTests {
    @Test("an unreachable server gives a clear error and everything stays queued")
    func unreachableServer() async throws {
        let replica = try makeReplica()
        let sighting = makeSighting()
        try replica.append(.createSighting(sighting), recordId: sighting.id)
        // Port 9 (discard) on loopback has no listener here: the connection is refused.
        let engine = SyncEngine(
            replica: replica,
            transport: HTTPTransport(serverURL: URL(string: "http://127.0.0.1:9")!, token: nil, requestTimeout: 5)
        )
        await #expect {
            try await engine.sync()
        } throws: { error in
            guard case .unreachable(_, let reason)? = error as? SyncError else { return false }
            return reason == "connection refused" && "\(error)".contains("stays queued")
        }
        #expect(try replica.status().pending == 1)
        #expect(try replica.status().lastSyncAt == nil)
    }
}
