import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import Testing

/// Every endpoint takes only the query parameters it documents, each once (issue 16): a misspelt one is refused
/// with 400 naming it and the ones taken, never read as if it were absent.
@Suite("Query parameters")
struct QueryParameterTests {
    @Test("a pull with 'cursor' instead of 'after' is refused, naming both")
    func pullWithCursor() async throws {
        try await withRouter { _, client in
            let response = try await client.execute(uri: "/v1/sync/pull?cursor=0", method: .get)
            let error = try expectError(response, status: .badRequest, code: "unknown-parameter")
            #expect(error.message.contains("'cursor'"))
            #expect(error.message.contains("after, limit"))
        }
    }

    @Test(
        "unknown or repeated parameters are refused on endpoints with and without parameters",
        arguments: [
            ("/v1/health?verbose=1", "unknown-parameter"),
            ("/v1/venues?all=true", "unknown-parameter"),
            ("/v1/sync/pull?after=0&limit=5&x=", "unknown-parameter"),
            ("/v1/sync/pull?after=0&after=7", "bad-parameter"),
            ("/v1/device/enrolments?x=1", "unknown-parameter"),
        ]
    )
    func refused(uri: String, code: String) async throws {
        try await withRouter { _, client in
            let response = try await client.execute(uri: uri, method: .get)
            try expectError(response, status: .badRequest, code: code)
        }
    }

    @Test("a push with a query parameter is refused and stores nothing")
    func pushWithParameter() async throws {
        try await withRouter { store, client in
            let body = try WireCoding.encode(
                PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()])
            )
            let response = try await client.post("/v1/sync/push?dryRun=1", body: body)
            let error = try expectError(response, status: .badRequest, code: "unknown-parameter")
            #expect(error.message.contains("takes none"))
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("the documented parameters still work, and a long or odd name is not repeated back")
    func documented() async throws {
        try await withRouter { _, client in
            _ = try await client.pull(after: 0, limit: 5)
            let health = try await client.execute(uri: "/v1/health", method: .get)
            #expect(health.status == .ok)
            let odd = try await client.execute(uri: "/v1/health?\(String(repeating: "a", count: 60))=1", method: .get)
            let error = try expectError(odd, status: .badRequest, code: "unknown-parameter")
            #expect(!error.message.contains("aaaa"))
        }
    }
}
