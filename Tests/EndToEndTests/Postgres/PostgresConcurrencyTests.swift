import Central
import Foundation
import Models
import Sync
import TestSupport
import Testing

/// Several server instances on one PostgreSQL database, many devices pushing and pulling at once: the cursor
/// safety of DESIGN.md §4, end to end.
///
/// A pull that passed over an operation committed later with a smaller position would leave that operation
/// off the puller's device for good (its cursor is already past it), so the final check — every device holds
/// every operation exactly once — fails if positions ever commit out of order.
@Suite("PostgreSQL: concurrent servers and devices", .enabled(if: PostgresTestServer.endToEndEnabled))
struct PostgresConcurrencyTests {
    static let servers = 2
    static let pushers = 8
    static let pullers = 4
    static let rounds = 6
    static let recordsPerRound = 4
    static let venueId = "venue-conc-01"

    /// A device in its own directory, with its token, syncing through one of the servers.
    struct Device: Sendable {
        let replica: LocalReplica
        let engine: SyncEngine
        let userId: String
    }

    @Test("2 serve processes, 8 devices pushing, 4 pulling: every device ends with every operation exactly once")
    func concurrentDevicesConverge() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        try await PostgresTestServer.withScratchDatabase(prefix: "empower_e2e_") { database in
            let venue = Venue(
                id: Self.venueId,
                name: "The Concurrency Tap",
                licenceNumber: "LIC-CONC-0001",
                area: "Test city centre",
                address: "9 Test Street, Testtown",
                latitude: 53.40,
                longitude: -2.98
            )
            // Accounts are made on the database directly, as `admin --database` would.
            let tokens: [String] = try await PostgresCentralStore.withStore(url: database) { store in
                try await store.saveVenue(venue, by: .console(user: "e2e"), now: Date())
                var tokens: [String] = []
                for index in 0..<(Self.pushers + Self.pullers) {
                    let role: Role = index % 3 == 2 ? .supervisor : .officer
                    tokens.append(
                        try await store.provisionDevice(
                            "dev-conc-\(index)",
                            for: UserAccount(id: "PC-90\(10 + index)", role: role),
                            by: .console(user: "e2e")
                        )
                    )
                }
                return tokens
            }

            let servers = try (0..<Self.servers).map { _ in
                try ServerProcess(database: database, arguments: ["--rate-limit", "100000"])
            }
            defer { for server in servers { server.stop() } }
            #expect(Set(servers.map(\.url)).count == Self.servers)

            let devices = try (0..<(Self.pushers + Self.pullers)).map { index in
                let server = servers[index % Self.servers].url
                let role: Role = index % 3 == 2 ? .supervisor : .officer
                let replica = try LocalReplica.create(
                    in: workspace.appendingPathComponent("device-\(index)"),
                    identity: DeviceIdentity(
                        deviceId: "dev-conc-\(index)",
                        userId: "PC-90\(10 + index)",
                        role: role,
                        venueId: nil,
                        serverURL: server
                    ),
                    key: testDataKey
                )
                // Small batches and pages: many short transactions, many cursor moves.
                let engine = SyncEngine(
                    replica: replica,
                    transport: HTTPTransport(serverURL: server, token: tokens[index]),
                    pushBatchSize: 3,
                    pullPageSize: 5,
                    retryPolicy: RetryPolicy(maxAttempts: 10, baseDelay: 0.05, maxDelay: 0.5)
                )
                return Device(replica: replica, engine: engine, userId: "PC-90\(10 + index)")
            }
            let pushing = Array(devices[..<Self.pushers])
            let pulling = Array(devices[Self.pushers...])

            let finished = StopFlag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for device in pushing {
                    group.addTask {
                        var made: [UUID] = []
                        for round in 0..<Self.rounds {
                            for _ in 0..<Self.recordsPerRound {
                                made.append(try Self.recordSighting(on: device))
                            }
                            // And an amendment of one of its own earlier records.
                            if round > 0 {
                                try device.replica.append(
                                    .amend(Amendment(field: .riskLevel, value: "high", reason: "Reassessed")),
                                    recordId: made[round]
                                )
                            }
                            let report = try await device.engine.sync()
                            #expect(report.rejected.isEmpty, "\(report.rejected)")
                        }
                    }
                }
                for device in pulling {
                    group.addTask {
                        while await !finished.isSet {
                            try await device.engine.sync()
                            try await Task.sleep(for: .milliseconds(3))
                        }
                    }
                }
                for _ in 0..<Self.pushers { try await group.next() }
                await finished.set()
                try await group.waitForAll()
            }

            // One last sync each: nothing more to push, and whatever a pull skipped stays skipped.
            for device in devices { try await device.engine.sync() }

            let expected = Self.pushers * (Self.rounds * Self.recordsPerRound + Self.rounds - 1)
            try await PostgresCentralStore.withStore(url: database) { store in
                #expect(try await store.operationCount() == expected)
                let reader = Caller(userId: "PS-9000", deviceId: "dev-conc-reader", role: .supervisor)
                var central: [LogOperation] = []
                var cursor: Int64 = 0
                while true {
                    let page = try await store.pull(after: cursor, limit: 1000, for: reader, now: Date())
                    central += try page.decodedOperations().map(\.operation)
                    cursor = page.cursor
                    if !page.hasMore { break }
                }
                #expect(central.count == expected)
                let centralRecords = try await store.records(matching: RecordFilter()).sorted {
                    $0.id.text < $1.id.text
                }
                #expect(centralRecords.count == Self.pushers * Self.rounds * Self.recordsPerRound)
                for (index, device) in devices.enumerated() {
                    let held = try device.replica.allOperations()
                    let missing = Set(central.map(\.opId)).subtracting(held.map(\.opId)).count
                    #expect(missing == 0, "device \(index) never received \(missing) operations")
                    #expect(held.count == central.count, "device \(index) holds \(held.count) operations")
                    #expect(Set(held.map(\.opId)).count == held.count, "device \(index) holds an operation twice")
                    let differing = Set(held).symmetricDifference(central).count
                    #expect(differing == 0, "device \(index) holds \(differing) operations unlike the central ones")
                    let records = try device.replica.records().sorted { $0.id.text < $1.id.text }
                    let differingRecords = Set(records).symmetricDifference(centralRecords).count
                    #expect(
                        differingRecords == 0,
                        "device \(index): \(differingRecords) records differ from the central ones"
                    )
                    #expect(try device.replica.status().pending == 0)
                }
            }
        }
    }

    /// Records one new sighting on a device, as its user.
    static func recordSighting(on device: Device) throws -> UUID {
        let now = Date().truncatedToMilliseconds
        let sighting = Sighting(
            occurredAt: now,
            recordedAt: now,
            reporter: device.userId,
            location: Location(venueId: venueId),
            behaviours: [.following],
            riskLevel: .medium
        )
        try device.replica.append(.createSighting(sighting), recordId: sighting.id)
        return sighting.id
    }
}

/// A flag set once, read by many tasks.
actor StopFlag {
    private(set) var isSet = false
    func set() { isSet = true }
}
