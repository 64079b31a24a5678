import Central
import Foundation
import GRDB
import Models
import Sync

/// The data key of every replica these tests make in-process (devices set up by the real `device init` have
/// their own, in the kernel keyring: `unlockedKey(of:)`).
let testDataKey = DataKey.random()

/// The key `device init` or `device unlock` left in the kernel keyring for the device in `directory`.
func unlockedKey(of directory: URL) throws -> DataKey {
    guard let unlocked = try KernelKeyring.unlocked(for: directory) else { throw ReplicaError.locked }
    return unlocked.key
}

/// A fresh temporary directory for one test.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("empower-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The repository's fixtures directory.
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

/// The sample patrol log of `fixtures/patrol-log.json`.
func loadPatrolLog() throws -> PatrolLogFixture {
    try PatrolLogFixture.load(from: fixturesDirectory.appendingPathComponent("patrol-log.json"))
}

/// The venues of `fixtures/venues.json`.
func loadVenues() throws -> [Venue] {
    try WireCoding.decode(
        VenueList.self,
        from: Data(contentsOf: fixturesDirectory.appendingPathComponent("venues.json"))
    )
    .venues
}

/// Every row of every table of a SQLite file, as text: two equal snapshots mean an unchanged database.
func snapshot(ofDatabaseAt path: String) throws -> [String] {
    var configuration = Configuration()
    configuration.readonly = true
    let database = try DatabaseQueue(path: path, configuration: configuration)
    return try database.read { db in
        let tables = try String.fetchAll(
            db,
            sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        // The audit sealer's own work (leaves and signed heads, every half second while a server runs) is not
        // something a command wrote: entries are compared by number and content.
        return try tables.filter { $0 != "auditTreeHead" }.flatMap { table in
            let columns = table == "audit" ? "seq, body" : "*"
            // A table WITHOUT ROWID (the dashboard's facts) is ordered by its primary key, the first column.
            let withoutRowid = try Bool.fetchOne(
                db,
                sql: "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?",
                arguments: [table]
            ) ?? false
            let order = withoutRowid ? "1" : "rowid"
            return try Row.fetchAll(db, sql: "SELECT \(columns) FROM \"\(table)\" ORDER BY \(order)").map {
                "\(table): \($0)"
            }
        }
    }
}

extension FixtureDevice {
    /// The device's user, as the server's accounts hold them.
    var account: UserAccount {
        UserAccount(id: userId, role: role, venueIds: venueId.map { [$0] } ?? [])
    }

    /// The device's user and device, as its token names them.
    var caller: Caller {
        Caller(userId: userId, deviceId: deviceId, role: role, venueIds: venueId.map { [$0] } ?? [])
    }
}

/// Enrols every device of the log with the store, adding its user, and returns their access tokens in order.
func provisionDevices(of log: PatrolLogFixture, on store: some CentralStore) async throws -> [String] {
    var tokens: [String] = []
    for device in log.devices {
        tokens.append(try await store.provisionDevice(device.deviceId, for: device.account))
    }
    return tokens
}

/// A supervisor's view of the central store, for reading every operation back.
let centralReader = Caller(userId: "PS-9000", deviceId: "dev-test-reader", role: .supervisor)

/// Every operation in the central store, in position order.
func allCentralOperations(_ store: any CentralStore) async throws -> [LogOperation] {
    var operations: [LogOperation] = []
    var cursor: Int64 = 0
    while true {
        let page = try await store.pull(after: cursor, limit: 1000, for: centralReader, now: Date())
        operations += try page.decodedOperations().map(\.operation)
        guard page.hasMore else { break }
        cursor = page.cursor
    }
    return operations
}

/// What a device of `caller` must hold after a full sync: the central store's records as `caller` may see them
/// (`AccessProjection`), and every operation of them as projected.
func centralContents(
    for caller: Caller,
    of store: some CentralStore
) async throws -> (records: [RecordState], operations: Set<LogOperation>) {
    let records = try await store.records(matching: RecordFilter(), for: caller)
    return (records, try await projectedOperations(of: records, for: caller, in: store))
}

/// The operations of these records as `caller` may receive them (`AccessProjection`).
func projectedOperations(
    of records: [RecordState],
    for caller: Caller,
    in store: some CentralStore
) async throws -> Set<LogOperation> {
    var projected = Set<LogOperation>()
    for (_, authored) in try await store.operations(ofRecords: records.map(\.id)) {
        let roles = Dictionary(authored.map { ($0.operation.author, $0.authorRole) }, uniquingKeysWith: { a, _ in a })
        guard let origin = AccessProjection.origin(of: authored.map(\.operation), roles: { roles[$0] ?? nil })
        else { continue }
        for operation in authored {
            if let seen = AccessProjection.project(
                operation.operation,
                authorRole: operation.authorRole,
                record: origin,
                for: caller
            ) {
                projected.insert(seen)
            }
        }
    }
    return projected
}

/// A new SQLite central store in a temporary workspace, with the sample log's first device enrolled in it.
struct OneDeviceSetup {
    let workspace: URL
    let store: SQLiteCentralStore
    let log: PatrolLogFixture
    let device: FixtureDevice
    /// The device's access token.
    let token: String
}

/// Runs `body` on a new `OneDeviceSetup`, then removes its workspace.
func withOneDevice<Result>(_ body: (OneDeviceSetup) async throws -> Result) async throws -> Result {
    let workspace = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: workspace) }
    let store = try SQLiteCentralStore(directory: workspace.appendingPathComponent("central"))
    let log = try loadPatrolLog()
    let device = log.devices[0]
    let token = try await store.provisionDevice(device.deviceId, for: device.account)
    return try await body(
        OneDeviceSetup(workspace: workspace, store: store, log: log, device: device, token: token)
    )
}
