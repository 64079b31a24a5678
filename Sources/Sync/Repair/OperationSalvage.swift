import Foundation
import GRDB
import Models

/// Reads the operations the server has not acknowledged (outbox `pending` and `parked`) out of a damaged device
/// database, as many as can be read.
///
/// The operation table is walked in order of local position a page of rows at a time; where SQLite cannot read
/// a page (an error rather than rows), the walk goes on one position at a time until a row reads again, so a
/// damaged page loses only the rows on it. Each kept operation's sealed body is opened with the device's key —
/// AES-GCM authenticates it, bound to its id — and decoded; the operation must be this device's.
struct OperationSalvage {
    /// An operation read back and authenticated.
    struct Salvaged {
        var localSeq: Int64
        var operation: LogOperation
        /// The body as it is to be stored: sealed with the device's key.
        var sealedBody: Data
        var outbox: OutboxState
        var parkedCode: String?
        var parkedMessage: String?
    }

    var operations: [Salvaged] = []
    /// Positions that could not be read, and unacknowledged operations that did not authenticate or decode.
    var unreadable = 0

    /// The most positions read one by one past the last readable row when no row reads again.
    static let longestUnreadableRun: Int64 = 1 << 20

    /// Reads from `database` (closed when done).
    static func read(
        from database: DatabaseQueue,
        identity: DeviceIdentity,
        cipher: ContentCipher,
        isEncrypted: Bool
    ) throws -> OperationSalvage {
        defer { try? database.close() }
        // Outside a transaction: a statement that meets a damaged page must not fail the whole read at COMMIT.
        return try database.unsafeRead { db in
            var salvage = OperationSalvage()
            guard (try? db.tableExists("operation")) == true else { return salvage }
            for localSeq in positions(db, unreadable: &salvage.unreadable) {
                guard
                    let row = try? Row.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT opId, body, outbox, parkedCode, parkedMessage FROM operation NOT INDEXED
                                WHERE localSeq = ?
                                """
                        ),
                        arguments: [localSeq]
                    ),
                    let operation = open(row, identity: identity, cipher: cipher, isEncrypted: isEncrypted)
                else {
                    salvage.unreadable += 1
                    continue
                }
                salvage.operations.append(
                    Salvaged(
                        localSeq: localSeq,
                        operation: operation.operation,
                        sealedBody: operation.sealedBody,
                        outbox: OutboxState.fromDatabaseValue(row["outbox"]) ?? .pending,
                        parkedCode: String.fromDatabaseValue(row["parkedCode"]),
                        parkedMessage: String.fromDatabaseValue(row["parkedMessage"])
                    )
                )
            }
            return salvage
        }
    }

    /// The local positions of unacknowledged operations that can be read, in order; counts the positions that
    /// cannot be read at all in `unreadable`.
    private static func positions(_ db: Database, unreadable: inout Int) -> [Int64] {
        let last = lastPosition(db)
        var found: [Int64] = []
        var position: Int64 = 0
        var unreadableRun: Int64 = 0
        while true {
            do {
                let rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT localSeq, outbox FROM operation NOT INDEXED
                            WHERE localSeq > ? ORDER BY localSeq LIMIT 256
                            """
                    ),
                    arguments: [position]
                )
                guard let lastRow = rows.last else { break }
                for row in rows {
                    if OutboxState.fromDatabaseValue(row["outbox"])?.isUnacknowledged == true,
                        let localSeq = Int64.fromDatabaseValue(row["localSeq"])
                    {
                        found.append(localSeq)
                    }
                }
                position = Int64.fromDatabaseValue(lastRow["localSeq"]) ?? position + Int64(rows.count)
                unreadableRun = 0
            } catch {
                // This page cannot be read: one position at a time until one can.
                guard position < last, unreadableRun < longestUnreadableRun else { break }
                position += 1
                do {
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT outbox FROM operation NOT INDEXED WHERE localSeq = ?"),
                        arguments: [position]
                    )
                    if row.flatMap({ OutboxState.fromDatabaseValue($0["outbox"]) })?.isUnacknowledged == true {
                        found.append(position)
                    }
                    unreadableRun = 0
                } catch {
                    unreadable += 1
                    unreadableRun += 1
                }
            }
        }
        return found
    }

    /// The highest local position any readable part of the database knows of.
    private static func lastPosition(_ db: Database) -> Int64 {
        [
            "SELECT seq FROM sqlite_sequence WHERE name = 'operation'",
            "SELECT MAX(localSeq) FROM operation",
            "SELECT MAX(localSeq) FROM operation WHERE outbox = '\(OutboxState.pending.rawValue)'",
            "SELECT MAX(localSeq) FROM operation WHERE outbox = '\(OutboxState.parked.rawValue)'",
        ].compactMap { sql in (try? Int64.fetchOne(db, sql: sql)) ?? nil }.max() ?? 0
    }

    /// The operation in `row` and its sealed body, or nil when it does not authenticate, decode, or belong to
    /// this device.
    private static func open(
        _ row: Row,
        identity: DeviceIdentity,
        cipher: ContentCipher,
        isEncrypted: Bool
    ) -> (operation: LogOperation, sealedBody: Data)? {
        guard let opId = String.fromDatabaseValue(row["opId"]).flatMap(UUID.init(text:)) else { return nil }
        let body: DatabaseValue = row["body"]
        let encoded: Data
        let sealed: Data
        switch body.storage {
        case .blob(let stored) where isEncrypted:
            guard let opened = try? cipher.open(stored, as: .operationBody, of: opId) else { return nil }
            (encoded, sealed) = (opened, stored)
        case .string(let text) where !isEncrypted:
            // A device made before encryption: sealed now, with the key it gets.
            guard let sealedNow = try? cipher.seal(text, as: .operationBody, of: opId) else { return nil }
            (encoded, sealed) = (Data(text.utf8), sealedNow)
        default:
            return nil
        }
        guard let operation = try? WireCoding.decodeOperation(encoded), operation.opId == opId,
            operation.deviceId == identity.deviceId, operation.author == identity.userId
        else { return nil }
        return (operation, sealed)
    }
}
