import Central
import Foundation
import Models
import Sync
import TestSupport
import Testing

/// PostgreSQL's disk fills up under a real `serve --database` process: the store's operations live in a
/// tablespace on a small tmpfs, which is then filled. PostgreSQL refuses the write with SQLSTATE 53100
/// (`disk_full`); the server must answer 503 `disk-full` with `Retry-After`, never 500, say so once in its log,
/// go on serving reads, and take the device's queue once there is room.
@Suite("PostgreSQL: a full disk", .enabled(if: PostgresTestServer.endToEndEnabled))
struct PostgresDiskFullTests {
    /// Why the test cannot run here, or nil: it mounts a tmpfs the database server can see.
    static let skipReason: String? = {
        guard let url = PostgresTestServer.url else { return nil }  // withScratchDatabase says how to run it
        if geteuid() != 0 { return "mounting a tmpfs for a tablespace needs root" }
        if getpwnam("postgres") == nil { return "no local postgres user owns the test server" }
        guard let host = URLComponents(string: url)?.host, ["127.0.0.1", "localhost", "::1"].contains(host) else {
            return "the test server is not on this machine"
        }
        return nil
    }()

    static let canRun: Bool = {
        guard let reason = skipReason else { return true }
        print("WARNING: the PostgreSQL full-disk test is skipped: \(reason).")
        return false
    }()

    @Test(
        "disk_full (53100) is answered 503 disk-full with Retry-After, said once in the log; reads go on; the queue arrives once there is room",
        .enabled(if: canRun)
    )
    func diskFull() async throws {
        let server = try PostgresDatabaseURL(
            try #require(PostgresTestServer.url, "run it with scripts/with-postgres.sh (EMPOWER_TEST_DATABASE_URL)")
        )
        let workspace = try makeTemporaryDirectory()
        let disk = try HostTmpfs(megabytes: 4, owner: "postgres")
        defer { disk.unmount() }
        let tablespace = "empower_tiny_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await PostgresTestServer.execute("CREATE TABLESPACE \(tablespace) LOCATION '\(disk.path)'", on: server)
        try await PostgresTestServer.withScratchDatabase(prefix: "empower_e2e_") { database in
            let tokens: [String] = try await PostgresCentralStore.withStore(url: database) { store in
                var tokens: [String] = []
                for (device, user) in [("dev-pc4127", "PC-4127"), ("dev-pc5310", "PC-5310")] {
                    tokens.append(
                        try await store.provisionDevice(
                            device,
                            for: UserAccount(id: user, role: .officer),
                            by: .console(user: "e2e")
                        )
                    )
                }
                return tokens
            }
            // The operations table on the small disk; everything else (the audit log too) stays where it was.
            try await PostgresTestServer.execute("ALTER TABLE operation SET TABLESPACE \(tablespace)", on: database)
            let log = workspace.appendingPathComponent("serve.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let serve = try ServerProcess(database: database, standardError: try FileHandle(forWritingTo: log))
            defer { serve.stop() }
            let first = try device("dev-pc4127", user: "PC-4127", token: tokens[0], server: serve.url, in: workspace)
            let second = try device("dev-pc5310", user: "PC-5310", token: tokens[1], server: serve.url, in: workspace)
            var made = 0
            for _ in 0..<3 { made += try record(on: first) }
            try await first.engine.sync()

            // The disk fills up; pushes grow the table until PostgreSQL has no room to extend it.
            try disk.fill()
            var refusal: SyncError?
            for _ in 0..<40 where refusal == nil {
                for _ in 0..<5 { made += try record(on: first) }
                do { try await first.engine.sync() } catch let error as SyncError { refusal = error }
            }
            #expect(refusal.map(Self.summary) == "503 disk-full, retry after 10 s")
            do {
                try await first.engine.sync()
                Issue.record("a push was taken while the disk was full")
            } catch let error as SyncError {
                #expect(Self.summary(error) == "503 disk-full, retry after 10 s")
            }

            // Reads go on: the second device pulls what was stored.
            let report = try await second.engine.sync()
            #expect(report.pulled > 0)
            let said = try String(contentsOf: log, encoding: .utf8)
            #expect(said.components(separatedBy: "Disk full:").count == 2, "log was: \(said)")
            #expect(said.contains("SQLSTATE 53100"), "log was: \(said)")

            // Room is made: the first device's queue arrives whole, and the second pulls all of it.
            try disk.removeFillers()
            try await first.engine.sync()
            try await second.engine.sync()
            #expect(try first.replica.status().pending == 0)
            let held = try second.replica.allOperations()
            #expect(held.count == made && Set(held.map(\.opId)).count == made)
            let stored = try await PostgresCentralStore.withStore(url: database) { try await $0.operationCount() }
            #expect(stored == made)
            #expect(try String(contentsOf: log, encoding: .utf8).contains("Disk space recovered"))
        }
        try await PostgresTestServer.execute("DROP TABLESPACE \(tablespace)", on: server)
    }

    /// A refusal as "503 disk-full, retry after 10 s".
    private static func summary(_ error: SyncError) -> String {
        guard case .server(let status, let code, _, let retryAfter) = error else { return "\(error)" }
        return "\(status) \(code), retry after \(retryAfter.map { "\(Int($0)) s" } ?? "nothing")"
    }

    /// A device made in-process, syncing through the server with a single attempt per request.
    private func device(
        _ id: String,
        user: String,
        token: String,
        server: URL,
        in workspace: URL
    ) throws -> (
        replica: LocalReplica, engine: SyncEngine, user: String
    ) {
        let replica = try LocalReplica.create(
            in: workspace.appendingPathComponent(id),
            identity: DeviceIdentity(deviceId: id, userId: user, role: .officer, venueId: nil, serverURL: server),
            key: testDataKey
        )
        let engine = SyncEngine(
            replica: replica,
            transport: HTTPTransport(serverURL: server, token: token),
            retryPolicy: RetryPolicy(maxAttempts: 1)
        )
        return (replica, engine, user)
    }

    /// Records a sighting. - Returns: the operations made (1).
    private func record(on device: (replica: LocalReplica, engine: SyncEngine, user: String)) throws -> Int {
        let now = Date().truncatedToMilliseconds
        let sighting = Sighting(
            occurredAt: now,
            recordedAt: now,
            reporter: device.user,
            location: Location(place: "Seel Street, by the taxi rank"),
            behaviours: [.following],
            riskLevel: .medium
        )
        _ = try device.replica.append(.createSighting(sighting), recordId: sighting.id)
        return 1
    }
}

/// A tmpfs mounted on this machine for a test (root only), owned by `owner`, unmounted by `unmount()`.
final class HostTmpfs {
    let path: String

    init(megabytes: Int, owner: String) throws {
        guard let account = getpwnam(owner) else { throw PostgresTestError("no user \(owner)") }
        path = "/tmp/empower-tmpfs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let options = "size=\(megabytes)m,mode=0700,uid=\(account.pointee.pw_uid),gid=\(account.pointee.pw_gid)"
        guard try Self.run("/usr/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]) == 0 else {
            throw PostgresTestError("a tmpfs could not be mounted on \(path)")
        }
    }

    /// Fills it to its last byte.
    func fill() throws { try DiskFiller.fill(URL(fileURLWithPath: path)) }

    func removeFillers() throws { try DiskFiller.removeFillers(in: URL(fileURLWithPath: path)) }

    func unmount() {
        _ = try? Self.run("/usr/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
