import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import Testing

/// The server reads one strict kind of JSON (issue 16): whatever a client sends that either decoder would have
/// read its own way is refused with 400, naming the broken rule, and nothing is stored.
@Suite("Strict wire")
struct StrictWireTests {
    static func pushText() throws -> String {
        let push = PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()])
        return String(decoding: try WireCoding.encode(push), as: UTF8.self)
    }

    static func pushBody(_ change: (String) -> String) throws -> Data {
        let text = try pushText()
        let changed = change(text)
        #expect(changed != text)
        return Data(changed.utf8)
    }

    @Test("a key twice in a pushed operation is bad-json naming the rule, and nothing is stored")
    func duplicateKey() async throws {
        try await withRouter { store, client in
            let body = try Self.pushBody {
                $0.replacingOccurrences(of: "\"author\":", with: "\"author\":\"PC-9999\",\"author\":")
            }
            let response = try await client.post("/v1/sync/push", body: body)
            let error = try expectError(response, status: .badRequest, code: "bad-json")
            #expect(error.message.contains("twice"))
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("invalid UTF-8 in a pushed operation is bad-json naming the rule, and nothing is stored")
    func invalidUTF8() async throws {
        try await withRouter { store, client in
            let parts = try Self.pushText().components(separatedBy: "\"narrative\":\"")
            try #require(parts.count == 2)
            let body = Data(Array((parts[0] + "\"narrative\":\"").utf8) + [0xC0, 0xAF] + Array(parts[1].utf8))
            let response = try await client.post("/v1/sync/push", body: body)
            let error = try expectError(response, status: .badRequest, code: "bad-json")
            #expect(error.message.contains("UTF-8"))
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("a number JSON does not allow (a leading zero) is bad-json, and nothing is stored")
    func leadingZero() async throws {
        try await withRouter { store, client in
            let body = try Self.pushBody { $0.replacingOccurrences(of: "\"hlc\":", with: "\"hlc\":0") }
            let response = try await client.post("/v1/sync/push", body: body)
            try expectError(response, status: .badRequest, code: "bad-json")
            #expect(try await store.operationCount() == 0)
        }
    }
}
