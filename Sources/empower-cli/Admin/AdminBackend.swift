import Central
import Foundation
import Models
import Sync

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where administration happens: straight on the server's data directory (the first admin's bootstrap, or
/// the server's own console) or through the API with an administrator's token.
protocol AdminBackend: Sendable {
    func saveVenue(_ venue: Venue) async throws
    func venues() async throws -> [Venue]
    func addUser(_ user: NewUser) async throws
    func users() async throws -> [UserAccount]
    func enrol(deviceId: String, userId: String) async throws -> String
    func revoke(deviceId: String) async throws
    func devices() async throws -> [DeviceAccount]
    func rotate(deviceId: String) async throws -> String
    func audit(_ filter: AuditFilter) async throws -> [AuditEntry]
    func verifyAudit() async throws -> AuditVerification
}

/// Administration on the data directory, as the console (`console:USER` in the audit log).
struct LocalAdminBackend: AdminBackend {
    let store: SQLiteCentralStore
    let caller = Caller.console()

    init(directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw CLIError(
                "There is no server data directory at \(directory.path); start 'empower-cli serve --data' there once."
            )
        }
        do {
            store = try SQLiteCentralStore(directory: directory)
        } catch {
            throw CLIError("The server data in \(directory.path) cannot be opened.")
        }
    }

    func saveVenue(_ venue: Venue) async throws { try await store.saveVenue(venue, by: caller, now: Date()) }
    func venues() async throws -> [Venue] { try await store.venues() }
    func addUser(_ user: NewUser) async throws {
        try await store.addUser(
            UserAccount(id: user.id, role: user.role, venueIds: user.venueIds ?? []),
            by: caller,
            now: Date()
        )
    }
    func users() async throws -> [UserAccount] { try await store.users() }
    func enrol(deviceId: String, userId: String) async throws -> String {
        try await store.enrolDevice(id: deviceId, userId: userId, by: caller, now: Date())
    }
    func revoke(deviceId: String) async throws { try await store.revokeDevice(id: deviceId, by: caller, now: Date()) }
    func devices() async throws -> [DeviceAccount] { try await store.devices() }
    func rotate(deviceId: String) async throws -> String {
        try await store.rotateToken(deviceId: deviceId, by: caller, now: Date())
    }
    func audit(_ filter: AuditFilter) async throws -> [AuditEntry] {
        let entries = try await store.auditEntries(matching: filter)
        try await store.appendAudit(AuditEntry(at: Date(), caller: caller, action: .auditRead, count: entries.count))
        return entries
    }
    func verifyAudit() async throws -> AuditVerification { try await store.verifyAudit() }
}

/// Administration through the API (`/v1/admin/…`) with an administrator's access token.
struct RemoteAdminBackend: AdminBackend {
    let serverURL: URL
    let token: String
    let session = URLSession(configuration: .ephemeral)

    func saveVenue(_ venue: Venue) async throws { let _: Venue = try await send("POST", "v1/admin/venues", venue) }
    func venues() async throws -> [Venue] {
        let list: VenueList = try await send("GET", "v1/admin/venues")
        return list.venues
    }
    func addUser(_ user: NewUser) async throws { let _: UserAccount = try await send("POST", "v1/admin/users", user) }
    func users() async throws -> [UserAccount] {
        let list: UserList = try await send("GET", "v1/admin/users")
        return list.users
    }
    func enrol(deviceId: String, userId: String) async throws -> String {
        let issued: IssuedToken = try await send(
            "POST",
            "v1/admin/devices",
            NewDevice(deviceId: deviceId, userId: userId)
        )
        return issued.token
    }
    func revoke(deviceId: String) async throws {
        let _: RevokedDevice = try await send("POST", "v1/admin/devices/\(try Self.segment(deviceId))/revoke")
    }
    func devices() async throws -> [DeviceAccount] {
        let list: DeviceList = try await send("GET", "v1/admin/devices")
        return list.devices
    }
    func rotate(deviceId: String) async throws -> String {
        let issued: IssuedToken = try await send("POST", "v1/admin/devices/\(try Self.segment(deviceId))/token")
        return issued.token
    }
    func audit(_ filter: AuditFilter) async throws -> [AuditEntry] {
        var components = URLComponents()
        components.queryItems = [
            filter.actor.map { URLQueryItem(name: "actor", value: $0) },
            filter.recordId.map { URLQueryItem(name: "record", value: $0.text) },
            filter.since.map { URLQueryItem(name: "since", value: WireCoding.formatDate($0)) },
            filter.until.map { URLQueryItem(name: "until", value: WireCoding.formatDate($0)) },
        ].compactMap { $0 }
        let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
        let list: AuditList = try await send("GET", "v1/admin/audit" + query)
        return list.entries
    }
    func verifyAudit() async throws -> AuditVerification { try await send("GET", "v1/admin/audit/verify") }

    private static func segment(_ id: String) throws -> String {
        do throws(Models.ValidationError) { try Identifiers.validateDevice(id) } catch { throw CLIError(error.message) }
        return id
    }

    private func send<Response: Decodable>(_ method: String, _ path: String) async throws -> Response {
        try await send(method, path, Optional<Venue>.none)
    }

    private func send<Response: Decodable, Body: Encodable>(
        _ method: String,
        _ path: String,
        _ body: Body?
    ) async throws -> Response {
        guard let url = URL(string: path, relativeTo: serverURL.appendingPathComponent("/")) else {
            throw CLIError("The request URL could not be made.")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = try WireCoding.encode(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("", forHTTPHeaderField: "Expect")
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw CLIError("The server \(serverURL.absoluteString) could not be reached.")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let error = try? WireCoding.decode(ErrorBody.self, from: data)
            throw CLIError(
                "The server refused (HTTP \(status), \(error?.code ?? "error")): \(error?.message ?? "no explanation")"
            )
        }
        do {
            return try WireCoding.decode(Response.self, from: data)
        } catch {
            throw CLIError("The server's answer could not be understood.")
        }
    }
}
