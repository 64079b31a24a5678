import Foundation
import GRDB
import Models
import SQLiteSupport

/// Backups of the SQLite store: a consistent copy taken while the server serves, and its restore.
///
/// Both act on files on the server's machine, not through the API: a backup of every record is not something
/// to hand out over HTTP, and a restore must happen while no server runs.
public enum SQLiteBackup {
    /// Why a backup or restore was refused, in words for a person.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The name the store's file had before its last restore, kept beside it.
    public static let replacedFileName = SQLiteCentralStore.fileName + ".before-restore"

    /// Copies the store in `directory` to `file` (mode 0600) as one consistent snapshot, with `VACUUM INTO`: a
    /// read transaction, so a running server's writes go on meanwhile. The copy is written beside `file` and
    /// renamed into place once complete and synced, so `file` is whole or absent.
    /// - Returns: the number of operations in the backup.
    @discardableResult
    public static func backUp(directory: URL, to file: URL) throws -> Int {
        let source = directory.appendingPathComponent(SQLiteCentralStore.fileName)
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw Failure(
                description: "There is no Empower store in \(directory.path) (no \(SQLiteCentralStore.fileName))."
            )
        }
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw Failure(description: "\(file.path) already exists; give a new file name.")
        }
        let partial = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).partial")
        try? FileManager.default.removeItem(at: partial)
        defer { try? FileManager.default.removeItem(at: partial) }
        do {
            try PrivateDataDirectory.prepareDatabaseFile(partial)
        } catch {
            throw Failure(description: "\(file.path) cannot be written: \(error)")
        }
        let count = try describing(source) {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            let database = try DatabaseQueue(path: source.path, configuration: configuration)
            defer { try? database.close() }
            try database.read { db in try checkIsStore(db, name: source.path) }
            // Outside a transaction, as VACUUM must be: it reads one snapshot of its own.
            try database.inDatabase { db in try db.execute(sql: "VACUUM INTO ?", arguments: [partial.path]) }
            let copy = try DatabaseQueue(path: partial.path, configuration: configuration)
            defer { try? copy.close() }
            return try copy.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM operation") ?? 0 }
        }
        try syncFile(partial)
        guard rename(partial.path, file.path) == 0 else {
            throw Failure(description: "\(file.path) cannot be written: \(String(cString: strerror(errno))).")
        }
        PrivateDataDirectory.syncEntries(of: file.deletingLastPathComponent())
        return count
    }

    /// Puts the backup `file` back as the store in `directory`, which no server may be running on.
    ///
    /// The backup is checked (an Empower store, not damaged), copied beside the store, brought to this version's
    /// schema and given a new history epoch with an audit entry of the restore (`HistoryEpochs`); only then does
    /// it replace the store, by a rename. The store it replaces is kept as `central.sqlite.before-restore`.
    /// - Returns: the new history epoch.
    public static func restore(
        from file: URL,
        into directory: URL,
        by caller: Caller,
        now: Date
    ) async throws -> String {
        guard let lock = try ServerLock.take(in: directory) else {
            throw Failure(
                description: "A server is running on \(directory.path): stop it first (a restore replaces its store)."
            )
        }
        defer { withExtendedLifetime(lock) {} }
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw Failure(description: "The backup \(file.path) does not exist.")
        }
        try describing(file) {
            var configuration = Configuration()
            configuration.readonly = true
            let database = try DatabaseQueue(path: file.path, configuration: configuration)
            defer { try? database.close() }
            try database.read { db in
                try checkIsStore(db, name: file.path)
                guard try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok" else {
                    throw Failure(description: "The backup \(file.path) is damaged (it fails SQLite's check).")
                }
            }
        }
        let store = directory.appendingPathComponent(SQLiteCentralStore.fileName)
        // Staged in a directory of its own inside the data directory (the same file system, for the rename).
        let stagingDirectory = directory.appendingPathComponent("restoring")
        try? FileManager.default.removeItem(at: stagingDirectory)
        defer { try? FileManager.default.removeItem(at: stagingDirectory) }
        let staged = stagingDirectory.appendingPathComponent(SQLiteCentralStore.fileName)
        do {
            try PrivateDataDirectory.prepare(stagingDirectory)
            try FileManager.default.copyItem(at: file, to: staged)
            try PrivateDataDirectory.prepareDatabaseFile(staged)
        } catch {
            throw Failure(description: "The backup cannot be copied into \(directory.path): \(error)")
        }
        let epoch = try await stamp(stagingDirectory, backupName: file.lastPathComponent, by: caller, now: now)
        try syncFile(staged)
        // The store being replaced is kept, with its write-ahead log (which holds its latest commits): the log
        // must not stay beside the restored file, whose pages it does not describe.
        let replaced = directory.appendingPathComponent(replacedFileName)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: replaced.path + suffix) }
        if FileManager.default.fileExists(atPath: store.path) {
            guard link(store.path, replaced.path) == 0 else {
                throw Failure(description: "The store being replaced cannot be kept as \(replaced.path).")
            }
        }
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: store.path + suffix) {
            guard rename(store.path + suffix, replaced.path + suffix) == 0 else {
                throw Failure(description: "The store's \(suffix) file cannot be set aside.")
            }
        }
        guard rename(staged.path, store.path) == 0 else {
            throw Failure(
                description: "The restored store cannot be put in place: \(String(cString: strerror(errno)))."
            )
        }
        PrivateDataDirectory.syncEntries(of: directory)
        return epoch
    }

    /// Opens the staged copy as a store (bringing it to this version's schema), gives it a new epoch and audits
    /// the restore, then folds its write-ahead log into the file, so that the file alone is the whole store.
    private static func stamp(
        _ directory: URL,
        backupName: String,
        by caller: Caller,
        now: Date
    ) async throws
        -> String
    {
        let store: SQLiteCentralStore
        do {
            store = try SQLiteCentralStore(directory: directory)
        } catch {
            throw Failure(description: "The backup cannot be opened as this version's store: \(error)")
        }
        let epoch = try await store.beginHistoryEpoch(restoredBy: caller, from: backupName, now: now)
        try await store.database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try store.database.close()
        return epoch
    }

    /// Refuses a database that is not an Empower central store.
    private static func checkIsStore(_ db: Database, name: String) throws {
        let tables = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        guard tables.isSuperset(of: ["operation", "record", "audit", "account", "device", "grdb_migrations"]),
            try CentralSchema.migrator.appliedIdentifiers(db).contains("v1: operations, records, venues")
        else {
            throw Failure(description: "\(name) is not an Empower server store.")
        }
    }

    /// Runs `body`, turning SQLite's errors about `file` into a plain refusal.
    private static func describing<T>(_ file: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as Failure {
            throw error
        } catch let error as DatabaseError {
            throw Failure(
                description: "\(file.path) cannot be read as an Empower store: \(error.message ?? "\(error)")."
            )
        }
    }

    private static func syncFile(_ file: URL) throws {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            throw Failure(description: "\(file.path) cannot be synced to disk.")
        }
        close(descriptor)
    }
}
