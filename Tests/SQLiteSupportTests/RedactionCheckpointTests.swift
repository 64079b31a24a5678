import Dispatch
import Foundation
import GRDB
import SQLiteSupport
import Testing

@Suite("Redaction checkpoint")
struct RedactionCheckpointTests {
    /// A WAL database in a fresh directory, with a short busy timeout so that a blocked checkpoint gives up fast.
    private func makePool() throws -> (DatabasePool, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("empower-ckpt-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(0.05)
        let pool = try DatabasePool(
            path: directory.appendingPathComponent("db.sqlite").path,
            configuration: configuration
        )
        try pool.write { db in try db.execute(sql: "CREATE TABLE t (text TEXT)") }
        return (pool, directory)
    }

    private func logSize(_ directory: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(
            atPath: directory.appendingPathComponent("db.sqlite-wal").path
        )
        return (attributes[.size] as? NSNumber)?.intValue ?? -1
    }

    @Test("the log is folded into the database and cut to zero bytes")
    func truncatesTheLog() throws {
        let (pool, directory) = try makePool()
        defer { try? FileManager.default.removeItem(at: directory) }
        try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES ('Osprey-Cinder-1187')") }
        #expect(try logSize(directory) > 0)
        let outcome = try RedactionCheckpoint.truncateLog(of: pool)
        #expect(outcome.completed && outcome.attempts == 1)
        #expect(try logSize(directory) == 0)
    }

    @Test("a reader on an older snapshot keeps it from completing, within its bound; once it has gone, it completes")
    func readersBlockThenRelease() throws {
        let (pool, directory) = try makePool()
        defer { try? FileManager.default.removeItem(at: directory) }
        try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES ('first')") }
        let reading = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? pool.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t")
                reading.signal()
                release.wait()
            }
            done.signal()
        }
        reading.wait()
        // A commit after the reader's snapshot: the log cannot be reset while the reader needs its older frames.
        try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES ('second')") }
        let blocked = try RedactionCheckpoint.truncateLog(of: pool, attempts: 2)
        #expect(!blocked.completed && blocked.attempts == 2)
        #expect(try logSize(directory) > 0)
        release.signal()
        done.wait()
        let completed = try RedactionCheckpoint.truncateLog(of: pool, attempts: 2)
        #expect(completed.completed)
        #expect(try logSize(directory) == 0)
    }
}
