import Central
import Foundation
import Logging
import Models
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// The access tests (issue 4) run the real server on a loopback port and talk to it with URLSession, the way a
// device or the admin CLI does. Everything here is prefixed `Access` so it cannot clash with the rest of the
// CentralTests module.

// MARK: - Server

/// A logger that drops everything.
let accessQuietLogger = Logger(label: "empower.central.access-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A fresh SQLite central store in a temporary directory (removed afterwards), with the directory, so a test can
/// open the database file itself.
func withAccessStore<Result>(_ body: (SQLiteCentralStore, URL) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("empower-access-tests-\(UUID().uuidString)", isDirectory: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteCentralStore(directory: directory)
    return try await body(store, directory)
}

/// Runs the real server over `store` on a free loopback port while `body` runs, and hands it a client.
///
/// With no `rateLimiter` the default one (50 requests a second with a burst of 100 per token) is far above what
/// any one token of these tests sends.
func withAccessServer<Result: Sendable>(
    store: SQLiteCentralStore,
    rateLimiter: RateLimiter? = nil,
    logger: Logger = accessQuietLogger,
    _ body: @Sendable (AccessHTTP) async throws -> Result
) async throws -> Result {
    try await CentralServer.withRunningServer(
        store: store,
        rateLimiter: rateLimiter ?? RateLimiter(),
        // These tests send many refused tokens on purpose; the limit on them per address is tested on its own.
        failureLimits: .unlimited,
        logger: logger
    ) { url in
        try await body(AccessHTTP(baseURL: url))
    }
}

// MARK: - HTTP

/// A client of the running server over real HTTP (URLSession; libcurl on Linux).
struct AccessHTTP: Sendable {
    let baseURL: URL
    private let session: URLSession

    init(baseURL: URL) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.urlCredentialStorage = nil
        self.session = URLSession(configuration: configuration)
    }

    /// Sends one request. `bearer` nil sends no `Authorization` header.
    func send(_ method: String, _ path: String, bearer: String?, body: Data? = nil) async throws -> AccessReply {
        let url = try #require(URL(string: baseURL.absoluteString + path), "bad path \(path)")
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if method == "POST" {
            request.httpBody = body ?? Data()
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            // libcurl otherwise waits for a "100 Continue" the server never sends.
            request.setValue("", forHTTPHeaderField: "Expect")
        }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return AccessReply(method: method, path: path, status: http.statusCode, headers: headers, body: data)
    }

    func get(_ path: String, bearer: String?) async throws -> AccessReply {
        try await send("GET", path, bearer: bearer)
    }

    func post(_ path: String, bearer: String?, json value: some Encodable) async throws -> AccessReply {
        try await send("POST", path, bearer: bearer, body: try WireCoding.encode(value))
    }

    /// Pushes operations as `deviceId` (the body's device id).
    func push(_ operations: [LogOperation], deviceId: String, bearer: String?) async throws -> AccessReply {
        try await post(
            "/v1/sync/push",
            bearer: bearer,
            json: PushRequest(deviceId: deviceId, operations: operations)
        )
    }
}

/// One answer of the server.
struct AccessReply: Sendable, CustomStringConvertible {
    let method: String
    let path: String
    let status: Int
    /// Header names lowercased.
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    var description: String { "\(method) \(path) -> \(status) \(text.prefix(300))" }

    /// The `code` of an error body, if this is one.
    var errorCode: String? { (try? WireCoding.decode(ErrorBody.self, from: body))?.code }

    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        do {
            return try WireCoding.decode(type, from: body)
        } catch {
            Issue.record("\(self) did not decode as \(type): \(error)")
            throw error
        }
    }
}

/// A query string, percent-encoded.
func accessQuery(_ items: KeyValuePairs<String, String>) -> String {
    var components = URLComponents()
    components.queryItems = items.map { URLQueryItem(name: $0.key, value: $0.value) }
    let encoded = components.percentEncodedQuery ?? ""
    return "?" + encoded.replacingOccurrences(of: "+", with: "%2B")
}

// MARK: - People, devices and tokens

/// Who sends a request in the access tests: five people with valid tokens, and four kinds of bad token.
enum AccessWho: String, CaseIterable, Sendable, CustomStringConvertible {
    case officer
    case supervisor
    /// Venue staff at venue A.
    case staffA = "venue staff at A"
    /// Venue staff at venue B.
    case staffB = "venue staff at B"
    case admin
    /// The access token of a device that was revoked (the supervisor's old phone).
    case revoked = "revoked token"
    /// A well-formed token the server never issued.
    case unknown = "unknown token"
    /// Something that is not a token at all.
    case garbage = "garbage token"
    /// No Authorization header.
    case missing = "no token"

    static let people: [AccessWho] = [.officer, .supervisor, .staffA, .staffB, .admin]
    static let badTokens: [AccessWho] = [.revoked, .unknown, .garbage, .missing]

    var description: String { rawValue }

    var isPerson: Bool { Self.people.contains(self) }
}

/// The two venues of the access tests.
enum AccessVenue: String, Sendable, CaseIterable, CustomStringConvertible {
    case a = "venue-concert-sq-01"
    case b = "venue-seel-st-03"

    var id: String { rawValue }
    var description: String { self == .a ? "A" : "B" }

    var venue: Venue {
        switch self {
        case .a:
            Venue(
                id: id,
                name: "The Square Bar",
                licenceNumber: "LIC-0001",
                area: "Liverpool city centre",
                address: "1 Concert Square, Liverpool",
                latitude: 53.4021,
                longitude: -2.9812
            )
        case .b:
            Venue(
                id: id,
                name: "Seel Street Social",
                licenceNumber: "LIC-0003",
                area: "Liverpool city centre",
                address: "3 Seel Street, Liverpool",
                latitude: 53.4015,
                longitude: -2.9801
            )
        }
    }
}

/// The identities of the access tests (invented ids).
enum AccessPeople {
    static let officer = Caller(userId: "PC-4127", deviceId: "dev-officer-01", role: .officer)
    static let supervisor = Caller(userId: "PS-2210", deviceId: "dev-supervisor-01", role: .supervisor)
    static let staffA = Caller(
        userId: "SIA-1012-0001",
        deviceId: "dev-staff-a-01",
        role: .venueStaff,
        venueIds: [AccessVenue.a.id]
    )
    static let staffB = Caller(
        userId: "SIA-1012-0002",
        deviceId: "dev-staff-b-01",
        role: .venueStaff,
        venueIds: [AccessVenue.b.id]
    )
    static let admin = Caller(userId: "ADM-0001", deviceId: "dev-admin-01", role: .admin)
    /// The supervisor's old device, revoked.
    static let revokedDevice = "dev-supervisor-old"

    static func caller(_ who: AccessWho) -> Caller {
        switch who {
        case .officer: officer
        case .supervisor: supervisor
        case .staffA: staffA
        case .staffB: staffB
        case .admin: admin
        // A bad token claims nothing the server believes; its requests are built as the officer's.
        case .revoked, .unknown, .garbage, .missing: officer
        }
    }
}

/// Clock stamps that increase with every call, so operations merge in the order a test makes them.
enum AccessStamp {
    private static let counter = Mutex<UInt16>(0)

    static func next() -> HLCTimestamp {
        let counter = counter.withLock { value in
            value &+= 1
            return value
        }
        return HLCTimestamp(wallMilliseconds: Date().millisecondsSince1970, counter: counter)
    }
}

/// Operations built the way a device builds them, for a given caller.
enum AccessOps {
    static func sighting(
        by caller: Caller,
        at venue: String,
        narrative: String = "Seen following a woman between bars",
        id: UUID = UUID()
    ) -> LogOperation {
        let now = Date().truncatedToMilliseconds
        let sighting = Sighting(
            id: id,
            occurredAt: now.addingTimeInterval(-60),
            recordedAt: now,
            reporter: caller.userId,
            location: Location(venueId: venue, place: "By the fountain"),
            behaviours: [.following],
            subject: SubjectDescription(clothing: "Grey hooded top"),
            riskLevel: .medium,
            narrative: narrative
        )
        return make(caller, recordId: id, payload: .createSighting(sighting))
    }

    static func note(by caller: Caller, on recordId: UUID, text: String = "Door staff briefed") -> LogOperation {
        let id = UUID()
        let note = Note(
            id: id,
            recordId: recordId,
            author: caller.userId,
            recordedAt: Date().truncatedToMilliseconds,
            text: text
        )
        return make(caller, recordId: id, payload: .createNote(note))
    }

    static func intervention(
        by caller: Caller,
        at venue: String,
        after sightingId: UUID? = nil,
        actions: [InterventionAction],
        id: UUID = UUID()
    ) -> LogOperation {
        let now = Date().truncatedToMilliseconds
        let intervention = Intervention(
            id: id,
            sightingId: sightingId,
            occurredAt: now.addingTimeInterval(-30),
            recordedAt: now,
            by: caller.userId,
            location: Location(venueId: venue),
            actions: actions,
            outcome: .adviceGiven
        )
        return make(caller, recordId: id, payload: .createIntervention(intervention))
    }

    static func amend(
        by caller: Caller,
        _ recordId: UUID,
        field: AmendableField,
        value: String,
        reason: String = "Corrected after the debrief"
    ) -> LogOperation {
        make(caller, recordId: recordId, payload: .amend(Amendment(field: field, value: value, reason: reason)))
    }

    static func review(by caller: Caller, _ recordId: UUID, _ status: ReviewStatus = .inReview) -> LogOperation {
        make(caller, recordId: recordId, payload: .setRegister(.review(status)))
    }

    static func redact(
        by caller: Caller,
        _ recordId: UUID,
        reason: RedactionReason = .recordedInError
    ) -> LogOperation {
        make(
            caller,
            recordId: recordId,
            payload: .redact(Redaction(reason: reason, explanation: "Entered against the wrong venue"))
        )
    }

    static func make(_ caller: Caller, recordId: UUID, payload: OperationPayload) -> LogOperation {
        LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: AccessStamp.next(),
            recordId: recordId,
            payload: payload
        )
    }
}

// MARK: - The world: venues, people, tokens and seeded records

/// The records every access test starts with, and the venue each was made at (its scope).
struct AccessSeed: Sendable {
    let sightingA: UUID
    let sightingB: UUID
    let noteA: UUID
    let noteB: UUID
    let interventionA: UUID
    /// Every seeded operation in the order it was stored, with the scope venue of its record (nil: no venue's
    /// staff receive it).
    let operations: [(opId: UUID, recordId: UUID, scope: AccessVenue?)]
    /// Every seeded record and its scope venue.
    let records: [UUID: AccessVenue]
}

/// A running server with two venues, five people, a revoked device and the seeded records.
struct AccessWorld: Sendable {
    let store: SQLiteCentralStore
    let directory: URL
    let http: AccessHTTP
    let seed: AccessSeed
    private let tokens: [AccessWho: String]

    /// The bearer token `who` sends; nil for `.missing`.
    func token(_ who: AccessWho) -> String? { tokens[who] }

    func caller(_ who: AccessWho) -> Caller { AccessPeople.caller(who) }

    /// The database file of the store.
    var databasePath: String { directory.appendingPathComponent(SQLiteCentralStore.fileName).path }

    /// Sets up a fresh store and server and runs `body` against it.
    ///
    /// Venues A and B; an officer, a supervisor, venue staff at A and at B and an administrator, each with one
    /// enrolled device; the supervisor's old device, enrolled then revoked. Seeded over HTTP: the officer's
    /// sightings at A and B and an intervention at A; then the officer's amendments of the
    /// sighting at B (its risk level and place); venue staff's notes on the sightings at their venues; then
    /// the supervisor's review of the sighting at A.
    static func run<Result: Sendable>(
        rateLimiter: RateLimiter? = nil,
        logger: Logger = accessQuietLogger,
        _ body: @Sendable (AccessWorld) async throws -> Result
    ) async throws -> Result {
        try await withAccessStore { store, directory in
            let console = Caller.console(user: "access-tests")
            for venue in AccessVenue.allCases { try await store.saveVenue(venue.venue, by: console, now: Date()) }
            var tokens: [AccessWho: String] = [:]
            for who in AccessWho.people {
                let caller = AccessPeople.caller(who)
                tokens[who] = try await store.provisionDevice(
                    caller.deviceId,
                    for: UserAccount(id: caller.userId, role: caller.role, venueIds: caller.venueIds.sorted()),
                    by: console
                )
            }
            tokens[.revoked] = try await store.provisionDevice(
                AccessPeople.revokedDevice,
                for: UserAccount(id: AccessPeople.supervisor.userId, role: .supervisor),
                by: console
            )
            try await store.revokeDevice(id: AccessPeople.revokedDevice, by: console, now: Date())
            tokens[.unknown] = AccessToken.generate()
            tokens[.garbage] = "not-a-token%20;DROP"
            let fixedTokens = tokens
            return try await withAccessServer(store: store, rateLimiter: rateLimiter, logger: logger) { http in
                let seed = try await seedRecords(http: http, store: store, tokens: fixedTokens)
                return try await body(
                    AccessWorld(store: store, directory: directory, http: http, seed: seed, tokens: fixedTokens)
                )
            }
        }
    }

    private static func seedRecords(
        http: AccessHTTP,
        store: SQLiteCentralStore,
        tokens: [AccessWho: String]
    ) async throws -> AccessSeed {
        let officer = AccessPeople.officer
        let sightingA = AccessOps.sighting(by: officer, at: AccessVenue.a.id)
        let sightingB = AccessOps.sighting(by: officer, at: AccessVenue.b.id)
        let noteA = AccessOps.note(by: AccessPeople.staffA, on: sightingA.recordId)
        let noteB = AccessOps.note(by: AccessPeople.staffB, on: sightingB.recordId)
        let interventionA = AccessOps.intervention(
            by: officer,
            at: AccessVenue.a.id,
            after: sightingA.recordId,
            actions: [.engagement]
        )
        let riskB = AccessOps.amend(by: officer, sightingB.recordId, field: .riskLevel, value: "high")
        let placeB = AccessOps.amend(by: officer, sightingB.recordId, field: .place, value: "By the side door")
        let officerOps = [sightingA, sightingB, interventionA, riskB, placeB]
        let reviewA = AccessOps.review(by: AccessPeople.supervisor, sightingA.recordId)

        for (operations, caller, who) in [
            (officerOps, officer, AccessWho.officer), ([noteA], AccessPeople.staffA, AccessWho.staffA),
            ([noteB], AccessPeople.staffB, AccessWho.staffB),
            ([reviewA], AccessPeople.supervisor, AccessWho.supervisor),
        ] {
            // Venue staff's notes go straight to the store, so that their tokens' rate-limit buckets stay full.
            guard who != .staffA && who != .staffB else {
                let outcome = try await store.push(operations, by: caller, now: Date())
                try #require(outcome.accepted == operations.map(\.opId), "seeding rejected: \(outcome.rejected)")
                continue
            }
            let reply = try await http.push(operations, deviceId: caller.deviceId, bearer: tokens[who])
            try #require(reply.status == 200, "seeding: \(reply)")
            let answer = try reply.decode(PushResponse.self)
            try #require(answer.rejected.isEmpty, "seeding rejected: \(answer.rejected)")
            try #require(answer.accepted == operations.map(\.opId))
        }
        // A register write is the police's only (docs/access.md): no venue's staff receive it.
        let scopes: [(LogOperation, AccessVenue?)] = [
            (sightingA, .a), (sightingB, .b), (interventionA, .a), (riskB, .b), (placeB, .b), (noteA, .a),
            (noteB, .b), (reviewA, nil),
        ]
        return AccessSeed(
            sightingA: sightingA.recordId,
            sightingB: sightingB.recordId,
            noteA: noteA.recordId,
            noteB: noteB.recordId,
            interventionA: interventionA.recordId,
            operations: scopes.map { ($0.0.opId, $0.0.recordId, $0.1) },
            records: [
                sightingA.recordId: .a, sightingB.recordId: .b, noteA.recordId: .a, noteB.recordId: .b,
                interventionA.recordId: .a,
            ]
        )
    }
}

// MARK: - Audit and state snapshots

/// What the store holds that a refused request must leave alone.
struct AccessSnapshot: Equatable, Sendable {
    var operationCount: Int
    var auditCount: Int
    var venueIds: [String]
    var userIds: [String]
    var devices: [String]

    static func take(_ store: SQLiteCentralStore) async throws -> AccessSnapshot {
        AccessSnapshot(
            operationCount: try await store.operationCount(),
            auditCount: try await store.auditEntries(matching: AuditFilter()).count,
            venueIds: try await store.venues().map(\.id),
            userIds: try await store.users().map(\.id),
            devices: try await store.devices().map {
                "\($0.id) revoked=\($0.revokedAt != nil) approval=\($0.approval?.state.rawValue ?? "-")"
            }
        )
    }
}

/// The audit entry a request is expected to add.
struct AccessAuditExpectation: Sendable, CustomStringConvertible {
    var action: AuditEntry.Action
    var caller: Caller
    var recordIds: Set<UUID> = []
    var scope: String?
    var count: Int?
    var reason: String?
    var recipient: String?
    var subject: String?

    var description: String {
        "\(action.rawValue) by \(caller.userId)/\(caller.deviceId) records \(recordIds.count) scope \(scope ?? "-") "
            + "count \(count.map(String.init) ?? "-") reason \(reason ?? "-") recipient \(recipient ?? "-") "
            + "subject \(subject ?? "-")"
    }

    /// Checks one entry against this expectation, field by field.
    func check(_ entry: AuditEntry, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let comment = Comment(rawValue: "\(context): expected \(self); got \(entry)")
        #expect(entry.action == action, comment, sourceLocation: sourceLocation)
        #expect(entry.actor == caller.userId, comment, sourceLocation: sourceLocation)
        #expect(entry.deviceId == caller.deviceId, comment, sourceLocation: sourceLocation)
        #expect(entry.role == caller.role, comment, sourceLocation: sourceLocation)
        #expect(Set(entry.recordIds) == recordIds, comment, sourceLocation: sourceLocation)
        #expect(entry.recordIds.count == recordIds.count, comment, sourceLocation: sourceLocation)
        #expect(entry.scope == scope, comment, sourceLocation: sourceLocation)
        #expect(entry.count == count, comment, sourceLocation: sourceLocation)
        #expect(entry.reason == reason, comment, sourceLocation: sourceLocation)
        #expect(entry.recipient == recipient, comment, sourceLocation: sourceLocation)
        #expect(entry.subject == subject, comment, sourceLocation: sourceLocation)
        #expect(abs(entry.at.timeIntervalSinceNow) < 60, comment, sourceLocation: sourceLocation)
    }
}

extension SQLiteCentralStore {
    /// Every audit entry, oldest first.
    func accessAuditLog() async throws -> [AuditEntry] {
        try await auditEntries(matching: AuditFilter())
    }
}

/// Checks that a response is the JSON error `code` with `status`, and for a 401 that it asks for a bearer token.
func expectAccessError(
    _ reply: AccessReply,
    status: Int,
    code: String,
    _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(reply.status == status, "\(context): \(reply)", sourceLocation: sourceLocation)
    #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    let body = try? WireCoding.decode(ErrorBody.self, from: reply.body)
    #expect(body?.code == code, "\(context): \(reply)", sourceLocation: sourceLocation)
    #expect(body?.message.isEmpty == false, "\(context): \(reply)", sourceLocation: sourceLocation)
    if status == 401 {
        #expect(reply.headers["www-authenticate"] == "Bearer", "\(context): \(reply)", sourceLocation: sourceLocation)
    }
}
