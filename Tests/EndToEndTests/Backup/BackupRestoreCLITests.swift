import Central
import Foundation
import GRDB
import Models
import Sync
import Testing

/// `admin backup` while the server serves, `admin restore` with it stopped, and devices that heal the server:
/// real `serve` processes, the real executable for every device, SQLite files throughout.
@Suite("Command line: backup and restore, healed by the devices")
struct BackupRestoreCLITests {
    static let officers = ["PC-4127", "PC-5310", "PC-2201"]

    private func record(_ place: String, on device: URL) throws {
        let added = try CLIRunner.run([
            "sighting", "add", "--place", place, "--behaviour", "leering", "--risk", "low", "--data", device.path,
        ])
        try #require(added.status == 0, "stderr was: \(added.stderr)")
    }

    @discardableResult
    private func sync(_ device: URL) throws -> String {
        let synced = try CLIRunner.run(["sync", "--timeout", "20", "--data", device.path])
        try #require(synced.status == 0, "stderr was: \(synced.stderr)")
        return synced.stdout
    }

    /// Every operation id a SQLite file holds, with how many rows each has, and the device's queued ones.
    private func operations(inFile path: String) throws -> (ids: [String], pending: Int) {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in
            let ids = try String.fetchAll(db, sql: "SELECT opId FROM operation ORDER BY opId")
            let hasOutbox = try db.columns(in: "operation").contains { $0.name == "outbox" }
            let pending =
                hasOutbox
                ? try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM operation WHERE outbox != 'acknowledged' AND outbox != 'pulled'"
                ) ?? 0
                : 0
            return (ids, pending)
        }
    }

    @Test(
        "back up, sync more from three devices, restore: after a sync each, nothing lost, nothing twice, every replica equal"
    )
    func restoreHealedByDevices() throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let data = workspace.appendingPathComponent("central")
        var server = try ServeProcess(data: data)
        let devices = try Self.officers.enumerated().map { index, officer in
            try server.enrolDevice(
                "dev-\(officer.lowercased())-phone",
                user: officer,
                in: workspace.appendingPathComponent("device-\(index)")
            )
        }
        for (index, device) in devices.enumerated() { try record("Seel Street \(index)", on: device) }
        for device in devices + devices { try sync(device) }

        let backup = workspace.appendingPathComponent("backups/central-backup.sqlite")
        try FileManager.default.createDirectory(
            at: backup.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        let backedUp = try CLIRunner.run(["admin", "backup", "--data", data.path, "--out", backup.path])
        try #require(backedUp.status == 0, "stderr was: \(backedUp.stderr)")
        #expect(backedUp.stdout.contains("Backed up 3 operations"), "\(backedUp.stdout)")
        let mode = try FileManager.default.attributesOfItem(atPath: backup.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try operations(inFile: backup.path).ids.count == 3)

        // After the backup: each device records and syncs twice more; every device has all twelve.
        for round in 0..<3 {
            for (index, device) in devices.enumerated() {
                try record("Bold Street \(round)-\(index)", on: device)
                try sync(device)
            }
        }
        for device in devices { try sync(device) }
        let before = try operations(inFile: server.databasePath).ids
        #expect(before.count == 12)

        // A restore is refused while the server runs, and of a file that is not a store; neither changes a thing.
        let running = try CLIRunner.run(["admin", "restore", "--data", data.path, "--from", backup.path])
        #expect(running.status != 0)
        #expect(running.stderr.contains("A server is running"), "stderr was: \(running.stderr)")
        server.stop()
        let notAStore = workspace.appendingPathComponent("not-a-store.sqlite")
        try Data("hello".utf8).write(to: notAStore)
        let refused = try CLIRunner.run(["admin", "restore", "--data", data.path, "--from", notAStore.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not-a-store.sqlite"), "stderr was: \(refused.stderr)")
        let deviceFile = devices[0].appendingPathComponent(LocalReplica.fileName)
        let wrongKind = try CLIRunner.run(["admin", "restore", "--data", data.path, "--from", deviceFile.path])
        #expect(wrongKind.status != 0)
        #expect(wrongKind.stderr.contains("is not an Empower server store"), "stderr was: \(wrongKind.stderr)")
        #expect(try operations(inFile: server.databasePath).ids == before)

        let restored = try CLIRunner.run(["admin", "restore", "--data", data.path, "--from", backup.path])
        try #require(restored.status == 0, "stderr was: \(restored.stderr)")
        #expect(try operations(inFile: server.databasePath).ids.count == 3)
        server = try ServeProcess(data: data, port: server.url.port!)
        defer { server.stop() }

        // One device records while the server is away; the one that synced last syncs first.
        try record("Hope Street", on: devices[1])
        let first = try sync(devices[2])
        #expect(first.contains("restored from a backup"), "\(first)")
        for device in [devices[0], devices[1], devices[2], devices[0], devices[1]] { try sync(device) }

        let central = try operations(inFile: server.databasePath).ids
        #expect(central.count == 13, "the server holds \(central.count) operations of 13")
        #expect(Set(central).count == central.count, "an operation is stored twice")
        #expect(Set(central).isSuperset(of: before))
        for device in devices {
            let held = try operations(inFile: device.appendingPathComponent(LocalReplica.fileName).path)
            #expect(held.ids == central, "\(device.lastPathComponent) differs from the server")
            #expect(held.pending == 0)
        }

        // The audit log says the store was restored, and the restored log verifies.
        let restoredEntries = try auditLog(server).filter { $0.action == .storeRestored }
        #expect(restoredEntries.count == 1)
        #expect(restoredEntries.first?.reason?.contains("central-backup.sqlite") == true)
        let verified = try CLIRunner.run(["admin", "audit", "verify", "--data", data.path])
        #expect(verified.status == 0, "stdout was: \(verified.stdout) stderr: \(verified.stderr)")
    }
}
