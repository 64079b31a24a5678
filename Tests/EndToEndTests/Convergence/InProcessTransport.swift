import Central
import Foundation
import Models
import Sync
import Synchronization
import TestSupport

/// A pull page as it was handed out, with the cursor it was asked after and the scope of the caller it was
/// handed to, so it can be delivered again later — only to a caller who may see the same records.
struct DeliveredPage: Sendable {
    var after: Int64
    var response: PullResponse
    var scope: PullScope
}

/// What a caller's pulls may hold: everything (the police roles), everything but one device's own operations (a
/// police device's page asked for with `omitOwn`: only for that device), or the records made at some venues.
enum PullScope: Sendable, Hashable, CustomStringConvertible {
    case everything
    case everythingBut(deviceId: String)
    case venues(Set<String>)

    init(_ caller: Caller, omittingOwn: Bool = false) {
        if caller.role == .venueStaff {
            self = .venues(caller.venueIds)
        } else {
            self = omittingOwn ? .everythingBut(deviceId: caller.deviceId) : .everything
        }
    }

    var description: String {
        switch self {
        case .everything: "all venues"
        case .everythingBut(let deviceId): "all venues but \(deviceId)'s own"
        case .venues(let venues): "venues " + venues.sorted().joined(separator: ", ")
        }
    }
}

extension DeviceSpec {
    /// Who the device's requests come from, as the server derives it from the device's token.
    var caller: Caller {
        Caller(userId: userId, deviceId: deviceId, role: role, venueIds: Set(venueId.map { [$0] } ?? []))
    }
}

/// The server's sync endpoints, in-process: the same JSON in and out as `SyncRoutes`, over a real
/// `SQLiteCentralStore`, on the case's simulated clock, for the caller a device's token names.
final class InProcessSyncServer: Sendable {
    let store: SQLiteCentralStore

    private struct State {
        var clock = HybridLogicalClock()
        var now: Date
        var deliveredPages: [DeliveredPage] = []
        /// What the server saw that a correct device never sends (a malformed push, a store error).
        var anomalies: [String] = []
    }

    private let state: Mutex<State>

    /// How many handed-out pages are kept for replays.
    private static let keptPages = 48

    init(store: SQLiteCentralStore, now: Date) {
        self.store = store
        state = Mutex(State(now: now))
    }

    /// The server's wall clock (the true time of the case).
    var now: Date {
        get { state.withLock { $0.now } }
        set { state.withLock { $0.now = newValue } }
    }

    var anomalies: [String] { state.withLock { $0.anomalies } }

    var deliveredPages: [DeliveredPage] { state.withLock { $0.deliveredPages } }

    func remember(_ page: DeliveredPage) {
        state.withLock { state in
            if state.deliveredPages.count >= Self.keptPages { state.deliveredPages.remove(at: Self.keptPages / 2) }
            state.deliveredPages.append(page)
        }
    }

    private func anomaly(_ text: String) -> SyncError {
        state.withLock { $0.anomalies.append(text) }
        return .server(status: 400, code: "anomaly", message: text)
    }

    /// The server's clock, as `ServerClock`: past every stamp it stores, never behind its wall clock.
    private func clock(observing stamp: HLCTimestamp) -> HLCTimestamp {
        state.withLock { state in
            state.clock.observe(stamp)
            return state.clock.tick(wallMilliseconds: state.now.millisecondsSince1970)
        }
    }

    /// `POST /v1/sync/push` by `caller`: the body decoded as `PushRequest`, checked as `SyncRoutes` checks it,
    /// stored, and the answer's JSON.
    func push(body: Data, by caller: Caller) async throws(SyncError) -> Data {
        let request: PushRequest
        do {
            request = try WireCoding.decode(PushRequest.self, from: body)
        } catch {
            throw anomaly("a push body does not decode as PushRequest: \(error)")
        }
        guard request.protocolVersion == WireCoding.protocolVersion,
            request.operations.count <= ProtocolLimits.maxOperationsPerPush,
            request.operations.allSatisfy({ $0.deviceId == request.deviceId }),
            Set(request.operations.map(\.opId)).count == request.operations.count
        else {
            throw anomaly("a push the server refuses as malformed (version, size, device or repeats)")
        }
        guard request.deviceId == caller.deviceId,
            request.operations.allSatisfy({ $0.deviceId == caller.deviceId && $0.author == caller.userId })
        else {
            throw anomaly("a push by \(caller.deviceId) of operations made as another device or user")
        }
        let outcome: PushOutcome
        do {
            outcome = try await store.push(request.operations, by: caller, now: now)
        } catch {
            throw anomaly("store.push threw \(error)")
        }
        let response = PushResponse(
            accepted: outcome.accepted,
            rejected: outcome.rejected,
            serverClock: clock(observing: outcome.latestClock),
            serverTime: now
        )
        do {
            return try WireCoding.encode(response)
        } catch {
            throw anomaly("a push answer does not encode: \(error)")
        }
    }

    /// `GET /v1/sync/pull?after=CURSOR&limit=N` by `caller`: the body as `SyncRoutes` assembles it from the
    /// stored JSON.
    func pull(
        after cursor: Int64,
        limit: Int,
        omittingOwn: Bool = false,
        for caller: Caller
    ) async throws(SyncError)
        -> Data
    {
        guard cursor >= 0, (1...ProtocolLimits.maxOperationsPerPull).contains(limit) else {
            throw anomaly("a pull with bad parameters: after=\(cursor) limit=\(limit)")
        }
        let page: PullPage
        do {
            page = try await store.pull(after: cursor, limit: limit, omittingOwn: omittingOwn, for: caller, now: now)
        } catch {
            throw anomaly("store.pull threw \(error)")
        }
        return WireAssembly.pullResponse(
            operations: page.operations.map { ($0.seq, $0.encoded) },
            cursor: page.cursor,
            hasMore: page.hasMore,
            withdrawn: page.withdrawn,
            serverClock: clock(observing: page.operations.map(\.hlc).max() ?? .zero),
            serverTime: now
        )
    }
}

/// One device's way to the in-process server: the JSON of the wire both ways, and — while chaos is on —
/// the faults of a real network: pushes sent twice, answers lost after the server stored the push,
/// requests that never arrive, short pages, and pages delivered twice.
final class ChaosTransport: SyncTransport {
    let server: InProcessSyncServer
    /// The device's user, device, role and venues, as its token would name them.
    let caller: Caller

    private struct State {
        /// Draws the faults; nil while chaos is off.
        var chaos: SeededGenerator?
        /// A page to hand out again on a later request it fits.
        var redelivery: DeliveredPage?
        /// What was injected since the last `takeEvents`, for the case's trace.
        var events: [String] = []
        var counts: [String: Int] = [:]
        /// The latest push answers handed to the device, for replays.
        var answers: [PushResponse] = []
    }

    private let state = Mutex(State())

    init(server: InProcessSyncServer, caller: Caller) {
        self.server = server
        self.caller = caller
    }

    /// Turns fault injection on with a seed, or off with nil.
    func setChaos(seed: UInt64?) {
        state.withLock { $0.chaos = seed.map(SeededGenerator.init(seed:)) }
    }

    func takeEvents() -> [String] {
        state.withLock { state in
            defer { state.events = [] }
            return state.events
        }
    }

    func takeCounts() -> [String: Int] {
        state.withLock { state in
            defer { state.counts = [:] }
            return state.counts
        }
    }

    /// Push answers this device received lately, oldest first.
    var pushAnswers: [PushResponse] { state.withLock { $0.answers } }

    private func note(_ event: String, count key: String) {
        state.withLock { state in
            state.events.append(event)
            state.counts[key, default: 0] += 1
        }
    }

    /// A draw from the chaos generator: false while chaos is off.
    private func roll(_ probability: Double) -> Bool {
        state.withLock { state in state.chaos?.chance(probability) ?? false }
    }

    private func draw(_ range: ClosedRange<Int>) -> Int? {
        state.withLock { state in state.chaos?.int(range) }
    }

    func push(deviceId: String, batch: OutboxBatch) async throws(SyncError) -> PushResponse {
        let body: Data
        do {
            body = try WireAssembly.pushRequest(deviceId: deviceId, encodedOperations: batch.encodedOperations)
        } catch {
            throw .badResponse("the push body could not be assembled: \(error)")
        }
        let count = batch.operationIds.count
        if roll(0.05) {
            note("push of \(count) never reached the server", count: "fault.push-unreachable")
            throw .unreachable(server: "in-process", reason: "injected: connection refused")
        }
        var answer = try await server.push(body: body, by: caller)
        if roll(0.12) {
            note("push of \(count) sent twice", count: "fault.push-duplicated")
            answer = try await server.push(body: body, by: caller)
        }
        if roll(0.1) {
            note("push of \(count) stored, its answer lost", count: "fault.push-answer-lost")
            throw .unreachable(server: "in-process", reason: "injected: connection reset after the push was stored")
        }
        let response: PushResponse
        do {
            response = try WireCoding.decode(PushResponse.self, from: answer)
        } catch {
            throw .badResponse("the push answer does not decode: \(error)")
        }
        state.withLock { state in
            if state.answers.count >= 16 { state.answers.removeFirst() }
            state.answers.append(response)
        }
        return response
    }

    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> PullResponse {
        try await pull(after: cursor, limit: limit, omittingOwn: false)
    }

    func pull(after cursor: Int64, limit: Int, omittingOwn: Bool) async throws(SyncError) -> PullResponse {
        let redelivered: DeliveredPage? = state.withLock { state in
            defer { state.redelivery = nil }
            guard let page = state.redelivery, page.after <= cursor, cursor <= page.response.cursor,
                page.scope == PullScope(caller, omittingOwn: omittingOwn)
            else { return nil }
            return page
        }
        if let redelivered {
            note(
                "page (\(redelivered.after), \(redelivered.response.cursor)] delivered again",
                count: "fault.page-redelivered"
            )
            return redelivered.response
        }
        if roll(0.05) {
            note("pull after \(cursor) never reached the server", count: "fault.pull-unreachable")
            throw .unreachable(server: "in-process", reason: "injected: timed out")
        }
        // A server may send fewer than asked for (its pages are bounded in bytes too).
        let sent = min(limit, draw(1...max(1, limit)) ?? limit)
        let body = try await server.pull(after: cursor, limit: sent, omittingOwn: omittingOwn, for: caller)
        let response: PullResponse
        do {
            response = try WireCoding.decode(PullResponse.self, from: body)
        } catch {
            throw .badResponse("the pull answer does not decode: \(error)")
        }
        let page = DeliveredPage(
            after: cursor,
            response: response,
            scope: PullScope(caller, omittingOwn: omittingOwn)
        )
        server.remember(page)
        if roll(0.12) { state.withLock { $0.redelivery = page } }
        return response
    }

    func venues() async throws(SyncError) -> [Venue] { [] }
}
