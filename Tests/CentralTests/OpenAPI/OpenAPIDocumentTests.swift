import Central
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import Testing

/// `docs/openapi.yaml` describes exactly the routes the server serves: every documented path and method is
/// answered by a real handler over real HTTP, every route the router registers is documented, paths and
/// methods that are not documented are 404, and the document's security declarations hold.
@Suite("The OpenAPI document matches the routes")
struct OpenAPIDocumentTests {
    // MARK: Reading the document

    /// One documented operation: an HTTP method and a path template such as `/v1/records/{id}`.
    struct Operation: Hashable, Comparable, CustomStringConvertible {
        var method: String
        var path: String

        var description: String { "\(method) \(path)" }

        static func < (lhs: Operation, rhs: Operation) -> Bool {
            (lhs.path, lhs.method) < (rhs.path, rhs.method)
        }
    }

    /// What the document says of one operation besides its method and path.
    struct Documented: Hashable {
        var operation: Operation
        /// The operation's own `security:` value when it overrides the global one (`[]` for none), else nil.
        var security: String?
    }

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Reads the operations under `paths:` line by line: a path is a key indented two spaces that starts
    /// with `/`; a method is a key indented four spaces under it; an override of security is a `security:`
    /// key indented six spaces under a method. Enough YAML for this document, with no YAML package.
    static func documentedOperations(in text: String) -> [Documented] {
        var operations: [Documented] = []
        var inPaths = false
        var path: String?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 0 {
                inPaths = trimmed == "paths:"
                path = nil
                continue
            }
            guard inPaths, trimmed.hasSuffix(":") || trimmed.contains(": ") else { continue }
            let key = String(trimmed.prefix { $0 != ":" })
            switch indent {
            case 2:
                path = key.hasPrefix("/") && trimmed.hasSuffix(":") ? key : nil
            case 4:
                guard let path, methods.contains(key), trimmed == key + ":" else { continue }
                operations.append(Documented(operation: Operation(method: key.uppercased(), path: path)))
            case 6:
                guard key == "security", path != nil, let last = operations.indices.last else { continue }
                let value = trimmed.dropFirst("security:".count).trimmingCharacters(in: .whitespaces)
                operations[last].security = value.isEmpty ? "custom" : value
            default:
                continue
            }
        }
        return operations
    }

    /// `docs/openapi.yaml`, found from this file (`Tests/CentralTests/OpenAPI/`).
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // OpenAPI
        .deletingLastPathComponent()  // CentralTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the package
        .appendingPathComponent("docs/openapi.yaml")

    static func document() throws -> [Documented] {
        let text = try String(contentsOf: documentURL, encoding: .utf8)
        return documentedOperations(in: text)
    }

    @Test("the line reader finds paths, methods and security overrides, and nothing else")
    func readerReadsWhatItShould() {
        let text = """
            openapi: 3.0.3
            security:
              - accessToken: []
            paths:
              /v1/health:
                get:
                  security: []
                  responses:
                    "200":
                      description: up
                      content:
                        application/json:
                          schema:
                            properties:
                              get:
                                type: string
              # a comment
              /v1/things/{id}:
                parameters:
                  - name: id
                post:
                  security:
                    - enrolmentToken: []
                  requestBody:
                    content: {}
                delete:
                  summary: "post: not a method"
            components:
              schemas:
                post:
                  type: object
            """
        let operations = Self.documentedOperations(in: text)
        #expect(
            operations == [
                Documented(operation: Operation(method: "GET", path: "/v1/health"), security: "[]"),
                Documented(operation: Operation(method: "POST", path: "/v1/things/{id}"), security: "custom"),
                Documented(operation: Operation(method: "DELETE", path: "/v1/things/{id}"), security: nil),
            ]
        )
    }

    @Test("the document lists each operation once")
    func documentHasNoRepeats() throws {
        let operations = try Self.document().map(\.operation)
        #expect(operations.count >= 18, "only \(operations.count) operations read from \(Self.documentURL.path)")
        #expect(Set(operations).count == operations.count)
    }

    // MARK: Router ↔ document

    @Test("every route the router registers is documented, and every documented operation is registered")
    func routerAndDocumentAgree() async throws {
        try await withStore { store in
            let router = CentralServer.buildRouter(store: store)
            let registered = Set(router.routes.map { Operation(method: $0.method.rawValue, path: $0.path.description) })
            let documented = Set(try Self.document().map(\.operation))
            #expect(!registered.isEmpty)
            #expect(registered.subtracting(documented).sorted() == [], "registered but not documented")
            #expect(documented.subtracting(registered).sorted() == [], "documented but not registered")
        }
    }

    // MARK: Over real HTTP

    /// Tokens of each role, a real record and spare devices, in a store behind a live server.
    struct Setup: Sendable {
        var admin: String
        var supervisor: String
        var officer: String
        var recordId: UUID
        var enrolmentToken: String
        /// The access token of a device an administrator ordered wiped.
        var wipeOrdered: String
    }

    static let venue = Venue(
        id: "venue-concert-sq-01",
        name: "The Lantern Rooms",
        licenceNumber: "TEST-LCC-PL-0001",
        area: "Liverpool city centre",
        address: "12 Concert Square, Liverpool",
        latitude: 53.4034,
        longitude: -2.98
    )

    static func prepare(_ store: SQLiteCentralStore) async throws -> Setup {
        let now = Date()
        try await store.saveVenue(venue, by: .console(), now: now)
        let admin = try await store.provisionDevice("dev-oa-admin", for: UserAccount(id: "ADM-0001", role: .admin))
        let supervisor = try await store.provisionDevice(
            "dev-oa-supervisor",
            for: UserAccount(id: "PS-1012", role: .supervisor)
        )
        let officerUser = UserAccount(id: "PC-4127", role: .officer)
        let officer = try await store.provisionDevice("dev-oa-officer", for: officerUser)
        // The officer's further devices wait for approval; the officer approves them, but for spare 3.
        let approver = Caller(userId: officerUser.id, deviceId: "dev-oa-officer", role: .officer)
        for spare in ["dev-oa-spare-1", "dev-oa-spare-2", "dev-oa-spare-3"] {
            _ = try await store.enrolDevice(id: spare, userId: officerUser.id, by: .console(), now: now)
        }
        let enrolmentToken = try await store.enrolDevice(
            id: "dev-oa-new",
            userId: officerUser.id,
            by: .console(),
            now: now
        )
        for device in ["dev-oa-spare-1", "dev-oa-spare-2", "dev-oa-new"] {
            _ = try await store.approveEnrolment(deviceId: device, by: approver, now: now)
        }
        _ = try await store.provisionDevice("dev-oa-lost", for: officerUser)
        let wipeOrdered = try await store.provisionDevice("dev-oa-stolen", for: officerUser)
        _ = try await store.orderWipe(deviceId: "dev-oa-stolen", by: .console(), now: now)

        let stamp = now.truncatedToMilliseconds
        let sighting = Sighting(
            occurredAt: stamp,
            recordedAt: stamp,
            reporter: officerUser.id,
            location: Location(venueId: venue.id),
            behaviours: [.following],
            riskLevel: .medium
        )
        let create = LogOperation(
            deviceId: "dev-oa-officer",
            author: officerUser.id,
            hlc: HLCTimestamp(wallMilliseconds: stamp.millisecondsSince1970, counter: 0),
            recordId: sighting.id,
            payload: .createSighting(sighting)
        )
        let caller = Caller(userId: officerUser.id, deviceId: "dev-oa-officer", role: .officer)
        let outcome = try await store.push([create], by: caller, now: now)
        try #require(outcome.accepted == [create.opId], "the seed record was refused: \(outcome.rejected)")
        try await TestAuditKey.sealAll(store)
        return Setup(
            admin: admin,
            supervisor: supervisor,
            officer: officer,
            recordId: sighting.id,
            enrolmentToken: enrolmentToken,
            wipeOrdered: wipeOrdered
        )
    }

    /// A request that a documented operation answers with success.
    struct Call {
        var uri: String
        var token: String?
        var body: String?
    }

    /// How to call each documented operation so that it succeeds; nil for one this test does not know, which
    /// is then only checked to reach a handler.
    static func call(_ operation: Operation, _ setup: Setup) -> Call? {
        let reading = "reason=route-check"
        switch operation.description {
        case "GET /v1/health": return Call(uri: "/v1/health", token: nil)
        case "POST /v1/enrol": return Call(uri: "/v1/enrol", token: setup.enrolmentToken)
        case "POST /v1/sync/push":
            return Call(
                uri: "/v1/sync/push",
                token: setup.officer,
                body: #"{"protocolVersion":1,"deviceId":"dev-oa-officer","operations":[]}"#
            )
        case "GET /v1/sync/pull": return Call(uri: "/v1/sync/pull?after=0&limit=10", token: setup.officer)
        case "GET /v1/venues": return Call(uri: "/v1/venues", token: setup.officer)
        case "GET /v1/records": return Call(uri: "/v1/records?\(reading)&type=sighting", token: setup.supervisor)
        case "GET /v1/records/export":
            return Call(uri: "/v1/records/export?\(reading)&recipient=route-check&format=csv", token: setup.supervisor)
        case "GET /v1/records/{id}":
            return Call(uri: "/v1/records/\(setup.recordId.uuidString)?\(reading)", token: setup.supervisor)
        case "GET /v1/admin/venues": return Call(uri: "/v1/admin/venues", token: setup.admin)
        case "POST /v1/admin/venues":
            return Call(
                uri: "/v1/admin/venues",
                token: setup.admin,
                body: """
                    {"id":"venue-bold-st-09","name":"Copperline Bar","licenceNumber":"TEST-LCC-PL-0099",\
                    "area":"Liverpool city centre","address":"9 Bold Street, Liverpool",\
                    "latitude":53.4029,"longitude":-2.9806}
                    """
            )
        case "GET /v1/admin/users": return Call(uri: "/v1/admin/users", token: setup.admin)
        case "POST /v1/admin/users":
            return Call(uri: "/v1/admin/users", token: setup.admin, body: #"{"id":"PC-5120","role":"officer"}"#)
        case "GET /v1/admin/devices": return Call(uri: "/v1/admin/devices", token: setup.admin)
        case "POST /v1/admin/devices":
            return Call(
                uri: "/v1/admin/devices",
                token: setup.admin,
                body: #"{"deviceId":"dev-oa-enrolled","userId":"PC-4127"}"#
            )
        case "POST /v1/admin/devices/{id}/revoke":
            return Call(uri: "/v1/admin/devices/dev-oa-spare-1/revoke", token: setup.admin)
        case "POST /v1/admin/devices/{id}/wipe":
            return Call(uri: "/v1/admin/devices/dev-oa-lost/wipe", token: setup.admin)
        case "POST /v1/device/wiped": return Call(uri: "/v1/device/wiped", token: setup.wipeOrdered)
        case "POST /v1/admin/devices/{id}/token":
            return Call(uri: "/v1/admin/devices/dev-oa-spare-2/token", token: setup.admin)
        case "GET /v1/device/enrolments": return Call(uri: "/v1/device/enrolments", token: setup.officer)
        case "POST /v1/device/enrolments/{id}/approve":
            return Call(uri: "/v1/device/enrolments/dev-oa-spare-3/approve", token: setup.officer)
        case "GET /v1/admin/audit": return Call(uri: "/v1/admin/audit?actor=PC-4127", token: setup.admin)
        case "GET /v1/admin/audit/verify": return Call(uri: "/v1/admin/audit/verify", token: setup.supervisor)
        case "GET /v1/admin/audit/head": return Call(uri: "/v1/admin/audit/head", token: setup.supervisor)
        case "GET /v1/admin/audit/consistency":
            return Call(uri: "/v1/admin/audit/consistency?from=1", token: setup.admin)
        case "GET /v1/admin/audit/proof/{seq}": return Call(uri: "/v1/admin/audit/proof/1", token: setup.supervisor)
        default: return nil
        }
    }

    /// A path template with every `{parameter}` filled with a placeholder.
    static func placeholderPath(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") ? "placeholder-0" : String(part)
        }.joined(separator: "/")
    }

    static func send(
        _ client: some TestClientProtocol,
        _ method: String,
        _ uri: String,
        token: String?,
        body: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: uri,
            method: HTTPRequest.Method(method)!,
            headers: headers,
            body: body.map { ByteBuffer(string: $0) }
        )
    }

    static func errorBody(_ response: TestResponse) -> ErrorBody? {
        try? WireCoding.decode(ErrorBody.self, from: Data(response.body.readableBytesView))
    }

    /// Runs `body` against a live server (real HTTP over loopback) on a fresh store.
    static func withLiveServer(
        _ body: @escaping @Sendable (SQLiteCentralStore, Setup, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withStore { store in
            let setup = try await prepare(store)
            var configuration = CentralConfiguration(host: "127.0.0.1", port: 0)
            // These tests send many refused tokens on purpose; the limit on them per address is tested on its own.
            configuration.failureLimits = .unlimited
            let app = CentralServer.buildApplication(configuration: configuration, store: store, logger: quietLogger)
            try await app.test(.live) { client in try await body(store, setup, client) }
        }
    }

    @Test("every documented operation reaches its handler and succeeds")
    func documentedOperationsAreServed() async throws {
        let operations = try Self.document().map(\.operation)
        try await Self.withLiveServer { _, setup, client in
            // What the router answers for a path it does not have, to tell it apart from a handler's 404.
            let missing = try await Self.send(client, "GET", "/v1/no-such-endpoint", token: setup.admin)
            let routeMissing = try #require(Self.errorBody(missing), "not an error body: \(missing.status)")
            #expect(missing.status == .notFound && routeMissing.code == "not-found")

            for operation in operations {
                guard let call = Self.call(operation, setup) else {
                    // An operation this test does not know: it must at least reach a handler.
                    let response = try await Self.send(
                        client,
                        operation.method,
                        Self.placeholderPath(operation.path),
                        token: setup.admin,
                        body: operation.method == "GET" ? nil : "{}"
                    )
                    #expect(
                        Self.errorBody(response) != routeMissing,
                        "\(operation) is documented but the router has no such route"
                    )
                    continue
                }
                let response = try await Self.send(
                    client,
                    operation.method,
                    call.uri,
                    token: call.token,
                    body: call.body
                )
                #expect(
                    (200..<300).contains(response.status.code),
                    "\(operation) answered \(response.status): \(String(buffer: response.body))"
                )
                #expect(Self.errorBody(response) != routeMissing, "\(operation) is not routed")
            }
        }
    }

    @Test("a placeholder id reaches the handler: its 404 is the handler's, not the router's")
    func placeholderIdsReachHandlers() async throws {
        let operations = try Self.document().map(\.operation).filter { $0.path.contains("{") }
        #expect(!operations.isEmpty)
        try await Self.withLiveServer { _, setup, client in
            let missing = try await Self.send(client, "GET", "/v1/no-such-endpoint", token: setup.admin)
            let routeMissing = try #require(Self.errorBody(missing))
            for operation in operations {
                let token = operation.path.hasPrefix("/v1/admin/") ? setup.admin : setup.supervisor
                // Well-formed ids that name nothing (and a placeholder for a parameter this test does not know).
                let path = Self.placeholderPath(
                    operation.path
                        .replacingOccurrences(of: "records/{id}", with: "records/\(UUID().uuidString)")
                        .replacingOccurrences(of: "devices/{id}", with: "devices/dev-oa-nothing")
                        .replacingOccurrences(of: "proof/{seq}", with: "proof/999999")
                )
                let uri = path + (path.hasPrefix("/v1/records/") ? "?reason=route-check" : "")
                let response = try await Self.send(client, operation.method, uri, token: token)
                #expect(response.status == .notFound, "\(operation): \(response.status)")
                let error = try #require(Self.errorBody(response), "\(operation): not an error body")
                #expect(error != routeMissing, "\(operation) with an unknown id looks like an unknown route")
                #expect(error.message != routeMissing.message)
            }
        }
    }

    @Test("paths and methods that are not documented are 404 not-found")
    func undocumentedAreNotFound() async throws {
        let undocumented = [
            Operation(method: "GET", path: "/v1/sync/push"),
            Operation(method: "POST", path: "/v1/sync/pull"),
            Operation(method: "GET", path: "/v1/nothing"),
            Operation(method: "GET", path: "/v1"),
            Operation(method: "GET", path: "/"),
            Operation(method: "GET", path: "/v2/health"),
            Operation(method: "GET", path: "/v1/enrol"),
            Operation(method: "PUT", path: "/v1/venues"),
            Operation(method: "POST", path: "/v1/records"),
            Operation(method: "DELETE", path: "/v1/admin/users"),
            Operation(method: "PATCH", path: "/v1/admin/venues"),
            Operation(method: "GET", path: "/v1/admin/devices/dev-oa-spare-1/revoke"),
            Operation(method: "DELETE", path: "/v1/admin/devices/dev-oa-spare-1"),
            Operation(method: "GET", path: "/v1/records/export/more"),
            Operation(method: "GET", path: "/v1/admin/audit/verify/now"),
        ]
        let documented = Set(try Self.document().map(\.operation))
        try await Self.withLiveServer { _, setup, client in
            for operation in undocumented {
                #expect(!documented.contains(operation), "\(operation) is documented; this list is wrong")
                for token in [setup.admin, setup.supervisor, setup.officer] {
                    let response = try await Self.send(client, operation.method, operation.path, token: token)
                    #expect(response.status == .notFound, "\(operation) answered \(response.status)")
                    #expect(Self.errorBody(response)?.code == "not-found", "\(operation)")
                }
            }
        }
    }

    @Test("operations without their own security need a token; those declared open answer without one")
    func securityDeclarationsHold() async throws {
        let documented = try Self.document()
        #expect(
            documented.filter { $0.security == "[]" }.map(\.operation)
                == [Operation(method: "GET", path: "/v1/health"), Operation(method: "POST", path: "/dashboard/sign-out")]
                + [
                    "/dashboard/style.css", "/dashboard/icon.svg", "/public", "/public/figures.csv",
                    "/public/figures.json", "/assets/empower.css", "/assets/leave.js",
                ].map { Operation(method: "GET", path: $0) }
        )
        try await Self.withLiveServer { _, _, client in
            for entry in documented {
                let operation = entry.operation
                let uri = Self.placeholderPath(operation.path)
                let response = try await Self.send(
                    client,
                    operation.method,
                    uri,
                    token: nil,
                    body: operation.method == "GET" ? nil : "{}"
                )
                switch entry.security {
                case nil:
                    #expect(response.status == .unauthorized, "\(operation) answered \(response.status) with no token")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer", "\(operation)")
                    #expect(Self.errorBody(response)?.code == "unauthorized", "\(operation)")
                    let garbage = try await Self.send(client, operation.method, uri, token: "emp_not-a-token")
                    #expect(garbage.status == .unauthorized, "\(operation) took a made-up token")
                case "[]":
                    #expect(response.status.code < 400, "\(operation) is documented open: \(response.status)")
                default:
                    // Its own scheme (the enrolment token): without one, refused the same way.
                    #expect(response.status == .unauthorized, "\(operation) answered \(response.status) with no token")
                }
            }
        }
    }
}
