import Foundation
import GRDB
import Models
import Testing

@testable import Sync

/// A device database that is not one — empty, not SQLite, another program's, without the device's identity — is
/// refused as damaged and left byte for byte as it was; `DamagedReplica` keeps what the server has not
/// acknowledged, as it was.
@Suite("Damaged device database")
struct DamagedDatabaseTests {
    /// A bad `device.sqlite`, and what the refusal must say of it.
    struct BadFile: CustomTestStringConvertible, Sendable {
        var name: String
        var reason: String
        var make: @Sendable (URL) throws -> Void
        var testDescription: String { name }
    }

    static let badFiles: [BadFile] = [
        BadFile(name: "empty", reason: "it is empty (0 bytes)") { try Data().write(to: $0) },
        BadFile(name: "not SQLite", reason: "it is not an SQLite database") {
            try Data(repeating: 0x5A, count: 8192).write(to: $0)
        },
        BadFile(name: "another program's SQLite database", reason: "it is not a device database") { file in
            let database = try DatabaseQueue(path: file.path)
            try database.write { try $0.execute(sql: "CREATE TABLE note (text TEXT); INSERT INTO note VALUES ('x')") }
            try database.close()
        },
        BadFile(name: "a device database without its identity", reason: LocalReplica.noIdentity) { file in
            let database = try DatabaseQueue(path: file.path)
            try DeviceSchema.migrator.migrate(database)
            try database.close()
        },
    ]

    @Test("opening, and setting a device up there, refuse it as damaged and write nothing into it", arguments: badFiles)
    func refusedAndUnchanged(_ bad: BadFile) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(LocalReplica.fileName)
        try bad.make(file)
        let before = try Data(contentsOf: file)
        let damaged = ReplicaError.damaged(file: file.path, reason: bad.reason)
        for readingOnly in [false, true] {
            #expect(throws: damaged) {
                try LocalReplica.open(in: directory, key: testDataKey, readingOnly: readingOnly)
            }
        }
        #expect(throws: damaged) { try LocalReplica.checkCanCreate(in: directory) }
        #expect(throws: damaged) {
            try LocalReplica.create(
                in: directory,
                identity: DeviceIdentity(
                    deviceId: "dev-test-1",
                    userId: "PC-4127",
                    role: .officer,
                    venueId: nil,
                    serverURL: URL(string: "http://127.0.0.1:9")!
                ),
                key: testDataKey
            )
        }
        #expect(try DamagedReplica.inspect(in: directory)?.reason == bad.reason)
        #expect(try Data(contentsOf: file) == before)
        #expect(!FileManager.default.fileExists(atPath: file.path + "-wal"))
    }

    @Test("a repair keeps waiting and refused operations as they were, drops one that fails to open, keeps the clock")
    func repairKeepsTheOutbox() throws {
        let (directory, identity, operations, clock) = try {
            let replica = try makeReplica()
            var operations: [LogOperation] = []
            for _ in 0..<6 {
                let sighting = makeSighting()
                operations.append(try replica.append(.createSighting(sighting), recordId: sighting.id))
            }
            try replica.applyPushResponse(
                PushResponse(
                    accepted: [operations[0].opId],
                    rejected: [RejectedOperation(opId: operations[1].opId, code: "record-exists", message: "Exists.")],
                    serverClock: .zero
                )
            )
            let clock = try replica.read { try Int64.fetchOne($0, sql: "SELECT clock FROM syncState") }
            return (replica.fileURL.deletingLastPathComponent(), try replica.identity(), operations, clock)
        }()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let file = directory.appendingPathComponent(LocalReplica.fileName)
        // The replica is closed: its log is in the file. Damage an index page only: every row can still be read.
        #expect(!FileManager.default.fileExists(atPath: file.path + "-wal"))
        let (page, pageSize) = try DatabaseQueue(path: file.path).write { db in
            // The last operation's body replaced by the one before's: sealed for another opId, it does not open.
            try db.execute(
                sql: "UPDATE operation SET body = (SELECT body FROM operation WHERE opId = ?) WHERE opId = ?",
                arguments: [operations[4].opId.text, operations[5].opId.text]
            )
            return (
                try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'record_occurred'")!,
                try Int.fetchOne(db, sql: "PRAGMA page_size")!
            )
        }
        let handle = try FileHandle(forWritingTo: file)
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: pageSize))
        try handle.close()
        let wrappedKey = try WrappedDataKey.wrap(
            testDataKey,
            secret: "correct horse battery staple",
            cost: WrappedDataKey.Cost(n: 1 << 14, r: 8, p: 1)
        )

        let damaged = try #require(try DamagedReplica.inspect(in: directory))
        #expect(damaged.reason == "SQLite finds it malformed")
        #expect(damaged.identity == identity)
        let report = try damaged.repair(key: testDataKey, wrappedKey: wrappedKey)
        #expect(report.salvaged == 4)
        #expect(report.unreadable == 1)
        #expect(report.records == 4)
        #expect(FileManager.default.fileExists(atPath: report.movedTo.path))

        let repaired = try LocalReplica.open(in: directory, key: testDataKey)
        #expect(try repaired.identity() == identity)
        #expect(try repaired.wrappedKey() == wrappedKey)
        let status = try repaired.status()
        #expect(status.pending == 3)
        #expect(status.parked == 1)
        #expect(status.pullCursor == 0)
        #expect(
            try repaired.parkedOperations()
                == [RejectedOperation(opId: operations[1].opId, code: "record-exists", message: "Exists.")]
        )
        #expect(Set(try repaired.allOperations()) == Set(operations[1...4]))
        #expect(try repaired.read { try Int64.fetchOne($0, sql: "SELECT clock FROM syncState") } == clock)
        #expect(try repaired.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") } == ["ok"])
    }
}
