import Central
import Foundation
import Models
import Sync
import Testing

/// The device's and the server's data directories are 0700 and every file in them 0600 — the SQLite database,
/// its -wal and -shm files, the token — whatever the process umask, after real use: records made, pushed over
/// HTTP, pulled by another device.
@Suite("Data directory modes", .serialized)
struct DataDirectoryModeTests {
    @Test("with a permissive umask, every data directory is 0700 and every file in it 0600, WAL and SHM included")
    func privateModesWhateverTheUmask() async throws {
        // Permissive on purpose (the umask is the whole process's: restored at the end).
        let previous = umask(0o022)
        defer { umask(previous) }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let centralDirectory = workspace.appendingPathComponent("central")
        let store = try SQLiteCentralStore(directory: centralDirectory)
        let officerToken = try await store.provisionDevice(
            "dev-officer",
            for: UserAccount(id: "PC-4127", role: .officer)
        )
        let supervisorToken = try await store.provisionDevice(
            "dev-supervisor",
            for: UserAccount(id: "PS-0311", role: .supervisor)
        )

        let devices: [URL] = try await CentralServer.withRunningServer(store: store) { serverURL in
            var directories: [URL] = []
            for (deviceId, userId, role, token) in [
                ("dev-officer", "PC-4127", Role.officer, officerToken),
                ("dev-supervisor", "PS-0311", Role.supervisor, supervisorToken),
            ] {
                let directory = workspace.appendingPathComponent("devices").appendingPathComponent(deviceId)
                let replica = try LocalReplica.create(
                    in: directory,
                    identity: DeviceIdentity(
                        deviceId: deviceId,
                        userId: userId,
                        role: role,
                        venueId: nil,
                        serverURL: serverURL
                    ),
                    key: testDataKey
                )
                try AccessTokenFile.save(token, in: directory)
                if role == .officer {
                    let now = Date().truncatedToMilliseconds
                    let sighting = Sighting(
                        occurredAt: now,
                        recordedAt: now,
                        reporter: userId,
                        location: Location(venueId: "venue-bold-st-05", place: "Bold Street"),
                        behaviours: [.following],
                        riskLevel: .medium
                    )
                    try replica.append(.createSighting(sighting), recordId: sighting.id)
                }
                try await SyncEngine(replica: replica, transport: HTTPTransport(serverURL: serverURL, token: token))
                    .sync()
                #expect(try replica.status().pending == 0)
                // While the replica is open: its -wal and -shm files are there to be checked.
                try withExtendedLifetime(replica) {
                    try Self.expectPrivate(directory, holding: [LocalReplica.fileName, AccessTokenFile.fileName])
                }
                directories.append(directory)
            }
            // While the server runs, on its open database.
            try Self.expectPrivate(centralDirectory, holding: [SQLiteCentralStore.fileName])
            return directories
        }
        // And once the devices' databases are closed (the store's may be too).
        try Self.expectPrivate(centralDirectory, holding: [SQLiteCentralStore.fileName], open: false)
        for directory in devices {
            try Self.expectPrivate(directory, holding: [LocalReplica.fileName, AccessTokenFile.fileName], open: false)
        }
    }

    @Test("the real serve, admin and device commands leave 0700 directories of 0600 files")
    func privateModesFromTheCommandLine() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-modes-cli",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        let added = try CLIRunner.run([
            "sighting", "add", "--venue", "venue-concert-sq-01", "--behaviour", "following", "--risk", "low",
            "--data", device.path,
        ])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        let synced = try CLIRunner.run(["sync", "--data", device.path])
        #expect(synced.status == 0, "stderr was: \(synced.stderr)")
        try Self.expectPrivate(server.data, holding: [SQLiteCentralStore.fileName])
        server.stop()
        let files = try FileManager.default.contentsOfDirectory(atPath: server.data.path)
        #expect(files.contains(SQLiteCentralStore.fileName))
        for name in files {
            #expect(try Self.mode(of: server.data.appendingPathComponent(name).path) == 0o600, "\(name)")
        }
        #expect(try Self.mode(of: device.path) == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: device.path) {
            #expect(try Self.mode(of: device.appendingPathComponent(name).path) == 0o600, "\(name)")
        }
    }

    /// Expects `directory` to be 0700, to hold `names` and, when the databases among them are `open`, their -wal
    /// and -shm files, and every file in it (at any depth) to be 0600.
    static func expectPrivate(
        _ directory: URL,
        holding names: [String],
        open: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let directoryMode = try mode(of: directory.path)
        #expect(
            directoryMode == 0o700,
            "\(directory.lastPathComponent) is \(String(directoryMode, radix: 8))",
            sourceLocation: sourceLocation
        )
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory.path).sorted()
        let databases = open ? names.filter { $0.hasSuffix(".sqlite") } : []
        let expected = names + databases.flatMap { [$0 + "-wal", $0 + "-shm"] }
        for name in expected {
            #expect(files.contains(name), "\(name) is not in \(files)", sourceLocation: sourceLocation)
        }
        for name in files {
            let path = directory.appendingPathComponent(name).path
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let wanted: mode_t = isDirectory.boolValue ? 0o700 : 0o600
            let actual = try mode(of: path)
            #expect(
                actual == wanted,
                "\(name) is \(String(actual, radix: 8)), not \(String(wanted, radix: 8))",
                sourceLocation: sourceLocation
            )
        }
    }

    static func mode(of path: String) throws -> mode_t {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        guard let mode = attributes[.posixPermissions] as? NSNumber else { throw CocoaError(.fileReadUnknown) }
        return mode_t(mode.uint16Value) & 0o7777
    }
}
