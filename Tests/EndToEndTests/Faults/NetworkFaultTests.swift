import Central
import Foundation
import Models
import Sync
import Synchronization
import TestSupport
import Testing

/// Three devices sync with a real server through a proxy that loses, delays, truncates and refuses requests.
///
/// Whatever the network does, every operation must take effect exactly once: stored once centrally, on every
/// device that may see it, nothing left pending or parked, and the same merged records everywhere — the whole
/// store on the officers' devices, the records made at its venue on the venue staff's.
@Suite("Sync through a faulty network")
struct NetworkFaultTests {
    /// The seed of the fault schedule and of the generated sightings: fixed, unless `FAULT_PROXY_SEED` names one
    /// (or is `random`, for stress runs by hand).
    static let seed = SeedText.fromEnvironment("FAULT_PROXY_SEED", default: 0xFA17_5EED_0000_0001)

    /// Sightings each device records on top of its part of the fixture log: several push batches of 50 and,
    /// with the three devices together, a couple of dozen pull pages of 40.
    static let extraSightingsPerDevice = 220

    /// Whole syncs one device may fail (each after exhausting its retries, or on a lost venue list) before the
    /// test gives up.
    static let maxSyncsPerPhase = 25

    @Test(
        "every operation takes effect exactly once, whatever the network does",
        .timeLimit(.minutes(2))
    )
    func exactlyOnceEffect() async throws {
        let seed = Self.seed
        print("NetworkFaultTests: FAULT_PROXY_SEED=\(seed)")
        let started = ContinuousClock.now
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
        let venues = try loadVenues()
        for venue in venues { try await store.saveVenue(venue, by: .console(), now: Date()) }
        let log = try loadPatrolLog()
        let tokens = try await provisionDevices(of: log, on: store)

        try await CentralServer.withRunningServer(store: store) { serverURL in
            try await FaultProxy.withRunningProxy(upstream: serverURL, seed: seed) { proxy, proxyURL in
                var generator = SeededGenerator(seed: seed)
                var recorded: Set<UUID> = []
                var replicas: [LocalReplica] = []
                // Offline: each device records its part of the log and a few hundred sightings more.
                for device in log.devices {
                    let replica = try LocalReplica.create(
                        in: workspace.appendingPathComponent(device.deviceId),
                        identity: device.identity(serverURL: proxyURL),
                        key: testDataKey
                    )
                    for entry in log.entries(of: device.deviceId) {
                        recorded.insert(try entry.record(on: replica).opId)
                    }
                    for index in 0..<Self.extraSightingsPerDevice {
                        let sighting = Self.sighting(index, by: device, venues: venues, using: &generator)
                        recorded.insert(try replica.append(.createSighting(sighting), recordId: sighting.id).opId)
                    }
                    replicas.append(replica)
                }
                #expect(recorded.count == log.entries.count + 3 * Self.extraSightingsPerDevice)

                // All devices sync at once until each has succeeded (everything pushed), then again (everything
                // that the others pushed pulled).
                // A short timeout keeps the test fast when a delayed answer outlasts it.
                let transports = tokens.map { token in
                    ObservingTransport(HTTPTransport(serverURL: proxyURL, token: token, requestTimeout: 5))
                }
                for _ in 0..<2 {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (replica, transport) in zip(replicas, transports) {
                            group.addTask { try await Self.syncUntilSuccess(replica, through: transport) }
                        }
                        try await group.waitForAll()
                    }
                }

                // Exactly once centrally.
                let centralOperations = try await allCentralOperations(store)
                let centralIds = centralOperations.map(\.opId)
                #expect(try await store.operationCount() == recorded.count)
                #expect(centralIds.count == Set(centralIds).count, "an operation is stored twice")
                #expect(Set(centralIds) == recorded)
                // Exactly the same everywhere.
                let centralRecords = try await store.records(matching: RecordFilter())
                #expect(centralRecords.count == 12 + 3 * Self.extraSightingsPerDevice)
                for (device, replica) in zip(log.devices, replicas) {
                    let expected = try await centralContents(for: device.caller, of: store)
                    if device.role == .venueStaff {
                        // Its own 3 records of the log and its sightings, and what officers recorded at its venue.
                        #expect(expected.records.count >= 3 + Self.extraSightingsPerDevice)
                        #expect(expected.records.count < centralRecords.count)
                        #expect(
                            expected.records.allSatisfy {
                                $0.current.location?.venueId ?? device.venueId == device.venueId
                            }
                        )
                    } else {
                        #expect(expected.records == centralRecords)
                    }
                    let operations = try replica.allOperations()
                    #expect(operations.count == Set(operations.map(\.opId)).count, "\(device.deviceId) duplicates")
                    let missing = expected.operations.subtracting(operations).count
                    let extra = Set(operations).subtracting(expected.operations).count
                    #expect(missing == 0 && extra == 0, "\(device.deviceId): \(missing) missing, \(extra) extra")
                    #expect(try replica.records() == expected.records, "\(device.deviceId) records")
                    let status = try replica.status()
                    #expect(status.pending == 0, "\(device.deviceId) pending")
                    #expect(status.parked == 0, "\(device.deviceId) parked")
                    #expect(try replica.parkedOperations().isEmpty)
                    #expect(try replica.venues().count == venues.count)
                }

                // The faults really happened, on every kind of request that matters.
                let injections = proxy.injections
                let counts = proxy.counts
                let dealt = Set(FaultProxy.deck)
                for fault in dealt {
                    #expect(counts[fault, default: 0] > 0, "\(fault) was never injected")
                }
                for fault in dealt where fault.failsRequest {
                    #expect(
                        injections.contains { $0.fault == fault && $0.route == .push },
                        "\(fault) never struck a push"
                    )
                    #expect(
                        injections.contains { $0.fault == fault && $0.route == .pull },
                        "\(fault) never struck a pull"
                    )
                }
                // The interesting case: the server stored a push whose answer the device never got.
                let lostAcknowledgements = injections.filter {
                    $0.fault == .dropAfterForward && $0.route == .push && $0.upstreamStatus == 200
                }
                #expect(!lostAcknowledgements.isEmpty)
                #expect(proxy.upstreamErrors.isEmpty, "\(proxy.upstreamErrors)")
                // And the devices saw them: lost connections, and each answer of an overloaded gateway.
                let seen = transports.flatMap(\.errors)
                let failedSyncs = transports.map(\.failedSyncs).reduce(0, +)
                #expect(seen.contains { if case .unreachable = $0 { true } else { false } })
                for status in [502, 503, 429] {
                    #expect(
                        seen.contains { if case .server(status, _, _, _) = $0 { true } else { false } },
                        "no \(status) reached a device"
                    )
                }
                #expect(
                    seen.contains(
                        .server(status: 429, code: "proxy-429", message: "Injected by the fault proxy.", retryAfter: 0)
                    )
                )

                let kinds = Dictionary(grouping: seen) { error -> String in
                    switch error {
                    case .unreachable(_, let reason): "unreachable (\(reason))"
                    case .server(let status, _, _, _): "HTTP \(status)"
                    case .badResponse(let reason): "bad response (\(reason))"
                    }
                }
                .mapValues(\.count).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                let elapsed = ContinuousClock.now - started
                let summary = counts.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }
                print(
                    """
                    NetworkFaultTests: seed \(seed), \(injections.count) requests on \(proxy.connections) \
                    connections (\(injections.filter(\.reusedConnection).count) on reused ones), \
                    \(lostAcknowledgements.count) lost push acknowledgements, \(seen.count) failed requests seen by \
                    devices, \(failedSyncs) whole syncs failed and repeated, \(recorded.count) operations, \
                    \(elapsed). Faults: \(summary.joined(separator: ", ")). Errors seen by devices: \
                    \(kinds.joined(separator: ", ")). Requests left unfinished by a client: \
                    \(proxy.incompleteRequests.count).
                    """
                )
                #expect(elapsed < .seconds(60))
            }
        }
    }

    @Test(
        "a request whose kept-alive connection is lost answers or fails at once, without waiting for the timeout",
        arguments: [FaultProxy.Fault.dropBeforeForward, .dropAfterForward],
        [FaultProxy.Route.push, .pull]
    )
    func lostKeptAliveConnection(fault: FaultProxy.Fault, route: FaultProxy.Route) async throws {
        try await withOneDevice { setup in
            let (workspace, store, log, device, token) = (
                setup.workspace, setup.store, setup.log, setup.device, setup.token
            )
            try await CentralServer.withRunningServer(store: store) { serverURL in
                // The first request opens a connection the second reuses; the proxy loses the second.
                try await FaultProxy.withRunningProxy(upstream: serverURL, seed: 0, script: [.forward, fault]) {
                    proxy,
                    proxyURL in
                    let replica = try LocalReplica.create(
                        in: workspace.appendingPathComponent(device.deviceId),
                        identity: device.identity(serverURL: proxyURL),
                        key: testDataKey
                    )
                    for entry in log.entries(of: device.deviceId) { try entry.record(on: replica) }
                    let batch = try replica.outboxBatch(maxOperations: 100)
                    // A timeout long enough for the first request on a loaded machine (the whole suite runs in parallel).
                    let transport = HTTPTransport(serverURL: proxyURL, token: token, requestTimeout: 10)
                    func request() async throws(SyncError) {
                        switch route {
                        case .push: _ = try await transport.push(deviceId: device.deviceId, batch: batch)
                        default: _ = try await transport.pull(after: 0, limit: 40)
                        }
                    }
                    try await request()
                    let started = ContinuousClock.now
                    let outcome: Result<Void, SyncError>
                    do throws(SyncError) {
                        try await request()
                        outcome = .success(())
                    } catch {
                        outcome = .failure(error)
                    }
                    let elapsed = ContinuousClock.now - started
                    #expect(proxy.injections.map(\.fault).prefix(2) == [.forward, fault])
                    // Pushes and pulls alike keep their connection for the next request.
                    #expect(proxy.injections[1].reusedConnection)
                    print(
                        "NetworkFaultTests: \(fault) of a \(route) on a reused connection: \(outcome) after \(elapsed); "
                            + "incomplete requests at the proxy: \(proxy.incompleteRequests)"
                    )
                    #expect(elapsed < .seconds(5))  // well under the 10 s request timeout, even on a loaded machine
                }
            }
        }
    }

    @Test(
        "an answer that stops half way, its connection left open, fails at the request timeout",
        .timeLimit(.minutes(1))
    )
    func stalledAnswer() async throws {
        try await withOneDevice { setup in
            let (workspace, store, log, device, token) = (
                setup.workspace, setup.store, setup.log, setup.device, setup.token
            )
            let replica = try LocalReplica.create(
                in: workspace.appendingPathComponent(device.deviceId),
                identity: device.identity(serverURL: URL(string: "http://127.0.0.1:9")!),
                key: testDataKey
            )
            for entry in log.entries(of: device.deviceId) { try entry.record(on: replica) }
            try await CentralServer.withRunningServer(store: store) { serverURL in
                try await FaultProxy.withRunningProxy(upstream: serverURL, seed: 0, script: [.stallResponse]) {
                    proxy,
                    proxyURL in
                    // Enough operations that half the answer is some bytes of its body.
                    let batch = try replica.outboxBatch(maxOperations: 100)
                    let transport = HTTPTransport(serverURL: proxyURL, token: token, requestTimeout: 2)
                    let started = ContinuousClock.now
                    do throws(SyncError) {
                        _ = try await transport.push(deviceId: device.deviceId, batch: batch)
                        Issue.record("A push whose answer stopped half way succeeded.")
                    } catch {
                        #expect(error == .unreachable(server: proxyURL.absoluteString, reason: "timed out"))
                    }
                    let elapsed = ContinuousClock.now - started
                    #expect(proxy.injections.map(\.fault) == [.stallResponse])
                    #expect(proxy.injections.first?.upstreamStatus == 200)
                    #expect(elapsed >= .milliseconds(1900) && elapsed < .seconds(10), "gave up after \(elapsed)")
                }
            }
            // The server stored the push; the device does not know, and sends it again on its next sync: no harm.
            #expect(try await store.operationCount() == (try replica.status().pending))
        }
    }

    /// Syncs until a sync succeeds, venue refresh included.
    static func syncUntilSuccess(_ replica: LocalReplica, through transport: ObservingTransport) async throws {
        let engine = SyncEngine(
            replica: replica,
            transport: transport,
            pushBatchSize: 50,
            pullPageSize: 40,
            retryPolicy: RetryPolicy(maxAttempts: 50, baseDelay: 0.01, maxDelay: 0.05)
        )
        var failures = 0
        while true {
            do {
                // A sync whose venue refresh was lost completes, keeping the old list; go again for the venues.
                if try await engine.sync().venuesRefreshed { return }
                transport.recordFailedSync()
                failures += 1
                guard failures < maxSyncsPerPhase else { throw SyncError.badResponse("venues never refreshed") }
            } catch let error as SyncError {
                transport.recordFailedSync()
                failures += 1
                guard failures < maxSyncsPerPhase else { throw error }
            }
        }
    }

    /// A valid sighting by the device's user, at its venue for venue staff.
    static func sighting(
        _ index: Int,
        by device: FixtureDevice,
        venues: [Venue],
        using generator: inout SeededGenerator
    ) -> Sighting {
        let recordedAt = Date().truncatedToMilliseconds
        let behaviours: [Behaviour] = [.following, .repeatedApproaches, .targetingIntoxicated, .leering, .loitering]
        let venueId =
            device.venueId ?? (Bool.random(using: &generator) ? venues.randomElement(using: &generator)?.id : nil)
        return Sighting(
            id: UUID(uuid: Self.uuidBytes(using: &generator)),
            occurredAt: recordedAt.addingTimeInterval(-Double(Int.random(in: 0...7200, using: &generator))),
            recordedAt: recordedAt,
            reporter: device.userId,
            location: Location(venueId: venueId, place: "Generated place \(index)"),
            behaviours: Array(behaviours.shuffled(using: &generator).prefix(Int.random(in: 1...3, using: &generator))),
            riskLevel: RiskLevel.allCases.randomElement(using: &generator)!,
            narrative: "Generated sighting \(index) by \(device.deviceId) for the fault test."
        )
    }

    /// The bytes of a random version-4 UUID from the seeded generator.
    static func uuidBytes(using generator: inout SeededGenerator) -> uuid_t {
        let high = generator.next()
        let low = generator.next()
        var bytes =
            (0..<8).map { UInt8(truncatingIfNeeded: high >> ($0 * 8)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> ($0 * 8)) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        )
    }
}

/// The real transport, noting every error a device got from it (nothing is stood in for).
final class ObservingTransport: SyncTransport {
    private let transport: HTTPTransport
    private let state = Mutex<(errors: [SyncError], failedSyncs: Int)>(([], 0))

    init(_ transport: HTTPTransport) {
        self.transport = transport
    }

    /// Every error a request ended with, in order.
    var errors: [SyncError] { state.withLock { $0.errors } }

    /// Whole syncs that ended with an error.
    var failedSyncs: Int { state.withLock { $0.failedSyncs } }

    func recordFailedSync() {
        state.withLock { $0.failedSyncs += 1 }
    }

    func push(deviceId: String, batch: OutboxBatch) async throws(SyncError) -> PushResponse {
        try await observing { () async throws(SyncError) in try await transport.push(deviceId: deviceId, batch: batch) }
    }

    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> PullResponse {
        try await observing { () async throws(SyncError) in try await transport.pull(after: cursor, limit: limit) }
    }

    func venues() async throws(SyncError) -> [Venue] {
        try await observing { () async throws(SyncError) in try await transport.venues() }
    }

    private func observing<Result>(_ request: () async throws(SyncError) -> Result) async throws(SyncError) -> Result {
        do {
            return try await request()
        } catch {
            state.withLock { $0.errors.append(error) }
            throw error
        }
    }
}
