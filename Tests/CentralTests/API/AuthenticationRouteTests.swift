import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import Testing

/// Every endpoint but health and enrolment answers 401 JSON without a valid bearer token, and does nothing.
@Suite("Bearer authentication")
struct AuthenticationRouteTests {
    /// Every endpoint that needs a token; POSTs carry a body the right caller could send, so that only the
    /// token can be the reason for refusal.
    static let protectedEndpoints: [(HTTPRequest.Method, String)] = [
        (.post, "/v1/sync/push"),
        (.get, "/v1/sync/pull"),
        (.get, "/v1/sync/pull?after=0&limit=10"),
        (.get, "/v1/venues"),
        (.get, "/v1/records?reason=Checking"),
        (.get, "/v1/records/export?reason=Checking&recipient=Licensing&format=csv"),
        (.get, "/v1/records/5B8E2C1A-0000-4000-8000-000000000001?reason=Checking"),
        (.get, "/v1/admin/venues"),
        (.post, "/v1/admin/venues"),
        (.get, "/v1/admin/users"),
        (.post, "/v1/admin/users"),
        (.get, "/v1/admin/devices"),
        (.post, "/v1/admin/devices"),
        (.post, "/v1/admin/devices/dev-test-1/revoke"),
        (.post, "/v1/admin/devices/dev-test-1/token"),
        (.get, "/v1/admin/audit"),
        (.get, "/v1/admin/audit/verify"),
    ]

    /// A body the endpoint would accept from the right caller.
    private static func body(for method: HTTPRequest.Method, _ uri: String) throws -> ByteBuffer? {
        guard method == .post else { return nil }
        let data: Data =
            switch uri {
            case "/v1/sync/push":
                try WireCoding.encode(PushRequest(deviceId: Fixture.deviceId, operations: [Fixture.createSighting()]))
            case "/v1/admin/venues": try WireCoding.encode(Fixture.venues[1])
            case "/v1/admin/users": try WireCoding.encode(NewUser(id: "PC-7001", role: .officer))
            case "/v1/admin/devices": try WireCoding.encode(NewDevice(deviceId: "dev-new-1", userId: Fixture.author))
            default: Data()
            }
        return ByteBuffer(bytes: data)
    }

    /// Sends every protected endpoint with `authorization` (none when nil) and checks each is 401
    /// `unauthorized` with `WWW-Authenticate: Bearer`, that the answer does not repeat the header, and that
    /// nothing was stored or audited.
    private func expectEveryEndpointRefused(
        authorization: @escaping @Sendable (SQLiteCentralStore) async throws -> String?
    )
        async throws
    {
        try await withRouter { store, client in
            let header = try await authorization(store)
            let auditBefore = try await store.auditEntries(matching: AuditFilter())
            let usersBefore = try await store.users()
            let devicesBefore = try await store.devices()
            for (method, uri) in Self.protectedEndpoints {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let header { headers[.authorization] = header }
                let response = try await client.unsigned.execute(
                    uri: uri,
                    method: method,
                    headers: headers,
                    body: try Self.body(for: method, uri)
                )
                try expectUnauthorized(response)
                #expect(response.status == .unauthorized, "\(method) \(uri)")
                if let header, header.count > 8 {
                    #expect(!response.text.contains(header.dropFirst(7)), "\(method) \(uri) echoed the token")
                }
            }
            #expect(try await store.operationCount() == 0)
            #expect(try await store.venues().isEmpty)
            #expect(try await store.users() == usersBefore)
            #expect(try await store.devices() == devicesBefore)
            #expect(try await store.auditEntries(matching: AuditFilter()) == auditBefore)
        }
    }

    @Test("every endpoint but health and enrolment is 401 without a token, and changes nothing")
    func noToken() async throws {
        try await expectEveryEndpointRefused { _ in nil }
    }

    @Test(
        "every endpoint is 401 with a garbage Authorization header",
        arguments: [
            "Bearer garbage",
            "Bearer ",
            "Bearer",
            "Basic UEMtNDEyNzpwYXNzd29yZA==",
            "Bearer emp_",
            "Bearer emp_\(String(repeating: "A", count: 42))",
            "Bearer emp_\(String(repeating: "A", count: 44))",
            "Bearer xyz_\(String(repeating: "A", count: 43))",
            "Bearer emp_\(String(repeating: "A", count: 42))!",
            "Bearer emp_\(String(repeating: "A", count: 42))=",
            "Bearer \(String(repeating: "A", count: 10_000))",
        ]
    )
    func garbageToken(header: String) async throws {
        try await expectEveryEndpointRefused { _ in header }
    }

    @Test("a well-formed token that was never issued is 401")
    func unknownToken() async throws {
        try await expectEveryEndpointRefused { _ in "Bearer \(AccessToken.generate())" }
    }

    @Test("the stored hash of a valid token is not itself a token (401)")
    func hashIsNotAToken() async throws {
        try await expectEveryEndpointRefused { store in
            let token = try await Accounts.adminToken(store)
            return "Bearer \(AccessToken.hash(token))"
        }
    }

    @Test("a valid token with extra words, or in lower-case scheme with extra spaces, is handled exactly")
    func headerShape() async throws {
        try await withRouter { _, client in
            let token = try #require(client.token)
            let extra = try await client.unsigned.execute(
                uri: "/v1/sync/pull",
                method: .get,
                headers: [.authorization: "Bearer \(token) \(token)"]
            )
            try expectUnauthorized(extra)
            let prefixed = try await client.unsigned.execute(
                uri: "/v1/sync/pull",
                method: .get,
                headers: [.authorization: "Bearer x\(token)"]
            )
            try expectUnauthorized(prefixed)
            let truncated = try await client.unsigned.execute(
                uri: "/v1/sync/pull",
                method: .get,
                headers: [.authorization: "Bearer \(token.dropLast())"]
            )
            try expectUnauthorized(truncated)
            let lowerCase = try await client.unsigned.execute(
                uri: "/v1/sync/pull",
                method: .get,
                headers: [.authorization: "bearer  \(token)"]
            )
            #expect(lowerCase.status == .ok, "the scheme is case-insensitive: \(lowerCase.text)")
        }
    }

    @Test("an enrolment token is not an access token (401), and stays unspent")
    func enrolmentTokenIsNotAccess() async throws {
        try await withRouter { store, client in
            try await store.addUser(Accounts.secondOfficer, by: .console(), now: Date())
            let enrolment = try await store.enrolDevice(
                id: Accounts.secondOfficerDevice,
                userId: Accounts.secondOfficer.id,
                by: .console(),
                now: Date()
            )
            let pull = try await client.signed(with: enrolment).execute(uri: "/v1/sync/pull", method: .get)
            try expectUnauthorized(pull)
            let redeemed = try await store.redeemEnrolment(token: enrolment, now: Date())
            #expect(redeemed?.deviceId == Accounts.secondOfficerDevice)
        }
    }

    @Test("a revoked device's token is 401 at once")
    func revokedToken() async throws {
        try await withRouter { store, client in
            #expect(try await client.execute(uri: "/v1/sync/pull", method: .get).status == .ok)
            try await store.revokeDevice(id: Fixture.deviceId, by: .console(), now: Date())
            try expectUnauthorized(try await client.execute(uri: "/v1/sync/pull", method: .get))
            let push = try await client.push([Fixture.createSighting()])
            try expectUnauthorized(push)
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("health answers without a token")
    func healthIsOpen() async throws {
        try await withRouter { _, client in
            let response = try await client.unsigned.execute(uri: "/v1/health", method: .get)
            #expect(response.status == .ok)
        }
    }

    @Test("enrolment without a token, or with garbage, is 401 JSON")
    func enrolWithoutToken() async throws {
        try await withRouter { _, client in
            try expectUnauthorized(try await client.unsigned.execute(uri: "/v1/enrol", method: .post))
            try expectUnauthorized(try await client.signed(with: "garbage").execute(uri: "/v1/enrol", method: .post))
            // The device's access token is not an enrolment token either.
            try expectUnauthorized(try await client.execute(uri: "/v1/enrol", method: .post))
        }
    }
}
