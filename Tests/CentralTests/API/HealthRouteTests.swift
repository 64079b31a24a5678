import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Testing

@Suite("GET /v1/health")
struct HealthRouteTests {
    @Test("answers 200 with status ok and protocol version 1")
    func health() async throws {
        try await withRouter { _, client in
            let response = try await client.execute(uri: "/v1/health", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let health = try response.decode(HealthResponse.self)
            #expect(health.status == "ok")
            #expect(health.protocolVersion == 2)
        }
    }
}
