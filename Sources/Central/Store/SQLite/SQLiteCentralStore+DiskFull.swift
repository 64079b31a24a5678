import Foundation
import GRDB
import Synchronization

/// The database as it is open now: read-only when the disk had no room to open it for writing.
struct OpenedDatabase: Sendable {
    var pool: DatabasePool
    var readOnly: Bool
}

extension SQLiteCentralStore {
    /// What a write does to the disk: pushes grow the store, so they are the ones that stop while room is short.
    enum WriteKind {
        case push
        case other
    }

    /// Runs `updates` in a write transaction. A push is refused while the disk is short of room (`DiskRoom`),
    /// and any write while the store is open read-only. A write that fails for lack of space releases the
    /// reserve; then, unless it is a push, it is tried once more in the room given back (so that the first read
    /// after the disk fills up still has its audit entry stored). What is refused throws
    /// `StoreUnavailable.diskFull`.
    func write<T: Sendable>(_ kind: WriteKind = .other, _ updates: @Sendable (Database) throws -> T) async throws -> T {
        let database = try writableDatabase(kind)
        do {
            return try await database.write(updates)
        } catch let error where Self.isDiskFull(error, directory: directory) {
            let released = room.noteDiskFull()
            guard kind == .other, released > 0 else { throw StoreUnavailable.diskFull }
        }
        return try await mappingDiskFull { try await database.write(updates) }
    }

    /// Runs `body`; an error of SQLite's that says the disk is full releases the reserve and is thrown as
    /// `StoreUnavailable.diskFull`.
    func mappingDiskFull<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where Self.isDiskFull(error, directory: directory) {
            room.noteDiskFull()
            throw StoreUnavailable.diskFull
        }
    }

    /// The database to write to: opened for writing again first if it was opened read-only and there is room
    /// again now.
    private func writableDatabase(_ kind: WriteKind) throws -> DatabasePool {
        let current = opened.withLock { $0 }
        if !current.readOnly {
            guard kind == .other || room.admitsPushes() else { throw StoreUnavailable.diskFull }
            return current.pool
        }
        return try opened.withLock { opened in
            guard opened.readOnly else { return opened.pool }  // opened for writing meanwhile
            guard room.admitsPushes() else { throw StoreUnavailable.diskFull }
            do {
                opened = OpenedDatabase(pool: try Self.openForWriting(directory), readOnly: false)
            } catch let error where Self.isDiskFull(error, directory: directory) {
                room.noteDiskFull()
                throw StoreUnavailable.diskFull
            }
            room.noteOpenedForWriting()
            return opened.pool
        }
    }

    /// Whether an error of SQLite's means that the disk that holds `directory` is full: `SQLITE_FULL`, or an
    /// I/O error or a file that cannot be made (`-wal`, `-shm`) while less than 1 MB is free there.
    static func isDiskFull(_ error: any Error, directory: URL) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        switch error.resultCode {
        case .SQLITE_FULL: return true
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: return (DiskReserve.freeBytes(on: directory) ?? .max) < 1 << 20
        default: return false
        }
    }

    /// Opens the store for writing; when the disk is full, releases the reserve and tries again, and when that
    /// is not room enough either, opens it read-only.
    static func open(directory: URL, room: DiskRoom) throws -> OpenedDatabase {
        do {
            return OpenedDatabase(pool: try openForWriting(directory), readOnly: false)
        } catch let error where isDiskFull(error, directory: directory) {
            room.noteDiskFull(atStart: true)
        }
        do {
            return OpenedDatabase(pool: try openForWriting(directory), readOnly: false)
        } catch let error where isDiskFull(error, directory: directory) {
            let database = try openReadOnly(directory)
            room.noteReadOnly()
            return OpenedDatabase(pool: database, readOnly: true)
        }
    }

    /// Opens the store read-only, for a disk with no room to open it for writing: as usual when SQLite's
    /// shared-memory file is there to read with, else, when the write-ahead log is empty (every commit is in the
    /// database file itself), as an immutable file, which needs no shared memory.
    ///
    /// - Throws: `StoreUnavailable.diskFull` when its schema would need bringing up to date.
    private static func openReadOnly(_ directory: URL) throws -> DatabasePool {
        let file = directory.appendingPathComponent(fileName)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            return try readyForReading(DatabasePool(path: file.path, configuration: configuration))
        } catch let error where isDiskFull(error, directory: directory) {
            let log = (try? FileManager.default.attributesOfItem(atPath: file.path + "-wal")[.size] as? Int) ?? 0
            guard log == 0, let path = file.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)
            else { throw error }
            return try readyForReading(
                DatabasePool(path: "file:\(path)?mode=ro&immutable=1", configuration: configuration)
            )
        }
    }

    private static func readyForReading(_ database: DatabasePool) throws -> DatabasePool {
        guard try database.read({ try CentralSchema.migrator.hasCompletedMigrations($0) }) else {
            throw StoreUnavailable.diskFull
        }
        return database
    }
}
