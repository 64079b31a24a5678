import Foundation
import Hummingbird
import Logging
import Models

/// The replication endpoints: push, pull, and the venue reference list.
struct SyncRoutes: Sendable {
    typealias Context = EmpowerRequestContext

    let store: any CentralStore
    let clock: ServerClock
    /// The identity of the store's history, in every push and pull answer.
    let epoch: HistoryEpochCache

    /// The roles that sync from patrol devices.
    static let deviceRoles: Set<Role> = [.officer, .venueStaff, .supervisor]

    func register(on group: RouterGroup<Context>) {
        group.post("sync/push", use: QueryParameters.only([], push))
        group.get("sync/pull", use: QueryParameters.only(["after", "limit", "omitOwn", QueryParameters.protocolVersion], pull))
        group.get("venues", use: QueryParameters.only([], venues))
    }

    /// `POST /v1/sync/push`: stores what passes admission, then answers; 400 for a malformed batch, 403 for
    /// operations made as another device or user.
    @Sendable func push(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(Self.deviceRoles)
        let push = try await request.decodeJSON(PushRequest.self, using: WireCoding.decodePushRequest)
        guard WireCoding.supportedProtocolVersions.contains(push.protocolVersion) else {
            throw APIError.badRequest(
                "unsupported-protocol-version",
                "This server speaks protocol versions \(WireCoding.supportedProtocolVersions.lowerBound) to "
                    + "\(WireCoding.protocolVersion); update the device."
            )
        }
        guard push.operations.count <= ProtocolLimits.maxOperationsPerPush else {
            throw APIError.badRequest(
                "too-many-operations",
                "A push may carry at most \(ProtocolLimits.maxOperationsPerPush) operations."
            )
        }
        guard push.deviceId == caller.deviceId,
            push.operations.allSatisfy({ $0.deviceId == caller.deviceId && $0.author == caller.userId })
        else {
            throw APIError(
                .forbidden,
                code: "identity-mismatch",
                message:
                    "Every operation must be made by this token's device and user; nothing of this push was stored."
            )
        }
        guard Set(push.operations.map(\.opId)).count == push.operations.count else {
            throw APIError.badRequest(
                "repeated-operation",
                "An operation appears twice in one push; nothing was stored."
            )
        }
        // Reference data: operations naming a venue the server does not know are refused one by one, the rest stored.
        let unknownVenue = try await Self.unknownVenueRefusals(push.operations, store: store)
        var outcome = try await store.push(
            unknownVenue.isEmpty ? push.operations : push.operations.filter { unknownVenue[$0.opId] == nil },
            by: caller,
            now: Date()
        )
        outcome.rejected += push.operations.compactMap { unknownVenue[$0.opId] }
        EmpowerMetrics.countPush(accepted: outcome.accepted.count, rejectedCodes: outcome.rejected.map(\.code))
        context.logger.info(
            "sync.push",
            metadata: [
                "push.accepted": "\(outcome.accepted.count)", "push.rejected": "\(outcome.rejected.count)",
            ]
        )
        let response = PushResponse(
            accepted: outcome.accepted,
            rejected: outcome.rejected,
            serverClock: clock.now(observing: outcome.latestClock),
            serverTime: Date(),
            historyEpoch: try await epoch.epoch()
        )
        return try JSONResponse.make(response, clockStamps: ClockStampForm(protocolVersion: push.protocolVersion))
    }

    /// The refusals (`unknown-venue`, `VenueReference`) of the operations that name a venue the server does not
    /// hold, by operation id; the venue list is read only when an operation names a venue.
    static func unknownVenueRefusals(
        _ operations: [LogOperation],
        store: any CentralStore
    ) async throws -> [UUID: RejectedOperation] {
        guard operations.contains(where: { !VenueReference.venueIds(in: $0).isEmpty }) else { return [:] }
        let known = try await store.venueIds()
        var refusals: [UUID: RejectedOperation] = [:]
        for operation in operations {
            do throws(ValidationError) { try VenueReference.check(operation, known: known) } catch {
                refusals[operation.opId] = RejectedOperation(
                    opId: operation.opId,
                    code: error.code,
                    message: error.message
                )
            }
        }
        return refusals
    }

    /// `GET /v1/sync/pull?after=CURSOR&limit=N&omitOwn=true&protocolVersion=V`: what the caller may see after the
    /// cursor, without the operations of the caller's own device when asked (`CentralStore.pull`), with clock
    /// stamps in the form of the protocol version asked for (1, numbers, when none is asked for).
    @Sendable func pull(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(Self.deviceRoles)
        let query = request.uri.queryParameters
        let clockStamps = try QueryParameters.clockStamps(query)
        let cursor = try QueryParameters.integer(query, "after", default: 0, range: 0...Int64.max)
        let limit = try QueryParameters.integer(
            query,
            "limit",
            default: Int64(ProtocolLimits.maxOperationsPerPull),
            range: 1...Int64(ProtocolLimits.maxOperationsPerPull)
        )
        let omitOwn: Bool
        switch QueryParameters.string(query, "omitOwn") {
        case nil, "false": omitOwn = false
        case "true": omitOwn = true
        default: throw APIError.badRequest("bad-parameter", "The parameter 'omitOwn' must be true or false.")
        }
        // Pages are bounded by bytes as well as count, so a backlog of large records streams in steady pieces.
        let page = try await store.pull(
            after: cursor,
            limit: Int(limit),
            maxBytes: ProtocolLimits.maxPullPageBytes,
            omittingOwn: omitOwn,
            for: caller,
            now: Date()
        )
        // Every device enrolled in the user's name is told to the user's devices (`EnrolmentApproval`).
        let enrolments = EnrolmentApproval.notices(
            for: caller,
            devicesOfUser: try await store.devices(ofUser: caller.userId)
        )
        EmpowerMetrics.countPulled(page.operations.count)
        let body = WireAssembly.pullResponse(
            clockStamps: clockStamps,
            operations: page.operations.map { ($0.seq, $0.encoded) },
            cursor: page.cursor,
            hasMore: page.hasMore,
            withdrawn: page.withdrawn,
            serverClock: clock.now(observing: page.operations.map(\.hlc).max() ?? .zero),
            serverTime: Date(),
            enrolments: enrolments,
            historyEpoch: try await epoch.epoch()
        )
        return JSONResponse.make(encoded: body)
    }

    /// `GET /v1/venues`: the reference list, for every signed-in role; the read is logged.
    @Sendable func venues(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(Set(Role.allCases))
        return try JSONResponse.make(VenueList(venues: try await store.venues(readBy: caller, now: Date())))
    }
}
