import Foundation
import GRDB
import Models
import SQLiteSupport

/// A device database that is damaged (`ReplicaError.damaged`), and what can still be read from it: the device's
/// identity, its content key, and the operations the server has not acknowledged. `repair` builds a new database
/// from them; the rest comes back from the server at the next sync.
///
/// Everything is read from a private copy of the damaged file and its write-ahead log (`PrivateDatabaseCopy`),
/// never from the file itself, which is moved aside as it was.
public final class DamagedReplica: Sendable {
    /// The data directory.
    public let directory: URL
    /// Why the database is damaged, for a person.
    public let reason: String
    /// The device's identity; nil when it cannot be read, and then nothing can be kept (`moveAside`).
    public let identity: DeviceIdentity?
    /// Whether the device's content was encrypted (or its key cannot be read, which only an encrypted device has).
    public let isEncrypted: Bool
    /// The data key wrapped by the officer's secret, when it can be read.
    public let wrappedKey: WrappedDataKey?
    /// A value sealed with the data key, when it can be read: tells a wrong key at once.
    private let keyCheck: Data?
    /// The device's clock, when it can be read.
    private let clock: Int64?
    /// The copy everything is read from; nil for an empty file.
    private let copy: PrivateDatabaseCopy?

    private init(
        directory: URL,
        reason: String,
        copy: PrivateDatabaseCopy?,
        identity: DeviceIdentity? = nil,
        contentKey: Row?? = .none,
        clock: Int64? = nil
    ) {
        self.directory = directory
        self.reason = reason
        self.copy = copy
        self.identity = identity
        self.clock = clock
        switch contentKey {
        case .some(.some(let row)):
            keyCheck = Data.fromDatabaseValue(row["keyCheck"])
            isEncrypted = true
            if let salt = Data.fromDatabaseValue(row["salt"]),
                let sealedKey = Data.fromDatabaseValue(row["wrappedKey"]),
                let n = Int.fromDatabaseValue(row["scryptN"]), let r = Int.fromDatabaseValue(row["scryptR"]),
                let p = Int.fromDatabaseValue(row["scryptP"])
            {
                wrappedKey = WrappedDataKey(
                    salt: salt,
                    cost: WrappedDataKey.Cost(n: n, r: r, p: p),
                    sealedKey: sealedKey
                )
            } else {
                wrappedKey = nil
            }
        case .some(.none):
            // The device was made before encryption: its content is in clear.
            (keyCheck, isEncrypted, wrappedKey) = (nil, false, nil)
        case .none:
            // The key cannot be read: only an encrypted device has one.
            (keyCheck, isEncrypted, wrappedKey) = (nil, true, nil)
        }
    }

    deinit {
        copy?.remove()
    }

    private var file: URL { directory.appendingPathComponent(LocalReplica.fileName) }

    /// Reads the device's database in `directory` from a private copy and tells whether it is damaged.
    ///
    /// - Returns: nil when it is healthy (SQLite's `integrity_check` passes and the identity is there): there
    ///   is nothing to repair, and nothing was changed.
    /// - Throws: `ReplicaError.notInitialised` when no device is there, `ReplicaError.readOnly` when the directory
    ///   cannot be written (a repair writes), `ReplicaError.damaged` when a repair was interrupted
    ///   (`ReplicaRepair.finishInterrupted` finishes it), `ReplicaError.unusableDirectory` when it cannot be read.
    public static func inspect(in directory: URL) throws -> DamagedReplica? {
        let file = try LocalReplica.databaseFile(in: directory)
        guard LocalReplica.isWritable(directory) else { throw ReplicaError.readOnly(path: directory.path) }
        if (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) == 0 {
            return DamagedReplica(directory: directory, reason: "it is empty (0 bytes)", copy: nil)
        }
        let copy: PrivateDatabaseCopy
        do {
            copy = try PrivateDatabaseCopy(of: file)
        } catch {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "its database cannot be read")
        }
        do {
            guard let reason = try diagnose(copy.file, reportedAs: file) else {
                copy.remove()
                return nil
            }
            // What SQLite cannot open at all holds nothing to keep. Read outside a transaction, as everything
            // read from a damaged file: a statement that meets a damaged page must not fail the rest at COMMIT.
            let salvage = try? salvageConnection(copy.file)
            defer { try? salvage?.close() }
            let found = try? salvage?.unsafeRead { db in
                (
                    identity: try? LocalReplica.storedIdentity(db),
                    contentKey: Self.contentKeyRow(db),
                    clock: try? Int64.fetchOne(db, sql: "SELECT clock FROM syncState")
                )
            }
            return DamagedReplica(
                directory: directory,
                reason: reason,
                copy: copy,
                identity: found?.identity ?? nil,
                contentKey: found?.contentKey ?? .none,
                clock: found?.clock ?? nil
            )
        } catch {
            copy.remove()
            throw error
        }
    }

    /// Why the database at `file` is damaged, or nil when it is healthy; read on a read-only connection.
    private static func diagnose(_ file: URL, reportedAs original: URL) throws -> String? {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let database = try DatabaseQueue(path: file.path, configuration: configuration)
            defer { try? database.close() }
            return try database.unsafeRead { db in
                guard try DeviceSchema.migrator.appliedIdentifiers(db).contains(DeviceSchema.firstMigration) else {
                    return "it is not a device database"
                }
                guard try LocalReplica.storedIdentity(db) != nil else { return LocalReplica.noIdentity }
                let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check(1)")
                return problems == ["ok"] ? nil : "SQLite finds it malformed"
            }
        } catch let error as DatabaseError {
            guard case .damaged(_, let reason) = ReplicaError(error, file: original.path) else { throw error }
            return reason
        }
    }

    /// A read-only connection that reads as much of a damaged file as SQLite can: `writable_schema` lets it read
    /// the pages of a file cut short (rather than refuse the whole file), `cell_size_check` makes it refuse a
    /// malformed page rather than misread it.
    private static func salvageConnection(_ file: URL) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA writable_schema = ON; PRAGMA cell_size_check = ON")
        }
        return try DatabaseQueue(path: file.path, configuration: configuration)
    }

    /// The stored content key's row: `.some(nil)` when the device has none (made before encryption), nil when it
    /// cannot be read.
    private static func contentKeyRow(_ db: Database) -> Row?? {
        do {
            guard try db.tableExists("contentKey") else { return .some(nil) }
            return .some(try Row.fetchOne(db, sql: "SELECT * FROM contentKey WHERE singleton = 1"))
        } catch {
            return .none
        }
    }

    /// Throws `ReplicaError.wrongKey` when the stored key check shows `key` is not the device's key.
    public func check(_ key: DataKey) throws {
        guard let keyCheck else { return }
        do {
            _ = try ContentCipher(key).open(keyCheck, as: .keyCheck, of: .none)
        } catch {
            throw ReplicaError.wrongKey
        }
    }

    /// Moves the damaged database aside, keeping nothing: for a database whose identity cannot be read (then
    /// `device init` sets the device up again).
    /// - Returns: the damaged database's new path.
    public func moveAside(now: Date = Date()) throws -> URL {
        try ReplicaRepair.moveDamagedAside(stamp: ReplicaRepair.newStamp(in: directory, now: now), in: directory)
    }

    /// Builds a new database with the device's identity, `key` (wrapped as `wrappedKey`) and the operations
    /// the server has not acknowledged that can still be read and authenticated, queued again as they were
    /// (waiting, or refused with the server's reason) and merged into their records; moves the damaged files
    /// aside; and puts the new database in their place (`ReplicaRepair`). Its pull cursor is 0, so the next sync
    /// brings back everything else from the server.
    ///
    /// Operations are read one page of the table at a time and, where a page cannot be read, one row at a
    /// time, so a damaged page loses only the rows on it. An operation whose sealed body does not open with
    /// `key` (AES-GCM authenticates it), or is not this device's, is counted as unreadable and not kept.
    ///
    /// - Parameters:
    ///   - key: the device's data key (a new one for a device made before encryption, whose content is
    ///     sealed with it now).
    ///   - wrappedKey: `key` wrapped by the officer's secret: `wrappedKey` when it could be read.
    /// - Throws: `ReplicaError.wrongKey` when `key` is not the device's; `ReplicaError.damaged` when the identity
    ///   cannot be read (nothing can be kept: `moveAside`).
    public func repair(key: DataKey, wrappedKey: WrappedDataKey, now: Date = Date()) throws -> RepairReport {
        guard let identity, let copy else { throw ReplicaError.damaged(file: file.path, reason: reason) }
        try check(key)
        let cipher = ContentCipher(key)
        let salvaged = try OperationSalvage.read(
            from: Self.salvageConnection(copy.file),
            identity: identity,
            cipher: cipher,
            isEncrypted: isEncrypted
        )
        let stamp = ReplicaRepair.newStamp(in: directory, now: now)
        let building = directory.appendingPathComponent(ReplicaRepair.buildingName)
        let removeBuilding = { for suffix in ["", "-wal", "-shm"] { unlink(building.path + suffix) } }
        removeBuilding()
        let records: Int
        do {
            records = try build(building, identity: identity, key: key, wrappedKey: wrappedKey, salvaged: salvaged)
        } catch {
            removeBuilding()
            throw error
        }
        let repaired = directory.appendingPathComponent(ReplicaRepair.repairedPrefix + stamp)
        guard rename(building.path, repaired.path) == 0 else {
            removeBuilding()
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "the repaired database cannot be named")
        }
        PrivateDataDirectory.syncEntries(of: directory)
        let movedTo = try ReplicaRepair.putInPlace(repaired, stamp: stamp, in: directory)
        return RepairReport(
            salvaged: salvaged.operations.count,
            unreadable: salvaged.unreadable,
            records: records,
            movedTo: movedTo
        )
    }

    /// Step 1 of `ReplicaRepair`: the new database at `file`, closed with its log checkpointed into it (so no
    /// `-wal` file is left to go with it). - Returns: how many records it holds.
    private func build(
        _ file: URL,
        identity: DeviceIdentity,
        key: DataKey,
        wrappedKey: WrappedDataKey,
        salvaged: OperationSalvage
    ) throws -> Int {
        let cipher = ContentCipher(key)
        let database = try LocalReplica.openNewDatabase(file)
        let records = try database.write { db in
            try LocalReplica.storeIdentity(identity, db: db)
            try LocalReplica.storeContentKey(key, wrapped: wrappedKey, db: db)
            for operation in salvaged.operations {
                try db.execute(
                    sql: """
                        INSERT INTO operation (localSeq, opId, recordId, hlc, body, outbox, parkedCode, parkedMessage)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        operation.localSeq, operation.operation.opId.text, operation.operation.recordId.text,
                        operation.operation.hlc.rawValue, operation.sealedBody, operation.outbox,
                        operation.parkedCode, operation.parkedMessage,
                    ]
                )
            }
            // The clock never goes back: later operations are stamped after every one kept.
            let latest = ([clock ?? 0] + salvaged.operations.map(\.operation.hlc.rawValue)).max() ?? 0
            try db.execute(sql: "UPDATE syncState SET clock = ?", arguments: [latest])
            try LocalReplica.rematerialise(
                salvaged.operations.map(\.operation),
                upsert: try RecordTable.prepareUpsert(db),
                cipher: cipher,
                db: db
            )
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM record") ?? 0
        }
        try database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try database.close()
        for suffix in ["-wal", "-shm"] { unlink(file.path + suffix) }
        return records
    }
}

/// What `DamagedReplica.repair` did.
public struct RepairReport: Sendable, Hashable {
    /// Operations the server had not acknowledged, queued again.
    public var salvaged: Int
    /// Stored operations that could not be read, or whose content failed authentication: whichever of them had
    /// not reached the server are lost.
    public var unreadable: Int
    /// The records rebuilt from the salvaged operations (the rest come back at the next sync).
    public var records: Int
    /// Where the damaged database was moved (its `-wal` and `-shm` files beside it, with those suffixes).
    public var movedTo: URL
}
