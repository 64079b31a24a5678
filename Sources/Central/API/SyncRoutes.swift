import Foundation
import Hummingbird
import Logging
import Models

/// The replication endpoints: push, pull, and the venue reference list.
struct SyncRoutes<Context: RequestContext>: Sendable {
    let store: any CentralStore
    let clock: ServerClock

    func register(on group: RouterGroup<Context>) {
        group.post("sync/push", use: push)
        group.get("sync/pull", use: pull)
        group.get("venues", use: venues)
    }

    /// `POST /v1/sync/push`: stores what passes admission, then answers; 400 for a malformed batch.
    @Sendable func push(request: Request, context: Context) async throws -> Response {
        let push = try await request.decodeJSON(PushRequest.self, using: WireCoding.decodePushRequest)
        guard push.protocolVersion == WireCoding.protocolVersion else {
            throw APIError.badRequest(
                "unsupported-protocol-version",
                "This server speaks protocol version \(WireCoding.protocolVersion); update the device."
            )
        }
        guard push.operations.count <= ProtocolLimits.maxOperationsPerPush else {
            throw APIError.badRequest(
                "too-many-operations",
                "A push may carry at most \(ProtocolLimits.maxOperationsPerPush) operations."
            )
        }
        guard push.operations.allSatisfy({ $0.deviceId == push.deviceId }) else {
            throw APIError.badRequest(
                "device-mismatch",
                "Every operation in a push must come from the pushing device; nothing was stored."
            )
        }
        guard Set(push.operations.map(\.opId)).count == push.operations.count else {
            throw APIError.badRequest(
                "repeated-operation",
                "An operation appears twice in one push; nothing was stored."
            )
        }
        let outcome = try await store.push(push.operations, now: Date())
        context.logger.info(
            "sync.push",
            metadata: [
                "push.accepted": "\(outcome.accepted.count)", "push.rejected": "\(outcome.rejected.count)",
            ]
        )
        let response = PushResponse(
            accepted: outcome.accepted,
            rejected: outcome.rejected,
            serverClock: clock.now(observing: outcome.latestClock)
        )
        return try JSONResponse.make(response)
    }

    /// `GET /v1/sync/pull?after=CURSOR&limit=N`.
    @Sendable func pull(request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let cursor = try Self.integer(query["after"].map(String.init), name: "after", default: 0, range: 0...Int64.max)
        let limit = try Self.integer(
            query["limit"].map(String.init),
            name: "limit",
            default: Int64(ProtocolLimits.maxOperationsPerPull),
            range: 1...Int64(ProtocolLimits.maxOperationsPerPull)
        )
        var page = try await store.pull(after: cursor, limit: Int(limit))
        // Pages are bounded by bytes as well as count, so a backlog of large records streams in steady pieces.
        var bytes = 0
        if let cut = page.operations.firstIndex(where: {
            bytes += $0.encoded.count
            return bytes > ProtocolLimits.maxPullPageBytes
        }),
            cut > 0
        {
            page = PullPage(operations: Array(page.operations[..<cut]), hasMore: true)
        }
        let body = WireAssembly.pullResponse(
            operations: page.operations.map { ($0.seq, $0.encoded) },
            cursor: page.operations.last?.seq ?? cursor,
            hasMore: page.hasMore,
            serverClock: clock.now(observing: page.operations.map(\.hlc).max() ?? .zero)
        )
        return JSONResponse.make(encoded: body)
    }

    /// `GET /v1/venues`.
    @Sendable func venues(request: Request, context: Context) async throws -> Response {
        try JSONResponse.make(VenueList(venues: try await store.venues()))
    }

    static func integer(_ text: String?, name: String, default: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text else { return `default` }
        guard let value = Int64(text), range.contains(value) else {
            throw APIError.badRequest(
                "bad-parameter",
                "The parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)."
            )
        }
        return value
    }
}
