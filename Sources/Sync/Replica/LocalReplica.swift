import Foundation
import GRDB
import Models
import SQLiteSupport

/// The device's replica of the patrol log: one SQLite file holding operations, merged records, the outbox
/// and the sync cursor.
///
/// Every write is one transaction committed with `synchronous = FULL` in WAL mode, so when a method returns
/// the change survives a crash or a power cut — except a pulled page, which the server still holds: it survives
/// a crash, and a power cut at worst makes the device pull it again (`applyPulledPage`). The file name inside
/// the data directory is `device.sqlite`.
public final class LocalReplica: Sendable {
    /// The database file's name inside a device's data directory.
    public static let fileName = "device.sqlite"

    let database: DatabasePool
    /// The path of the database file.
    public let path: String
    /// Who the device belongs to: set once by `create`, never changed, so kept in memory.
    let storedIdentity: DeviceIdentity
    /// Seals and opens content with the device's data key; nil when the replica was opened without it (locked).
    let cipher: ContentCipher?
    /// Whether the device's content is encrypted (false only for a device made before encryption, until
    /// `encryptContent`).
    public let isEncrypted: Bool

    private init(database: DatabasePool, path: String, key: DataKey?) throws {
        self.database = database
        self.path = path
        let (identity, keyCheck) = try database.read { db in
            (try Self.identity(db), try Data.fetchOne(db, sql: "SELECT keyCheck FROM contentKey"))
        }
        self.storedIdentity = identity
        self.isEncrypted = keyCheck != nil
        guard let key, let keyCheck else {
            self.cipher = nil
            return
        }
        let cipher = ContentCipher(key)
        do {
            _ = try cipher.open(keyCheck, as: .keyCheck, of: .none)
        } catch {
            throw ReplicaError.wrongKey
        }
        self.cipher = cipher
    }

    /// The cipher of content, or the reason there is none: the device is locked, or not encrypted yet.
    func contentCipher() throws -> ContentCipher {
        if let cipher { return cipher }
        throw isEncrypted
            ? ReplicaError.locked : ReplicaError.notEncrypted(path: fileURL.deletingLastPathComponent().path)
    }

    /// Sets up a new device in `directory`, creating the directory if needed, its content encrypted with `key`.
    ///
    /// - Parameters:
    ///   - key: the device's data key (`DataKey.random()`).
    ///   - wrappedKey: the same key wrapped by the officer's secret, kept so that `device unlock` can recover it;
    ///     nil for devices that are only ever opened in-process with `key` (tests, the demo, the bench).
    /// - Throws: `ReplicaError.alreadyInitialised` if a device is already there (it is left unchanged),
    ///   `ReplicaError.invalid` for a bad identity, `ReplicaError.unusableDirectory` if it cannot be written.
    public static func create(
        in directory: URL,
        identity: DeviceIdentity,
        key: DataKey,
        wrappedKey: WrappedDataKey? = nil
    ) throws -> LocalReplica {
        do throws(ValidationError) { try identity.validate() } catch { throw ReplicaError.invalid(error) }
        try checkCanCreate(in: directory)
        let file = directory.appendingPathComponent(fileName)
        do {
            try PrivateDataDirectory.prepare(directory)
        } catch {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "it cannot be created")
        }
        let database = try openDatabase(file: file, directory: directory)
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO deviceIdentity (singleton, deviceId, userId, role, venueId, serverURL)
                    VALUES (1, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    identity.deviceId, identity.userId, identity.role.rawValue, identity.venueId,
                    identity.serverURL.absoluteString,
                ]
            )
            try storeContentKey(key, wrapped: wrappedKey, db: db)
        }
        return try LocalReplica(database: database, path: file.path, key: key)
    }

    static func storeContentKey(_ key: DataKey, wrapped: WrappedDataKey?, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO contentKey (singleton, keyCheck, salt, scryptN, scryptR, scryptP, wrappedKey)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                try ContentCipher(key).seal(Data(), as: .keyCheck, of: .none), wrapped?.salt, wrapped?.cost.n,
                wrapped?.cost.r, wrapped?.cost.p, wrapped?.sealedKey,
            ]
        )
    }

    /// Throws what `create` would for a directory that already holds a device or is not a directory.
    public static func checkCanCreate(in directory: URL) throws {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(fileName).path) {
            throw ReplicaError.alreadyInitialised(path: directory.path)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "it is not a directory")
        }
    }

    /// Opens the device set up in `directory`.
    ///
    /// - Parameter key: the device's data key; nil opens it locked, for what needs no content (`status`,
    ///   `identity`, `parkedOperations`, `wrappedKey`): everything else then throws `ReplicaError.locked`.
    /// - Throws: `ReplicaError.notInitialised` when no device is there, `ReplicaError.unusableDirectory` when
    ///   the directory or file cannot be read and written, `ReplicaError.wrongKey` when `key` is not the device's.
    public static func open(in directory: URL, key: DataKey?) throws -> LocalReplica {
        let file = directory.appendingPathComponent(fileName)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw ReplicaError.notInitialised(path: directory.path)
        }
        guard isDirectory.boolValue else {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "it is not a directory")
        }
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ReplicaError.notInitialised(path: directory.path)
        }
        let database = try openDatabase(file: file, directory: directory)
        guard try database.read({ try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM deviceIdentity") }) == 1
        else { throw ReplicaError.notInitialised(path: directory.path) }
        return try LocalReplica(database: database, path: file.path, key: key)
    }

    private static func openDatabase(file: URL, directory: URL) throws -> DatabasePool {
        guard FileManager.default.isWritableFile(atPath: directory.path),
            FileManager.default.isReadableFile(atPath: directory.path)
        else { throw ReplicaError.unusableDirectory(path: directory.path, reason: "it is not readable and writable") }
        // 0700 and 0600 whatever the umask; the database file made 0600 before SQLite opens it, so that its -wal
        // and -shm files, which SQLite creates with the database file's mode, are 0600 too.
        do {
            try PrivateDataDirectory.prepare(directory)
            try PrivateDataDirectory.prepareDatabaseFile(file)
        } catch {
            throw ReplicaError.unusableDirectory(
                path: directory.path,
                reason: "its files cannot be made private (0600)"
            )
        }
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(10)
            let database = try DatabasePool(path: file.path, configuration: configuration)
            // GRDB opens WAL pools with synchronous = NORMAL, which may lose the last commits on power loss.
            // FULL syncs the WAL on every commit: a write that returns is a write that stays.
            // secure_delete overwrites freed content, so redacted content does not linger in free pages.
            // A large pull rewrites the same index pages commit after commit: a checkpoint every 32 MB of WAL
            // rather than 4 MB writes each such page back once per checkpoint rather than once per commit.
            // The writer keeps 8 MB of pages (SQLite's default is 2 MB) so that those index pages stay in memory
            // while a large backlog is pulled, within the device's memory budget. (Pulled pages are committed
            // without a sync of their own: see `applyPulledPage`.)
            try database.writeWithoutTransaction {
                try $0.execute(
                    sql: """
                        PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;
                        PRAGMA wal_autocheckpoint = 8192; PRAGMA cache_size = -8192
                        """
                )
            }
            try DeviceSchema.migrator.migrate(database)
            return database
        } catch let error as DatabaseError {
            throw ReplicaError.unusableDirectory(
                path: directory.path,
                reason: "its database could not be opened (SQLite error \(error.resultCode.rawValue))"
            )
        }
    }

    /// The device's identity, as set by `create`.
    public func identity() throws -> DeviceIdentity {
        storedIdentity
    }

    static func identity(_ db: Database) throws -> DeviceIdentity {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM deviceIdentity") else {
            throw ReplicaError.notInitialised(path: db.description)
        }
        return DeviceIdentity(
            deviceId: row["deviceId"],
            userId: row["userId"],
            role: Role(rawValue: row["role"]) ?? .officer,
            venueId: row["venueId"],
            serverURL: URL(string: row["serverURL"])!
        )
    }

    /// The path of the SQLite file, for tools and tests that inspect it.
    public var fileURL: URL { URL(fileURLWithPath: path) }

    /// Runs a read-only query on the database, for tests and diagnostics.
    public func read<T>(_ block: (Database) throws -> T) throws -> T {
        try database.read(block)
    }
}
