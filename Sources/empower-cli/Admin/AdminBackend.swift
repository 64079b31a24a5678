import Central
import Foundation
import Models
import Sync

/// Where administration happens: straight on the server's data directory (the first admin's bootstrap, or
/// the server's own console) or through the API with an administrator's token.
protocol AdminBackend: Sendable {
    func saveVenue(_ venue: Venue) async throws
    func venues() async throws -> [Venue]
    func addUser(_ user: NewUser) async throws
    func users() async throws -> [UserAccount]
    /// The enrolment token, and whether the device waits for approval before it can be used.
    func enrol(deviceId: String, userId: String) async throws -> IssuedToken
    func revoke(deviceId: String) async throws
    func orderWipe(deviceId: String) async throws -> DeviceWipe
    func devices() async throws -> [DeviceAccount]
    func rotate(deviceId: String) async throws -> String
    func audit(_ filter: AuditFilter) async throws -> [AuditEntry]
    /// The newest signed head, and the key the server signs with.
    func auditHead() async throws -> AuditHeadResponse
    /// The sealed log checked, heads against `publicKey`, and every anchored head proved to be extended.
    func verifyAudit(publicKey: AuditPublicKey?, anchors: [SignedTreeHead]) async throws -> AuditVerification
    /// Entry `seq`'s inclusion proof against the newest head.
    func auditProof(seq: Int64) async throws -> AuditInclusionProof
}

/// Administration on the data directory or the database, as the console (`console:USER` in the audit log).
struct LocalAdminBackend: AdminBackend {
    private enum Storage {
        case sqlite(SQLiteCentralStore)
        case postgres(PostgresDatabaseURL)
    }

    private let storage: Storage
    let caller = Caller.console()

    init(directory: URL) throws {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(SQLiteCentralStore.fileName).path)
        else {
            throw CLIError(
                "There is no central store in \(directory.path); start 'empower-cli serve --data \(directory.path)' once first."
            )
        }
        do {
            storage = .sqlite(try SQLiteCentralStore(directory: directory))
        } catch {
            throw CLIError("The server data in \(directory.path) cannot be opened.")
        }
    }

    init(database: PostgresDatabaseURL) {
        storage = .postgres(database)
    }

    /// Runs `body` on the store: the SQLite one opened at start, or the PostgreSQL one connected for the call.
    func withStore<Result>(_ body: (any CentralStore) async throws -> Result) async throws -> Result {
        switch storage {
        case .sqlite(let store):
            return try await body(store)
        case .postgres(let url):
            do {
                return try await PostgresCentralStore.withStore(url: url) { try await body($0) }
            } catch let error as PostgresCentralStore.ConnectionError {
                throw CLIError(error.description)
            }
        }
    }

    func saveVenue(_ venue: Venue) async throws {
        try await withStore { try await $0.saveVenue(venue, by: caller, now: Date()) }
    }
    func venues() async throws -> [Venue] { try await withStore { try await $0.venues(readBy: caller, now: Date()) } }
    func addUser(_ user: NewUser) async throws {
        try await withStore {
            try await $0.addUser(
                UserAccount(id: user.id, role: user.role, venueIds: user.venueIds ?? []),
                by: caller,
                now: Date()
            )
        }
    }
    func users() async throws -> [UserAccount] {
        try await withStore { try await $0.users(readBy: caller, now: Date()) }
    }
    func enrol(deviceId: String, userId: String) async throws -> IssuedToken {
        try await withStore { store in
            let token = try await store.enrolDevice(id: deviceId, userId: userId, by: caller, now: Date())
            let waits = try await store.devices(ofUser: userId).first { $0.id == deviceId }?.isPendingApproval
            return IssuedToken(deviceId: deviceId, token: token, waitsForApproval: waits == true ? true : nil)
        }
    }
    func revoke(deviceId: String) async throws {
        try await withStore { try await $0.revokeDevice(id: deviceId, by: caller, now: Date()) }
    }
    func orderWipe(deviceId: String) async throws -> DeviceWipe {
        try await withStore { try await $0.orderWipe(deviceId: deviceId, by: caller, now: Date()) }
    }
    func devices() async throws -> [DeviceAccount] {
        try await withStore { try await $0.devices(readBy: caller, now: Date()) }
    }
    func rotate(deviceId: String) async throws -> String {
        try await withStore { try await $0.rotateToken(deviceId: deviceId, by: caller, now: Date()) }
    }
    func audit(_ filter: AuditFilter) async throws -> [AuditEntry] {
        try await withStore { try await $0.auditEntries(matching: filter, readBy: caller, now: Date()) }
    }
    func auditHead() async throws -> AuditHeadResponse {
        try await withStore { AuditHeadResponse(head: try await $0.latestAuditHead()?.note, publicKey: nil) }
    }
    func verifyAudit(publicKey: AuditPublicKey?, anchors: [SignedTreeHead]) async throws -> AuditVerification {
        try await withStore {
            try await $0.verifyAudit(publicKey: publicKey, anchors: anchors, by: caller, now: Date())
        }
    }
    func auditProof(seq: Int64) async throws -> AuditInclusionProof {
        try await withStore { store in
            guard let body = try await store.auditEntryBody(seq: seq) else {
                throw CLIError("There is no audit entry \(seq).")
            }
            guard let proof = AuditInclusionProof.make(seq: seq, body: body, snapshot: try await store.auditSnapshot())
            else {
                throw CLIError(
                    "Audit entry \(seq) is not sealed yet: the server seals entries within a second of its start."
                )
            }
            return proof
        }
    }
}

/// Administration through the API (`/v1/admin/…`) with an administrator's access token.
struct RemoteAdminBackend: AdminBackend {
    let client: APIClient

    func saveVenue(_ venue: Venue) async throws {
        let _: Venue = try await client.send("POST", "v1/admin/venues", body: venue)
    }
    func venues() async throws -> [Venue] {
        let list: VenueList = try await client.send("GET", "v1/admin/venues")
        return list.venues
    }
    func addUser(_ user: NewUser) async throws {
        let _: UserAccount = try await client.send("POST", "v1/admin/users", body: user)
    }
    func users() async throws -> [UserAccount] {
        let list: UserList = try await client.send("GET", "v1/admin/users")
        return list.users
    }
    func enrol(deviceId: String, userId: String) async throws -> IssuedToken {
        try await client.send(
            "POST",
            "v1/admin/devices",
            body: NewDevice(deviceId: deviceId, userId: userId)
        )
    }
    func revoke(deviceId: String) async throws {
        let _: RevokedDevice = try await client.send("POST", "v1/admin/devices/\(try Self.segment(deviceId))/revoke")
    }
    func orderWipe(deviceId: String) async throws -> DeviceWipe {
        let ordered: OrderedWipe = try await client.send("POST", "v1/admin/devices/\(try Self.segment(deviceId))/wipe")
        return ordered.wipe
    }
    func devices() async throws -> [DeviceAccount] {
        let list: DeviceList = try await client.send("GET", "v1/admin/devices")
        return list.devices
    }
    func rotate(deviceId: String) async throws -> String {
        let issued: IssuedToken = try await client.send("POST", "v1/admin/devices/\(try Self.segment(deviceId))/token")
        return issued.token
    }
    func audit(_ filter: AuditFilter) async throws -> [AuditEntry] {
        let query = APIClient.query([
            ("actor", filter.actor), ("record", filter.recordId?.text),
            ("since", filter.since.map(WireCoding.formatDate)), ("until", filter.until.map(WireCoding.formatDate)),
        ])
        let list: AuditList = try await client.send("GET", "v1/admin/audit" + query)
        return list.entries
    }
    func auditHead() async throws -> AuditHeadResponse { try await client.send("GET", "v1/admin/audit/head") }
    /// The server checks its entries and heads; the anchors are checked here, with proofs the server gives, so
    /// a server that lies about its history cannot pass them.
    func verifyAudit(publicKey: AuditPublicKey?, anchors: [SignedTreeHead]) async throws -> AuditVerification {
        var verification: AuditVerification = try await client.send("GET", "v1/admin/audit/verify")
        guard let publicKey, !anchors.isEmpty else { return verification }
        if verification.signaturesChecked,
            let latest = verification.latestHead.flatMap({ try? SignedTreeHead(note: $0) }),
            !latest.isSigned(by: publicKey)
        {
            verification.problems.append(
                .init(
                    leafIndex: latest.size,
                    kind: .badSignature,
                    message: "The server's newest head is not signed by the key \(publicKey.text)."
                )
            )
        }
        for anchor in anchors {
            var response: AuditConsistencyResponse?
            if anchor.size > 0 {
                response = try? await client.send("GET", "v1/admin/audit/consistency?from=\(anchor.size)")
            }
            guard let head = response.flatMap({ try? SignedTreeHead(note: $0.head) }) else {
                verification.problems.append(
                    .init(
                        leafIndex: anchor.size,
                        kind: .removed,
                        message:
                            "The server has no signed head as large as the one anchored at size \(anchor.size): entries were removed."
                    )
                )
                continue
            }
            verification.problems += AuditVerifier.checkAnchors([anchor], latest: head, publicKey: publicKey) { _ in
                response?.proof
            }
            verification.anchorsChecked += 1
        }
        return verification
    }
    func auditProof(seq: Int64) async throws -> AuditInclusionProof {
        try await client.send("GET", "v1/admin/audit/proof/\(seq)")
    }

    private static func segment(_ id: String) throws -> String {
        do throws(Models.ValidationError) { try Identifiers.validateDevice(id) } catch { throw CLIError(error.message) }
        return id
    }
}
