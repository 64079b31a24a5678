import Central
import Foundation
import Models
import Sync
import Synchronization

/// One device's sync in a round: the number of operations it pushed.
typealias FleetSync = @Sendable () async throws -> Int

/// The devices of a fleet: each round, they make new sightings, then sync.
protocol Fleet {
    /// Makes each device's new sightings for `round` (not timed) and returns each device's sync.
    func prepareRound(_ round: Int, operations: Int) throws -> [FleetSync]
}

/// Real devices: a `LocalReplica` and a `SyncEngine` each, with every request timed.
struct DeviceFleet: Fleet {
    let members: [FleetBench.Member]
    let engines: [SyncEngine]

    init(members: [FleetBench.Member], tokens: [String], server: URL, in directory: URL, log: RequestLog) throws {
        self.members = members
        engines = try zip(members, tokens).map { member, token in
            let replica = try LocalReplica.create(
                in: directory.appendingPathComponent(member.device),
                identity: DeviceIdentity(
                    deviceId: member.device,
                    userId: member.user,
                    role: member.account.role,
                    venueId: member.venue,
                    serverURL: server
                ),
                key: DataKey.random()
            )
            let transport = HTTPTransport(serverURL: server, token: token, client: BenchCommand.httpClient)
            return SyncEngine(replica: replica, transport: TimingTransport(inner: transport, log: log))
        }
    }

    func prepareRound(_ round: Int, operations: Int) throws -> [FleetSync] {
        for (engine, member) in zip(engines, members) {
            for index in 0..<operations {
                let sighting = BenchCommand.sighting(
                    index: round * operations + index,
                    by: member.user,
                    at: member.venue ?? FleetBench.officersVenue
                )
                try engine.replica.append(.createSighting(sighting), recordId: sighting.id)
            }
        }
        return engines.map { engine in
            {
                let report = try await engine.sync()
                guard report.rejected.isEmpty else {
                    throw BenchError("The server refused a fleet operation: \(report.rejected[0].message)")
                }
                return report.pushed
            }
        }
    }
}

/// Devices without a database (`LightClient`): each sync pushes its new sightings in one request, pulls until
/// nothing more waits and fetches the venues, as `SyncEngine` does, with every request timed.
struct LightFleet: Fleet {
    let members: [FleetBench.Member]
    let clients: [LightClient]
    let log: RequestLog
    /// Each device's pull cursor.
    let cursors: Cursors

    init(members: [FleetBench.Member], tokens: [String], server: URL, log: RequestLog) throws {
        self.members = members
        self.log = log
        clients = zip(members, tokens).map {
            LightClient(server: server, token: $1, deviceId: $0.device, userId: $0.user)
        }
        cursors = Cursors(count: members.count)
    }

    func prepareRound(_ round: Int, operations: Int) throws -> [FleetSync] {
        try zip(clients, members).enumerated().map { index, pair in
            let (client, member) = pair
            let body = try client.pushBodies(
                count: operations,
                batch: operations,
                venue: member.venue ?? FleetBench.officersVenue
            )[0]
            return { [log, cursors] in
                var start = ContinuousClock.now
                try await client.push(body)
                log.record("push", since: start)
                var cursor = cursors[index]
                var hasMore = true
                while hasMore {
                    start = ContinuousClock.now
                    (cursor, hasMore) = try await client.pull(after: cursor)
                    log.record("pull", since: start)
                }
                cursors[index] = cursor
                start = ContinuousClock.now
                try await client.venues()
                log.record("venues", since: start)
                return operations
            }
        }
    }
}

/// The pull cursors of light clients, by device index.
final class Cursors: Sendable {
    private let values: Mutex<[Int64]>

    init(count: Int) { values = Mutex(Array(repeating: 0, count: count)) }

    subscript(index: Int) -> Int64 {
        get { values.withLock { $0[index] } }
        set { values.withLock { $0[index] = newValue } }
    }
}

/// The durations of every request sent through `TimingTransport`s, by kind.
final class RequestLog: Sendable {
    private let entries = Mutex<[String: [Double]]>([:])

    func record(_ kind: String, since start: ContinuousClock.Instant) {
        let seconds = BenchCommand.seconds(ContinuousClock.now - start)
        entries.withLock { $0[kind, default: []].append(seconds) }
    }

    var durations: [String: [Double]] { entries.withLock { $0 } }
}

/// A transport that times each request it sends, whatever its outcome.
struct TimingTransport: SyncTransport {
    let inner: HTTPTransport
    let log: RequestLog

    func push(deviceId: String, batch: OutboxBatch) async throws(SyncError) -> PushResponse {
        let start = ContinuousClock.now
        defer { log.record("push", since: start) }
        return try await inner.push(deviceId: deviceId, batch: batch)
    }

    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> PullResponse {
        let start = ContinuousClock.now
        defer { log.record("pull", since: start) }
        return try await inner.pull(after: cursor, limit: limit)
    }

    func venues() async throws(SyncError) -> [Venue] {
        let start = ContinuousClock.now
        defer { log.record("venues", since: start) }
        return try await inner.venues()
    }
}
