import Central
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import NIOCore
import Testing

/// A fresh temporary directory for one store, removed when `body` returns.
func withStoreDirectory<Result>(_ body: (URL) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("empower-central-tests-\(UUID().uuidString)", isDirectory: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// A real SQLite central store in a fresh temporary directory, removed when `body` returns.
func withStore<Result>(_ body: (SQLiteCentralStore) async throws -> Result) async throws -> Result {
    try await withStoreDirectory { directory in
        try await body(try SQLiteCentralStore(directory: directory))
    }
}

/// A logger that drops everything, so test output shows only the tests.
let quietLogger = Logger(label: "empower.central.tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A fresh store and the real router over it, driven in-process.
///
/// The client signs every request with the access token of an officer (`Fixture.author`) on
/// `Fixture.deviceId`, enrolled in the store the way an administrator and a device would; use
/// `client.signed(with:)` to act as someone else and `client.unsigned` to send no token.
func withRouter(
    rateLimiter: RateLimiter = RateLimiter(),
    _ body: @Sendable (SQLiteCentralStore, SignedClient) async throws -> Void
) async throws {
    try await withStore { store in
        let token = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer)
        let app = Application(
            router: CentralServer.buildRouter(store: store, rateLimiter: rateLimiter),
            logger: quietLogger
        )
        try await app.test(.router) { client in
            try await body(store, SignedClient(base: client, token: token))
        }
    }
}

/// A test client that sends `Authorization: Bearer TOKEN` with every request (nothing when `token` is nil).
struct SignedClient: TestClientProtocol {
    let base: any TestClientProtocol
    let token: String?

    var port: Int? { base.port }

    /// The same client, with another token.
    func signed(with token: String?) -> SignedClient {
        SignedClient(base: base, token: token)
    }

    /// The same client, sending no token.
    var unsigned: SignedClient { signed(with: nil) }

    func executeRequest(
        uri: String,
        method: HTTPRequest.Method,
        headers: HTTPFields,
        body: ByteBuffer?
    ) async throws -> TestResponse {
        var headers = headers
        if let token, headers[.authorization] == nil { headers[.authorization] = "Bearer \(token)" }
        return try await base.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }
}

/// Users and devices of every role, for tests that act as someone other than the default officer.
enum Accounts {
    static let supervisorDevice = "dev-test-sup-1"
    static let supervisor = UserAccount(id: "PS-2201", role: .supervisor)
    static let staffDevice = "dev-test-staff-1"
    /// Venue staff at the first fixture venue.
    static let staff = UserAccount(id: "SIA-1012-0001", role: .venueStaff, venueIds: [Fixture.venueId])
    static let adminDevice = "dev-test-admin-1"
    static let admin = UserAccount(id: "ADM-0001", role: .admin)
    static let secondOfficerDevice = "dev-test-2"
    static let secondOfficer = UserAccount(id: "PC-5310", role: .officer)

    /// Enrols `device` for `user` (saving the fixture venues first for venue staff) and returns its access token.
    static func token(
        _ store: SQLiteCentralStore,
        device: String,
        for user: UserAccount
    ) async throws -> String {
        if user.role == .venueStaff, try await store.venues().isEmpty {
            for venue in Fixture.venues { try await store.saveVenue(venue, by: .console(), now: Date()) }
        }
        return try await store.provisionDevice(device, for: user)
    }

    /// A supervisor's access token.
    static func supervisorToken(_ store: SQLiteCentralStore) async throws -> String {
        try await token(store, device: supervisorDevice, for: supervisor)
    }

    /// Venue staff's access token (staff at `Fixture.venueId`).
    static func staffToken(_ store: SQLiteCentralStore) async throws -> String {
        try await token(store, device: staffDevice, for: staff)
    }

    /// An administrator's access token.
    static func adminToken(_ store: SQLiteCentralStore) async throws -> String {
        try await token(store, device: adminDevice, for: admin)
    }
}

/// Operations and records built the way a device builds them.
enum Fixture {
    static let deviceId = "dev-test-1"
    static let author = "PC-4127"
    static let venueId = "venue-concert-sq-01"
    /// The officer every router test signs in as, on `deviceId`.
    static let officer = UserAccount(id: author, role: .officer)
    /// That officer as the store sees them after checking their token.
    static let caller = Caller(userId: author, deviceId: deviceId, role: .officer)
    /// A valid sighting made now, at a known venue.
    static func sighting(
        id: UUID = UUID(),
        behaviours: [Behaviour] = [.following],
        reporter: String = author,
        venueId: String = venueId
    )
        -> Sighting
    {
        let now = Date().truncatedToMilliseconds
        return Sighting(
            id: id,
            occurredAt: now,
            recordedAt: now,
            reporter: reporter,
            location: Location(venueId: venueId),
            behaviours: behaviours,
            riskLevel: .medium
        )
    }

    /// A clock stamp for now, or `offset` seconds from now.
    static func stamp(offset: TimeInterval = 0, counter: UInt16 = 0) -> HLCTimestamp {
        HLCTimestamp(wallMilliseconds: Date().addingTimeInterval(offset).millisecondsSince1970, counter: counter)
    }

    /// A valid intervention made now at a known venue, with the given actions.
    static func intervention(
        id: UUID = UUID(),
        actions: [InterventionAction] = [.engagement],
        by: String = author,
        venueId: String = venueId
    ) -> Intervention {
        let now = Date().truncatedToMilliseconds
        return Intervention(
            id: id,
            occurredAt: now,
            recordedAt: now,
            by: by,
            location: Location(venueId: venueId),
            actions: actions,
            outcome: .adviceGiven
        )
    }

    /// The operation that creates `intervention`.
    static func create(
        _ intervention: Intervention,
        deviceId: String = deviceId,
        author: String = author
    ) -> LogOperation {
        LogOperation(
            deviceId: deviceId,
            author: author,
            hlc: stamp(),
            recordId: intervention.id,
            payload: .createIntervention(intervention)
        )
    }

    /// The operation that creates `sighting`.
    static func create(
        _ sighting: Sighting,
        opId: UUID = UUID(),
        deviceId: String = deviceId,
        author: String = author,
        hlc: HLCTimestamp = stamp()
    ) -> LogOperation {
        LogOperation(
            opId: opId,
            deviceId: deviceId,
            author: author,
            hlc: hlc,
            recordId: sighting.id,
            payload: .createSighting(sighting)
        )
    }

    /// A create operation for a new valid sighting.
    static func createSighting() -> LogOperation {
        create(sighting())
    }

    /// An amendment of `recordId`, stamped a little after now so it merges after its create.
    static func amend(
        _ recordId: UUID,
        field: AmendableField = .riskLevel,
        value: String = "high",
        reason: String = "Reassessed after speaking to door staff",
        deviceId: String = deviceId,
        author: String = author
    ) -> LogOperation {
        LogOperation(
            deviceId: deviceId,
            author: author,
            hlc: stamp(counter: 1),
            recordId: recordId,
            payload: .amend(Amendment(field: field, value: value, reason: reason))
        )
    }

    static let venues = [
        Venue(
            id: "venue-concert-sq-01",
            name: "The Square Bar",
            licenceNumber: "LIC-0001",
            area: "Liverpool city centre",
            address: "1 Concert Square, Liverpool",
            latitude: 53.4021,
            longitude: -2.9812
        ),
        Venue(
            id: "venue-seel-st-03",
            name: "Seel Street Social",
            licenceNumber: "LIC-0003",
            area: "Liverpool city centre",
            address: "3 Seel Street, Liverpool",
            latitude: 53.4015,
            longitude: -2.9801
        ),
    ]
}

// MARK: - HTTP helpers

extension TestClientProtocol {
    /// Sends a JSON body as it is.
    func post(_ uri: String, body: Data) async throws -> TestResponse {
        try await execute(
            uri: uri,
            method: .post,
            headers: [.contentType: "application/json"],
            body: ByteBuffer(bytes: body)
        )
    }

    /// Sends a push of `operations` and returns the raw response.
    func push(
        _ operations: [LogOperation],
        deviceId: String = Fixture.deviceId,
        protocolVersion: Int = WireCoding.protocolVersion
    ) async throws -> TestResponse {
        let request = PushRequest(protocolVersion: protocolVersion, deviceId: deviceId, operations: operations)
        return try await post("/v1/sync/push", body: try WireCoding.encode(request))
    }

    /// Sends a push that must succeed, and returns its decoded answer.
    func pushAccepted(
        _ operations: [LogOperation],
        deviceId: String = Fixture.deviceId
    ) async throws
        -> PushResponse
    {
        let response = try await push(operations, deviceId: deviceId)
        try #require(response.status == .ok, "push answered \(response.status): \(response.text)")
        return try response.decode(PushResponse.self)
    }

    /// Pulls one page that must succeed.
    func pull(after cursor: Int64, limit: Int? = nil) async throws -> PullResponse {
        let uri = "/v1/sync/pull?after=\(cursor)" + (limit.map { "&limit=\($0)" } ?? "")
        let response = try await execute(uri: uri, method: .get)
        try #require(response.status == .ok, "pull answered \(response.status): \(response.text)")
        return try response.decode(PullResponse.self)
    }

    /// A GET that must succeed, decoded.
    func get<Value: Decodable>(_ uri: String, as type: Value.Type) async throws -> Value {
        let response = try await execute(uri: uri, method: .get)
        try #require(response.status == .ok, "GET \(uri) answered \(response.status): \(response.text)")
        return try response.decode(type)
    }
}

extension TestResponse {
    /// The body's bytes.
    var data: Data { Data(body.readableBytesView) }

    /// The body as text, for failure messages.
    var text: String { String(decoding: data, as: UTF8.self) }

    /// The body decoded with the wire coder.
    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try WireCoding.decode(type, from: data)
    }
}

/// Checks that a response is a JSON error with the given status and code, and returns its body.
@discardableResult
func expectError(
    _ response: TestResponse,
    status: HTTPResponse.Status,
    code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> ErrorBody {
    #expect(response.status == status, "body: \(response.text)", sourceLocation: sourceLocation)
    #expect(
        response.headers[.contentType]?.hasPrefix("application/json") == true,
        sourceLocation: sourceLocation
    )
    let body = try #require(
        try? response.decode(ErrorBody.self),
        "not an ErrorBody: \(response.text)",
        sourceLocation: sourceLocation
    )
    #expect(body.code == code, sourceLocation: sourceLocation)
    #expect(!body.message.isEmpty, sourceLocation: sourceLocation)
    return body
}

/// Checks that a response is the 401 of a missing or refused token: JSON `unauthorized`, with
/// `WWW-Authenticate: Bearer`.
func expectUnauthorized(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
    try expectError(response, status: .unauthorized, code: "unauthorized", sourceLocation: sourceLocation)
    #expect(response.headers[.wwwAuthenticate] == "Bearer", sourceLocation: sourceLocation)
}

/// Encodes a value to a JSON object that a test can break before sending.
func jsonObject(_ value: some Encodable) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: try WireCoding.encode(value))
    return try #require(object as? [String: Any])
}

/// Serialises a JSON object made by `jsonObject`.
func jsonData(_ object: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: object)
}

/// The audit signing key of the tests that seal by hand.
enum TestAuditKey {
    static let key = try! AuditSigningKey(name: "empower-test-audit")

    /// Seals everything committed in `store`, with `key`.
    static func sealAll(_ store: any AuditTrail, key: AuditSigningKey = key) async throws {
        while try await store.sealAudit(key: key, now: Date(), limit: 10_000) != nil {}
    }
}
