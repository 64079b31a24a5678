import Foundation
import GRDB
import Models

extension LocalReplica {
    /// The data key wrapped by the officer's secret, for `device unlock`; readable while locked.
    /// - Throws: `ReplicaError.notEncrypted` for a device made before encryption, `UnlockError.noSecret` for one
    ///   made in-process without a secret.
    public func wrappedKey() throws -> WrappedDataKey {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM contentKey") else {
                throw ReplicaError.notEncrypted(path: fileURL.deletingLastPathComponent().path)
            }
            guard let salt = row["salt"] as Data?, let sealedKey = row["wrappedKey"] as Data? else {
                throw UnlockError.noSecret
            }
            return WrappedDataKey(
                salt: salt,
                cost: WrappedDataKey.Cost(n: row["scryptN"], r: row["scryptR"], p: row["scryptP"]),
                sealedKey: sealedKey
            )
        }
    }

    /// Encrypts the content of a device made before encryption, in place, in one transaction: every operation
    /// body and record state is sealed with `key`, and `wrappedKey` is stored. Then the write-ahead log is
    /// emptied, so that no copy of the clear pages remains in it (`secure_delete` zeroes what the rewrite frees
    /// in the database file itself).
    ///
    /// - Returns: the replica opened with `key`. A device whose content is encrypted already is only opened with
    ///   `key` (`ReplicaError.wrongKey` if it is not that device's key).
    public func encryptContent(with key: DataKey, wrappedKey: WrappedDataKey) throws -> LocalReplica {
        let directory = fileURL.deletingLastPathComponent()
        guard !isEncrypted else { return try LocalReplica.open(in: directory, key: key) }
        let cipher = ContentCipher(key)
        try database.write { db in
            try Self.sealInPlace(table: "operation", id: "opId", column: "body", as: .operationBody, cipher, db)
            try Self.sealInPlace(table: "record", id: "id", column: "state", as: .recordState, cipher, db)
            try Self.storeContentKey(key, wrapped: wrappedKey, db: db)
        }
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return try LocalReplica.open(in: directory, key: key)
    }

    /// Seals every clear-text value of `column` in `table`, each bound to its row's `id`.
    private static func sealInPlace(
        table: String,
        id: String,
        column: String,
        as purpose: ContentCipher.Purpose,
        _ cipher: ContentCipher,
        _ db: Database
    ) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT \(id), \(column) FROM \(table) WHERE typeof(\(column)) = 'text'"
        )
        let seal = try db.makeStatement(sql: "UPDATE \(table) SET \(column) = ? WHERE \(id) = ?")
        while let row = try rows.next() {
            let rowId: String = row[0]
            try seal.execute(arguments: [try cipher.seal(row[1] as String, as: purpose, of: try Self.id(rowId)), rowId])
        }
    }

    /// An id read back from a column that holds ids.
    static func id(_ text: String) throws -> UUID {
        guard let id = UUID(text: text) else { throw ReplicaError.damagedContent }
        return id
    }
}
