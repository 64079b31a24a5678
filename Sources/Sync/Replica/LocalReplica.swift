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
    /// The private copy of the database this replica reads when its data directory cannot be written
    /// (`open(in:key:readingOnly:)`); nil when it works on the file itself.
    private let privateCopy: PrivateDatabaseCopy?

    private init(database: DatabasePool, path: String, key: DataKey?, privateCopy: PrivateDatabaseCopy? = nil) throws {
        self.database = database
        self.path = path
        self.privateCopy = privateCopy
        let file = URL(fileURLWithPath: path)
        let (identity, keyCheck) = try Self.damageReported(file: file) {
            try database.read { db in
                (try Self.storedIdentity(db), try Data.fetchOne(db, sql: "SELECT keyCheck FROM contentKey"))
            }
        }
        guard let identity else { throw ReplicaError.damaged(file: path, reason: Self.noIdentity) }
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

    deinit {
        // The copy's files are unlinked while SQLite may still hold them open: its descriptors keep them readable
        // until the pool closes, and nothing opens them by name again.
        privateCopy?.remove()
    }

    /// Whether the data directory cannot be written, so this replica reads a private copy of its database: every
    /// write fails, and only what reads works (`open(in:key:readingOnly:)`).
    public var isReadOnly: Bool { privateCopy != nil }

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
    ///   `ReplicaError.damaged` if a damaged one is, `ReplicaError.invalid` for a bad identity,
    ///   `ReplicaError.unusableDirectory` if it cannot be written.
    public static func create(
        in directory: URL,
        identity: DeviceIdentity,
        key: DataKey,
        wrappedKey: WrappedDataKey? = nil
    ) throws -> LocalReplica {
        do throws(ValidationError) { try identity.validate() } catch { throw ReplicaError.invalid(error) }
        try checkCanCreate(in: directory)
        let file = directory.appendingPathComponent(fileName)
        let database = try openNewDatabase(file)
        try database.write { db in
            try storeIdentity(identity, db: db)
            try storeContentKey(key, wrapped: wrappedKey, db: db)
        }
        return try LocalReplica(database: database, path: file.path, key: key)
    }

    /// Makes the directory (0700) and a new, empty device database in it with the current schema.
    static func openNewDatabase(_ file: URL) throws -> DatabasePool {
        let directory = file.deletingLastPathComponent()
        do {
            try PrivateDataDirectory.prepare(directory)
        } catch {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "it cannot be created")
        }
        guard Glibc.access(directory.path, W_OK) == 0 else { throw ReplicaError.readOnly(path: directory.path) }
        return try openDatabase(file, reportedAs: file, isNew: true)
    }

    static func storeIdentity(_ identity: DeviceIdentity, db: Database) throws {
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

    /// Throws what `create` would for a directory that already holds a device — healthy
    /// (`ReplicaError.alreadyInitialised`) or damaged (`ReplicaError.damaged`: `device repair` first) — or is not
    /// a directory. Damaged files a repair moved aside do not count: the directory is free for a new device.
    public static func checkCanCreate(in directory: URL) throws {
        let file = directory.appendingPathComponent(fileName)
        if FileManager.default.fileExists(atPath: file.path) || ReplicaRepair.interruptedRepair(in: directory) != nil {
            _ = try open(in: directory, key: nil, readingOnly: true)
            throw ReplicaError.alreadyInitialised(path: directory.path)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "it is not a directory")
        }
    }

    /// Opens the device set up in `directory`.
    ///
    /// Nothing is written into a file that is not a healthy device database: an empty, cut short or corrupted file,
    /// or one without the device's identity, is refused with `ReplicaError.damaged` as it is.
    ///
    /// - Parameters:
    ///   - key: the device's data key; nil opens it locked, for what needs no content (`status`, `identity`,
    ///     `parkedOperations`, `wrappedKey`): everything else then throws `ReplicaError.locked`.
    ///   - readingOnly: the caller only reads. A data directory that cannot be written (a read-only file system,
    ///     an immutable directory or file) is then read from a private copy of the database (`isReadOnly`)
    ///     rather than refused with `ReplicaError.readOnly`. SQLite itself cannot read every such directory: with
    ///     no `-shm` file it cannot open a WAL database read-only, and `immutable=1` ignores commits still in the
    ///     `-wal` file; the copy holds both files, so SQLite reads it whole.
    /// - Throws: `ReplicaError.notInitialised` when no device is there, `ReplicaError.damaged` when its database
    ///   is damaged (`ReplicaRepair`), `ReplicaError.readOnly` when the directory cannot be written and
    ///   `readingOnly` is false, `ReplicaError.unusableDirectory` when it cannot be read,
    ///   `ReplicaError.wrongKey` when `key` is not the device's.
    public static func open(in directory: URL, key: DataKey?, readingOnly: Bool = false) throws -> LocalReplica {
        let file = try databaseFile(in: directory)
        guard FileManager.default.isReadableFile(atPath: directory.path),
            FileManager.default.isReadableFile(atPath: file.path)
        else { throw ReplicaError.unusableDirectory(path: directory.path, reason: "it cannot be read") }
        if (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) == 0 {
            throw ReplicaError.damaged(file: file.path, reason: "it is empty (0 bytes)")
        }
        if isWritable(directory) {
            return try LocalReplica(
                database: try openDatabase(file, reportedAs: file, isNew: false),
                path: file.path,
                key: key
            )
        }
        guard readingOnly else { throw ReplicaError.readOnly(path: directory.path) }
        let copy: PrivateDatabaseCopy
        do {
            copy = try PrivateDatabaseCopy(of: file)
        } catch {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "its database cannot be read")
        }
        do {
            let database = try openDatabase(copy.file, reportedAs: file, isNew: false)
            // Every write fails: what a reading command writes into the copy would be lost with it.
            try database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = ON") }
            return try LocalReplica(database: database, path: file.path, key: key, privateCopy: copy)
        } catch {
            copy.remove()
            throw error
        }
    }

    /// The device's database file in `directory`, once the checks every opening makes have passed.
    ///
    /// - Throws: `ReplicaError.notInitialised` when no device is there, `ReplicaError.unusableDirectory` when
    ///   `directory` is not a directory, `ReplicaError.damaged` when a repair of it was interrupted.
    static func databaseFile(in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent(fileName)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw ReplicaError.notInitialised(path: directory.path)
        }
        guard isDirectory.boolValue else {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "it is not a directory")
        }
        if ReplicaRepair.interruptedRepair(in: directory) != nil {
            throw ReplicaError.damaged(file: file.path, reason: "a repair of it was interrupted")
        }
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ReplicaError.notInitialised(path: directory.path)
        }
        return file
    }

    /// Whether the device's files in `directory` can be written: the directory (SQLite makes its `-wal` and
    /// `-shm` files there), the database and whichever of those files exist. `access` answers for a read-only
    /// file system and an immutable file as well as for modes.
    static func isWritable(_ directory: URL) -> Bool {
        let file = directory.appendingPathComponent(fileName).path
        guard Glibc.access(directory.path, W_OK) == 0, Glibc.access(file, W_OK) == 0 else { return false }
        for log in [file + "-wal", file + "-shm"] where Glibc.access(log, F_OK) == 0 {
            guard Glibc.access(log, W_OK) == 0 else { return false }
        }
        return true
    }

    /// Opens the database at `file` (the device's, or a private copy of it reported as `original`) and brings
    /// its schema up to date.
    ///
    /// An existing file is first read on a read-only connection: a file SQLite cannot read, or that is not a
    /// device database, is refused (`ReplicaError.damaged`) before anything is written into it.
    static func openDatabase(_ file: URL, reportedAs original: URL, isNew: Bool) throws -> DatabasePool {
        let directory = file.deletingLastPathComponent()
        // 0700 and 0600 whatever the umask; the database file made 0600 before SQLite opens it, so that its -wal
        // and -shm files, which SQLite creates with the database file's mode, are 0600 too.
        do {
            try PrivateDataDirectory.prepare(directory)
            try PrivateDataDirectory.prepareDatabaseFile(file)
        } catch {
            throw ReplicaError.unusableDirectory(
                path: original.deletingLastPathComponent().path,
                reason: "its files cannot be made private (0600)"
            )
        }
        return try damageReported(file: original) {
            if !isNew { try checkIsDeviceDatabase(file, reportedAs: original) }
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
        }
    }

    /// Refuses a file that is not a device database, or whose identity cannot be read, reading it on a
    /// read-only connection (closed before the file is opened for writing).
    private static func checkIsDeviceDatabase(_ file: URL, reportedAs original: URL) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let probe = try DatabaseQueue(path: file.path, configuration: configuration)
        defer { try? probe.close() }
        try probe.read { db in
            guard try DeviceSchema.migrator.appliedIdentifiers(db).contains(DeviceSchema.firstMigration) else {
                throw ReplicaError.damaged(file: original.path, reason: "it is not a device database")
            }
            guard try storedIdentity(db) != nil else {
                throw ReplicaError.damaged(file: original.path, reason: noIdentity)
            }
        }
    }

    static let noIdentity = "the device's identity in it cannot be read"

    /// Runs `body`, turning SQLite's word that `file` is not a database or is malformed into
    /// `ReplicaError.damaged`, and its other errors into `ReplicaError.unusableDirectory`.
    static func damageReported<T>(file: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw ReplicaError(error, file: file.path)
        }
    }

    /// The device's identity, as set by `create`.
    /// The device's identity, as set by `create`.
    public func identity() throws -> DeviceIdentity {
        storedIdentity
    }

    /// The identity stored by `create`, or nil when it is missing or cannot be read as one (a damaged file).
    static func storedIdentity(_ db: Database) throws -> DeviceIdentity? {
        guard try db.tableExists("deviceIdentity"),
            let row = try Row.fetchOne(
                db,
                sql: "SELECT deviceId, userId, role, venueId, serverURL FROM deviceIdentity WHERE singleton = 1"
            ),
            let deviceId = String.fromDatabaseValue(row[0]), let userId = String.fromDatabaseValue(row[1]),
            let role = String.fromDatabaseValue(row[2]).flatMap(Role.init(rawValue:)),
            let serverURL = String.fromDatabaseValue(row[4]).flatMap(URL.init(string:))
        else { return nil }
        let venueValue: DatabaseValue = row[3]
        let venueId = String.fromDatabaseValue(venueValue)
        guard venueValue.isNull || venueId != nil else { return nil }
        let identity = DeviceIdentity(
            deviceId: deviceId,
            userId: userId,
            role: role,
            venueId: venueId,
            serverURL: serverURL
        )
        do throws(ValidationError) { try identity.validate() } catch { return nil }
        return identity
    }

    /// The path of the SQLite file, for tools and tests that inspect it.
    public var fileURL: URL { URL(fileURLWithPath: path) }

    /// Runs a read-only query on the database, for tests and diagnostics.
    public func read<T>(_ block: (Database) throws -> T) throws -> T {
        try database.read(block)
    }
}
