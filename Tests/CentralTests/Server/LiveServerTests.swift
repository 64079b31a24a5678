import Central
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import Testing

@Suite("The server over real HTTP")
struct LiveServerTests {
    @Test("push then pull over a real socket")
    func pushThenPull() async throws {
        try await withStore { store in
            let token = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer)
            let app = CentralServer.buildApplication(
                configuration: CentralConfiguration(host: "127.0.0.1", port: 0),
                store: store,
                logger: quietLogger
            )
            try await app.test(.live) { live in
                let client = SignedClient(base: live, token: token)
                #expect(client.port != nil)
                let health = try await client.get("/v1/health", as: HealthResponse.self)
                #expect(health == HealthResponse(status: "ok", protocolVersion: 2))

                let operations = [Fixture.createSighting(), Fixture.createSighting()]
                let answer = try await client.pushAccepted(operations)
                #expect(answer.accepted == operations.map(\.opId))
                #expect(answer.rejected.isEmpty)

                let page = try await client.pull(after: 0)
                #expect(page.operations.map(\.operation) == operations)
                #expect(page.hasMore == false)
                #expect(page.cursor == page.operations.last?.seq)

                let missing = try await client.execute(uri: "/v1/nothing", method: .get)
                try expectError(missing, status: .notFound, code: "not-found")

                try expectUnauthorized(try await client.unsigned.execute(uri: "/v1/sync/pull", method: .get))
            }
            #expect(try await store.operationCount() == 2)
        }
    }
}
