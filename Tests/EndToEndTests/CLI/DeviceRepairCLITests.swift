import Central
import Foundation
import GRDB
import Models
import Sync
import TestSupport
import Testing

/// Every bad state of a device's database has a way out: an empty, cut short or corrupted `device.sqlite` is
/// refused plainly by every command, and `device repair` keeps what the server has not got, after which a sync
/// makes the device whole again. Through the real executable, a real `serve` process and real files.
@Suite("Command line: damaged device databases", .serialized)
struct DeviceRepairCLITests {
    private func run(_ arguments: [String], on device: URL) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--data", device.path])
    }

    private func database(_ device: URL) -> URL {
        device.appendingPathComponent(LocalReplica.fileName)
    }

    /// Expects a command refused because the database is damaged: the file named, `device repair` suggested,
    /// nothing of SQLite's own words.
    private func expectDamaged(
        _ result: CLIRunner.Result,
        _ device: URL,
        _ command: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status != 0, "\(command) succeeded", sourceLocation: sourceLocation)
        #expect(
            result.stderr.contains("The device's database \(database(device).path) is damaged"),
            "\(command): \(result.stderr)",
            sourceLocation: sourceLocation
        )
        #expect(result.stderr.contains("empower-cli device repair"), "\(command)", sourceLocation: sourceLocation)
        for raw in ["SQLite error", "DatabaseError", "SQLITE_", "disk image"] {
            #expect(!result.stderr.contains(raw), "\(command): \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    /// `count` sightings recorded in-process on the CLI-enrolled device, one transaction each as the CLI records
    /// them; the replica is closed (its log checkpointed into the file) before this returns.
    private func recordSightings(_ count: Int, on device: URL, user: String, from first: Int = 0) throws {
        let replica = try LocalReplica.open(in: device, key: unlockedKey(of: device))
        for index in first..<(first + count) {
            let now = Date().truncatedToMilliseconds
            let sighting = Sighting(
                occurredAt: now,
                recordedAt: now,
                reporter: user,
                location: Location(venueId: "venue-concert-sq-01", place: "Concert Square, bench \(index)"),
                behaviours: [.repeatedApproaches, .following],
                riskLevel: .medium,
                narrative: String(repeating: "Approached several people after being turned away (\(index)). ", count: 4)
            )
            try replica.append(.createSighting(sighting), recordId: sighting.id)
        }
    }

    /// The ids of the operations the server has not acknowledged, as a repaired or healthy device holds them.
    private func unacknowledged(on device: URL) throws -> Set<String> {
        try LocalReplica.open(in: device, key: unlockedKey(of: device)).read { db in
            try Set(String.fetchAll(db, sql: "SELECT opId FROM operation WHERE outbox IN ('pending', 'parked')"))
        }
    }

    /// The ids of unacknowledged operations that SQLite can still read out of a damaged `file`, row by row up to
    /// `lastPosition`, from a copy of it: what a repair must keep, found independently of it.
    private func readableUnacknowledged(in file: URL, lastPosition: Int64) throws -> Set<String> {
        let copy = try makeTemporaryDirectory().appendingPathComponent("copy.sqlite")
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        try FileManager.default.copyItem(at: file, to: copy)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.prepareDatabase { try $0.execute(sql: "PRAGMA writable_schema = ON") }
        let database = try DatabaseQueue(path: copy.path, configuration: configuration)
        defer { try? database.close() }
        return try database.unsafeRead { db in
            var found = Set<String>()
            for position in 1...lastPosition {
                guard
                    let row = try? Row.fetchOne(
                        db,
                        sql: "SELECT opId, outbox FROM operation WHERE localSeq = ?",
                        arguments: [position]
                    ),
                    ["pending", "parked"].contains(row["outbox"] as String)
                else { continue }
                found.insert(row["opId"])
            }
            return found
        }
    }

    /// After a sync of the repaired device: the server holds every kept operation once, and the device holds
    /// exactly what the server has for it.
    private func expectWholeAgain(
        device: URL,
        caller: Caller,
        kept: Set<String>,
        server: ServeProcess,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let synced = try run(["sync"], on: device)
        #expect(synced.status == 0, "stderr was: \(synced.stderr)", sourceLocation: sourceLocation)
        let replica = try LocalReplica.open(in: device, key: unlockedKey(of: device))
        server.stop()
        let store = try SQLiteCentralStore(directory: server.data)
        let central = try await allCentralOperations(store).map(\.opId.text)
        #expect(
            central.count == Set(central).count,
            "the server holds an operation twice",
            sourceLocation: sourceLocation
        )
        #expect(
            kept.isSubset(of: Set(central)),
            "kept operations missing on the server",
            sourceLocation: sourceLocation
        )
        let expected = try await centralContents(for: caller, of: store)
        let operations = try replica.allOperations()
        #expect(operations.count == Set(operations.map(\.opId)).count, sourceLocation: sourceLocation)
        #expect(
            Set(operations) == expected.operations,
            "the device's log is not the server's",
            sourceLocation: sourceLocation
        )
        #expect(try replica.records() == expected.records, sourceLocation: sourceLocation)
        #expect(try replica.status().pending == 0, sourceLocation: sourceLocation)
    }

    @Test("a zero-byte database: every command says it is damaged, repair moves it aside, device init starts again")
    func zeroByteDatabase() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-zero",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        let tokenBefore = try Data(contentsOf: device.appendingPathComponent(AccessTokenFile.fileName))
        try Data().write(to: database(device))

        for arguments in [
            ["status"], ["list"], ["sync", "--timeout", "5"],
            ["device", "unlock", "--secret-file", CLIAccounts.secretFile.path],
            ["sighting", "add", "--place", "Seel Street", "--behaviour", "leering", "--risk", "low"],
        ] {
            expectDamaged(try run(arguments, on: device), device, arguments.joined(separator: " "))
        }
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        let token = try CLIAccounts.enrolmentToken(user: "PC-4127", device: "dev-zero-again", serverData: server.data)
        let refusedInit = try CLIAccounts.initDevice(server: server.url, token: token, directory: device)
        expectDamaged(refusedInit, device, "device init")
        #expect(!refusedInit.stderr.contains("already set up"))
        // Nothing wrote a schema into it.
        #expect(try Data(contentsOf: database(device)).isEmpty)

        let repaired = try run(["device", "repair"], on: device)
        #expect(repaired.status != 0)
        #expect(repaired.stderr.contains("Nothing could be kept"), "stderr was: \(repaired.stderr)")
        #expect(repaired.stderr.contains("empower-cli device init"))
        let names = try FileManager.default.contentsOfDirectory(atPath: device.path)
        let movedAside = try #require(names.first { $0.hasPrefix(ReplicaRepair.damagedPrefix) })
        #expect(repaired.stderr.contains(device.appendingPathComponent(movedAside).path))
        #expect(!names.contains(LocalReplica.fileName))
        #expect(try DataDirectoryModeTests.mode(of: device.appendingPathComponent(movedAside).path) == 0o600)
        #expect(try Data(contentsOf: device.appendingPathComponent(AccessTokenFile.fileName)) == tokenBefore)

        // The officer's only device is the damaged one, so a supervisor approves the new enrolment
        // (docs/accounts.md).
        let supervisor = try server.enrolDevice(
            "dev-ps0311-phone",
            user: "PS-0311",
            role: "supervisor",
            in: try makeTemporaryDirectory().appendingPathComponent("supervisor")
        )
        let approved = try CLIRunner.run(["device", "approve", "dev-zero-again", "--data", supervisor.path])
        #expect(approved.status == 0, "stderr was: \(approved.stderr)")

        // The token was not spent by the refused init: it sets the device up again here.
        let initialised = try CLIAccounts.initDevice(server: server.url, token: token, directory: device)
        #expect(initialised.status == 0, "stderr was: \(initialised.stderr)")
        let added = try run(
            ["sighting", "add", "--place", "Seel Street", "--behaviour", "leering", "--risk", "low"],
            on: device
        )
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        let synced = try run(["sync"], on: device)
        #expect(synced.status == 0, "stderr was: \(synced.stderr)")
        #expect(synced.stdout.contains("Pushed 1 operation"))
        let status = try run(["status"], on: device)
        #expect(status.stdout.contains("Device     dev-zero-again"), "stdout was: \(status.stdout)")
    }

    @Test(
        "a database cut to half: repair keeps every readable unsynced operation; after a sync the server has each once"
    )
    func truncatedDatabase() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let device = try server.enrolDevice("dev-cut", user: "PC-4127", in: workspace.appendingPathComponent("cut"))
        let colleague = try server.enrolDevice(
            "dev-colleague",
            user: "PC-5230",
            in: workspace.appendingPathComponent("colleague")
        )
        // Ten pushed whose answer was lost (still pending here, already on the server), then 150 never sent: enough
        // that the first half of the file holds the operation table's root and some of its pages.
        try recordSightings(10, on: device, user: "PC-4127")
        #expect(try run(["sync"], on: device).status == 0)
        let pool = try DatabaseQueue(path: database(device).path)
        try await pool.write {
            try $0.execute(sql: "UPDATE operation SET outbox = 'pending' WHERE outbox = 'acknowledged'")
        }
        try pool.close()
        try recordSightings(150, on: device, user: "PC-4127", from: 10)
        try recordSightings(5, on: colleague, user: "PC-5230")
        #expect(try run(["sync"], on: colleague).status == 0)
        let before = try unacknowledged(on: device)
        #expect(before.count == 160)

        #expect(!FileManager.default.fileExists(atPath: database(device).path + "-wal"))
        let size = try #require(try FileManager.default.attributesOfItem(atPath: database(device).path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: database(device))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()
        let readable = try readableUnacknowledged(in: database(device), lastPosition: 160)
        #expect(!readable.isEmpty && readable.count < 160, "\(readable.count) of 160 readable: not a real test")
        print(
            "[repair] cut to half (\(size / 2) of \(size) bytes): \(readable.count) of 160 unsynced operations readable"
        )

        for arguments in [["status"], ["list"], ["sync", "--timeout", "5"]] {
            expectDamaged(try run(arguments, on: device), device, arguments.joined(separator: " "))
        }
        // The secret is asked for again if the key's page was cut off.
        let repaired = try run(["device", "repair", "--secret-file", CLIAccounts.secretFile.path], on: device)
        #expect(repaired.status == 0, "stderr was: \(repaired.stderr)")
        #expect(repaired.stdout.contains("Repaired: \(readable.count) operations"), "stdout was: \(repaired.stdout)")
        #expect(repaired.stdout.contains("could not be read"))
        let kept = try unacknowledged(on: device)
        #expect(kept == readable)
        let status = try run(["status"], on: device)
        #expect(status.stdout.contains("Pending    \(readable.count) operations"), "stdout was: \(status.stdout)")
        #expect(status.stdout.contains("Last sync  never"))
        let names = try FileManager.default.contentsOfDirectory(atPath: device.path)
        #expect(names.contains { $0.hasPrefix(ReplicaRepair.damagedPrefix) })

        try await expectWholeAgain(
            device: device,
            caller: Caller(userId: "PC-4127", deviceId: "dev-cut", role: .officer),
            kept: kept,
            server: server
        )
    }

    @Test("a corrupted page: commands that reach it say the database is damaged; repair loses only that page's rows")
    func corruptedPage() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-page",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        try recordSightings(30, on: device, user: "PC-4127")
        let (page, pageSize) = try await DatabaseQueue(path: database(device).path).read { db in
            let leaves = try Int.fetchAll(
                db,
                sql: "SELECT pageno FROM dbstat WHERE name = 'operation' AND pagetype = 'leaf' ORDER BY pageno"
            )
            return (leaves[leaves.count / 2], try Int.fetchOne(db, sql: "PRAGMA page_size")!)
        }
        var generator = SeededGenerator(seed: 0x0BAD_9A9E)
        let garbage = Data((0..<pageSize).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let handle = try FileHandle(forWritingTo: database(device))
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        try handle.write(contentsOf: garbage)
        try handle.close()
        let readable = try readableUnacknowledged(in: database(device), lastPosition: 30)
        #expect(!readable.isEmpty && readable.count < 30, "\(readable.count) of 30 readable: not a real test")

        for arguments in [["list"], ["sync", "--timeout", "5"]] {
            expectDamaged(try run(arguments, on: device), device, arguments.joined(separator: " "))
        }
        let repaired = try run(["device", "repair"], on: device)
        #expect(repaired.status == 0, "stderr was: \(repaired.stderr)")
        #expect(repaired.stdout.contains("Repaired: \(readable.count) operations"), "stdout was: \(repaired.stdout)")
        let kept = try unacknowledged(on: device)
        #expect(kept == readable)
        // A second repair finds nothing to do.
        let again = try run(["device", "repair"], on: device)
        #expect(again.status == 0)
        #expect(again.stdout.contains("is not damaged: nothing was changed"), "stdout was: \(again.stdout)")

        try await expectWholeAgain(
            device: device,
            caller: Caller(userId: "PC-4127", deviceId: "dev-page", role: .officer),
            kept: kept,
            server: server
        )
    }

    @Test("a repair interrupted before the repaired database was put in place is finished by the next repair")
    func interruptedRepair() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-interrupted",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        try recordSightings(3, on: device, user: "PC-4127")
        // As a repair leaves it after step 1: the repaired database built and named, the damaged one still there.
        let repaired = device.appendingPathComponent("device.sqlite.repaired-20261121T234000Z")
        try FileManager.default.moveItem(at: database(device), to: repaired)
        try Data(repeating: 0x5A, count: 8192).write(to: database(device))
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: database(device).path + "-wal"))

        let status = try run(["status"], on: device)
        expectDamaged(status, device, "status")
        #expect(status.stderr.contains("a repair of it was interrupted"))
        let finished = try run(["device", "repair"], on: device)
        #expect(finished.status == 0, "stderr was: \(finished.stderr)")
        #expect(finished.stdout.contains("An interrupted repair was finished"))
        let names = try FileManager.default.contentsOfDirectory(atPath: device.path).sorted()
        #expect(names.contains("device.sqlite.damaged-20261121T234000Z"))
        #expect(names.contains("device.sqlite.damaged-20261121T234000Z-wal"))
        #expect(!names.contains { $0.hasPrefix("device.sqlite.repaired-") })
        let after = try run(["status"], on: device)
        #expect(after.status == 0, "stderr was: \(after.stderr)")
        #expect(after.stdout.contains("Pending    3 operations"), "stdout was: \(after.stdout)")
    }
}
