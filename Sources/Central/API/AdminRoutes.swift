import Foundation
import Hummingbird
import Models

/// Account and venue management for administrators, and device enrolment. Administrators manage accounts,
/// not content: nothing here reads a record.
struct AdminRoutes: Sendable {
    typealias Context = EmpowerRequestContext

    let store: any CentralStore
    let auditKey: AuditPublicKey?

    func register(on v1: RouterGroup<Context>) {
        v1.post("enrol", use: QueryParameters.only([], enrol))
        let admin = v1.group("admin")
        admin.get("venues", use: QueryParameters.only([], listVenues))
        admin.post("venues", use: QueryParameters.only([], saveVenue))
        admin.get("users", use: QueryParameters.only([], listUsers))
        admin.post("users", use: QueryParameters.only([], addUser))
        admin.get("devices", use: QueryParameters.only([], listDevices))
        admin.post("devices", use: QueryParameters.only([], enrolDevice))
        admin.post("devices/:id/revoke", use: QueryParameters.only([], revokeDevice))
        admin.post("devices/:id/wipe", use: QueryParameters.only([], orderWipe))
        admin.post("devices/:id/token", use: QueryParameters.only([], rotateToken))
        admin.get("audit", use: QueryParameters.only(["actor", "record", "since", "until"], listAudit))
        AuditRoutes(store: store, auditKey: auditKey).register(on: admin)
    }

    /// `POST /v1/enrol` with `Authorization: Bearer ENROLMENT-TOKEN`: the device's access token, once.
    @Sendable func enrol(request: Request, context: Context) async throws -> Response {
        guard let token = AuthenticationMiddleware.bearerToken(in: request),
            let enrolment = try await store.redeemEnrolment(token: token, now: Date())
        else {
            throw APIError(
                .unauthorized,
                code: "unauthorized",
                message: "The enrolment token is not valid: it may be used already or have expired.",
                headers: [.wwwAuthenticate: "Bearer"]
            )
        }
        return try JSONResponse.make(enrolment, status: .created)
    }

    @Sendable func listVenues(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        return try JSONResponse.make(VenueList(venues: try await store.venues(readBy: caller, now: Date())))
    }

    @Sendable func saveVenue(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        let venue = try await request.decodeJSON(Venue.self)
        do throws(ValidationError) { try venue.validate() } catch {
            throw APIError.badRequest(error.code, error.message)
        }
        try await store.saveVenue(venue, by: caller, now: Date())
        return try JSONResponse.make(venue, status: .created)
    }

    @Sendable func listUsers(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        return try JSONResponse.make(UserList(users: try await store.users(readBy: caller, now: Date())))
    }

    @Sendable func addUser(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        let body = try await request.decodeJSON(NewUser.self)
        let user = UserAccount(id: body.id, role: body.role, venueIds: body.venueIds ?? [])
        try await store.addUser(user, by: caller, now: Date())
        return try JSONResponse.make(user, status: .created)
    }

    @Sendable func listDevices(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        return try JSONResponse.make(DeviceList(devices: try await store.devices(readBy: caller, now: Date())))
    }

    @Sendable func enrolDevice(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        let body = try await request.decodeJSON(NewDevice.self)
        let token = try await store.enrolDevice(id: body.deviceId, userId: body.userId, by: caller, now: Date())
        let waits = try await store.devices(ofUser: body.userId).first { $0.id == body.deviceId }?.isPendingApproval
        return try JSONResponse.make(
            IssuedToken(deviceId: body.deviceId, token: token, waitsForApproval: waits == true ? true : nil),
            status: .created
        )
    }

    @Sendable func revokeDevice(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        let id = try Self.deviceId(context)
        try await store.revokeDevice(id: id, by: caller, now: Date())
        return try JSONResponse.make(RevokedDevice(deviceId: id, revoked: true))
    }

    /// `POST /v1/admin/devices/{id}/wipe`: revokes a lost or stolen device and orders it to erase its data at its
    /// next contact.
    @Sendable func orderWipe(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        let id = try Self.deviceId(context)
        let wipe = try await store.orderWipe(deviceId: id, by: caller, now: Date())
        return try JSONResponse.make(OrderedWipe(deviceId: id, revoked: true, wipe: wipe))
    }

    @Sendable func rotateToken(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin])
        let id = try Self.deviceId(context)
        let token = try await store.rotateToken(deviceId: id, by: caller, now: Date())
        return try JSONResponse.make(IssuedToken(deviceId: id, token: token), status: .created)
    }

    /// `GET /v1/admin/audit?actor=…&record=…&since=…&until=…`: reading the log is itself logged.
    @Sendable func listAudit(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin, .supervisor])
        let query = request.uri.queryParameters
        var filter = AuditFilter()
        // The filter is written to the log with the read, so its free text follows the log's text rule.
        filter.actor = try QueryParameters.line(query, "actor", limit: TextLimits.actor)
        if let record = QueryParameters.string(query, "record") {
            guard let id = UUID(text: record) else {
                throw APIError.badRequest("bad-parameter", "The parameter 'record' must be a UUID.")
            }
            filter.recordId = id
        }
        filter.since = try QueryParameters.date(query, "since")
        filter.until = try QueryParameters.date(query, "until")
        let entries = try await store.auditEntries(matching: filter, readBy: caller, now: Date())
        return try JSONResponse.make(AuditList(entries: entries))
    }

    private static func deviceId(_ context: Context) throws -> String {
        guard let id = context.parameters.get("id"), (try? Identifiers.validateDevice(id)) != nil else {
            throw APIError.badRequest("bad-parameter", "The device id is not a valid device id.")
        }
        return id
    }
}
