import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import Testing

/// Every malformed request is answered 4xx with a JSON `ErrorBody`, never a 500, and changes nothing.
@Suite("Bad input")
struct BadInputTests {
    @Test("malformed JSON is bad-json")
    func malformedJSON() async throws {
        try await withRouter { store, client in
            let response = try await client.post("/v1/sync/push", body: Data("{not json".utf8))
            try expectError(response, status: .badRequest, code: "bad-json")
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("an empty body is bad-json")
    func emptyBody() async throws {
        try await withRouter { _, client in
            let response = try await client.post("/v1/sync/push", body: Data())
            try expectError(response, status: .badRequest, code: "bad-json")
        }
    }

    @Test("a field of the wrong type is bad-json")
    func wrongType() async throws {
        try await withRouter { store, client in
            var push = try jsonObject(PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()]))
            push["protocolVersion"] = "one"
            let response = try await client.post("/v1/sync/push", body: try jsonData(push))
            let error = try expectError(response, status: .badRequest, code: "bad-json")
            #expect(error.message.contains("protocolVersion"))
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test(
        "null where the document gives a type is bad-json and adds no one",
        arguments: [
            #"{"id":"PC-5120","role":"officer","venueIds":null}"#,
            #"{"id":"SIA-5120-0001","role":"venue-staff","venueIds":[null]}"#,
            #"{"id":null,"role":"officer"}"#,
        ]
    )
    func nullInUserIsRefused(body: String) async throws {
        try await withRouter { store, client in
            let admin = client.signed(with: try await Accounts.adminToken(store))
            let before = try await store.users().count
            let response = try await admin.post("/v1/admin/users", body: Data(body.utf8))
            let error = try expectError(response, status: .badRequest, code: "bad-json")
            #expect(error.message.contains("null"))
            #expect(try await store.users().count == before)
        }
    }

    @Test("null in a pushed operation is bad-json, and nothing is stored")
    func nullInPushIsRefused() async throws {
        try await withRouter { store, client in
            var push = try jsonObject(PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()]))
            var operations = try #require(push["operations"] as? [[String: Any]])
            var payload = try #require(operations[0]["payload"] as? [String: Any])
            payload["narrative"] = NSNull()
            operations[0]["payload"] = payload
            push["operations"] = operations
            let response = try await client.post("/v1/sync/push", body: try jsonData(push))
            try expectError(response, status: .badRequest, code: "bad-json")
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("the word null inside a string is a value like any other")
    func nullInStringIsAccepted() async throws {
        try await withRouter { store, client in
            let admin = client.signed(with: try await Accounts.adminToken(store))
            let response = try await admin.post(
                "/v1/admin/users",
                body: Data(#"{"id":"PC-5121","role":"officer","note":"null, not null"}"#.utf8)
            )
            #expect(response.status == .created, "body: \(response.text)")
        }
    }

    /// A push whose first operation lists a behaviour that does not exist.
    private func pushWithUnknownBehaviour(_ name: String) throws -> Data {
        var push = try jsonObject(PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()]))
        var operations = try #require(push["operations"] as? [[String: Any]])
        var payload = try #require(operations[0]["payload"] as? [String: Any])
        payload["behaviours"] = [name]
        operations[0]["payload"] = payload
        push["operations"] = operations
        return try jsonData(push)
    }

    @Test("an unknown behaviour is unknown-value, naming the field, the value and the values allowed")
    func unknownBehaviour() async throws {
        try await withRouter { store, client in
            let response = try await client.post("/v1/sync/push", body: try pushWithUnknownBehaviour("dancing"))
            let error = try expectError(response, status: .badRequest, code: "unknown-value")
            #expect(error.message.contains("operations[0].payload.behaviours[0]"))
            #expect(error.message.contains("'dancing'") && error.message.contains("docs/openapi.yaml"))
            #expect(error.allowed == Behaviour.allCases.map(\.rawValue))
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("an unknown value that is not shaped like a code is not repeated in the message")
    func unknownValueKeepsWordsOut() async throws {
        try await withRouter { _, client in
            let response = try await client.post("/v1/sync/push", body: try pushWithUnknownBehaviour("PC-9999-jane"))
            let error = try expectError(response, status: .badRequest, code: "unknown-value")
            #expect(!error.message.contains("PC-9999-jane"))
        }
    }

    @Test("a body over 4 MiB is 413 body-too-large")
    func bodyTooLarge() async throws {
        try await withRouter { store, client in
            var body = Data("{\"deviceId\":\"".utf8)
            body.append(Data(repeating: UInt8(ascii: "a"), count: ProtocolLimits.maxRequestBodyBytes))
            body.append(Data("\"}".utf8))
            let response = try await client.post("/v1/sync/push", body: body)
            try expectError(response, status: .contentTooLarge, code: "body-too-large")
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("a body nested 40 deep is 400 too-deep, and nothing is stored")
    func tooDeep() async throws {
        try await withRouter { store, client in
            var push = try jsonObject(PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()]))
            var nested: Any = "deep"
            for _ in 0..<39 { nested = [nested] }
            push["extra"] = nested  // 39 arrays inside the push's object: 40 deep
            let body = try jsonData(push)
            #expect(Self.depth(of: try JSONSerialization.jsonObject(with: body)) == 40)
            let response = try await client.post("/v1/sync/push", body: body)
            let error = try expectError(response, status: .badRequest, code: "too-deep")
            #expect(error.message.contains("\(ProtocolLimits.maxJSONDepth)"))
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("brackets inside strings do not count towards the nesting depth")
    func bracketsInStrings() async throws {
        try await withRouter { store, client in
            var push = try jsonObject(PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()]))
            push["extra"] = String(repeating: "[{\\\"", count: 100)
            let response = try await client.post("/v1/sync/push", body: try jsonData(push))
            #expect(response.status == .ok, "body: \(response.text)")
            #expect(try await store.operationCount() == 1)
        }
    }

    @Test("a body nested exactly 32 deep is not too-deep")
    func deepestAllowed() async throws {
        try await withRouter { store, client in
            var push = try jsonObject(PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()]))
            var nested: Any = "deep"
            for _ in 0..<(ProtocolLimits.maxJSONDepth - 1) { nested = [nested] }
            push["extra"] = nested
            let body = try jsonData(push)
            #expect(Self.depth(of: try JSONSerialization.jsonObject(with: body)) == ProtocolLimits.maxJSONDepth)
            let response = try await client.post("/v1/sync/push", body: body)
            #expect(response.status == .ok, "body: \(response.text)")
            #expect(try await store.operationCount() == 1)
        }
    }

    /// The nesting depth of arrays and objects in a decoded JSON value.
    private static func depth(of value: Any) -> Int {
        switch value {
        case let array as [Any]: 1 + (array.map(depth).max() ?? 0)
        case let object as [String: Any]: 1 + (object.values.map(depth).max() ?? 0)
        default: 0
        }
    }

    @Test(
        "a bad pull parameter is bad-parameter",
        arguments: [
            "after=-1", "limit=0", "limit=abc", "after=abc", "limit=5001", "after=1.5",
            "after=99999999999999999999",
        ]
    )
    func badPullParameter(query: String) async throws {
        try await withRouter { _, client in
            let response = try await client.execute(uri: "/v1/sync/pull?\(query)", method: .get)
            try expectError(response, status: .badRequest, code: "bad-parameter")
        }
    }

    @Test("an unknown route is 404 not-found", arguments: ["/v1/nothing", "/nothing", "/", "/v2/health"])
    func unknownRoute(uri: String) async throws {
        try await withRouter { _, client in
            let response = try await client.execute(uri: uri, method: .get)
            try expectError(response, status: .notFound, code: "not-found")
        }
    }

    @Test(
        "a wrong method is a 4xx JSON error",
        arguments: [
            (HTTPRequest.Method.get, "/v1/sync/push"), (.post, "/v1/sync/pull"), (.delete, "/v1/records"),
            (.put, "/v1/health"),
        ]
    )
    func wrongMethod(method: HTTPRequest.Method, uri: String) async throws {
        try await withRouter { _, client in
            let response = try await client.execute(uri: uri, method: method)
            #expect((400..<500).contains(response.status.code), "status \(response.status)")
            let error = try #require(try? response.decode(ErrorBody.self), "not an ErrorBody: \(response.text)")
            switch response.status {
            case .methodNotAllowed: #expect(error.code == "method-not-allowed")
            case .notFound: #expect(error.code == "not-found")
            default: Issue.record("unexpected status \(response.status)")
            }
        }
    }
}
