import Foundation
import GRDB
import Models
import SQLiteSupport

/// Operations waiting in the outbox, with their stored JSON, ready to push as they are.
public struct OutboxBatch: Sendable, Hashable {
    public var operationIds: [UUID] = []
    public var encodedOperations: [Data] = []
    /// The JSON size of the operations.
    public var byteCount = 0
    /// The outbox position of the last operation (the next batch starts after it).
    public var lastLocalSeq: Int64 = 0

    public var isEmpty: Bool { operationIds.isEmpty }
}

extension LocalReplica {
    /// The oldest operations waiting for the server, in the order they were made, as stored: at most
    /// `maxOperations` of them and, past the first, at most `maxBytes` of JSON.
    ///
    /// - Parameter position: only operations after this outbox position (`OutboxBatch.lastLocalSeq` of a batch
    ///   already sent), so the next batch can be read while the answer to one is stored.
    public func outboxBatch(
        maxOperations: Int,
        maxBytes: Int = 1 << 20,
        after position: Int64 = 0
    ) throws
        -> OutboxBatch
    {
        let cipher = try contentCipher()
        var damaged: [UUID] = []
        let batch = try database.read { db in
            var batch = OutboxBatch()
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT localSeq, opId, body FROM operation
                        WHERE outbox = '\(OutboxState.pending.rawValue)' AND localSeq > ? ORDER BY localSeq LIMIT ?
                        """
                ),
                arguments: [position, maxOperations]
            )
            while let row = try rows.next() {
                let opId = try Self.id(row["opId"])
                let body: Data
                do {
                    body = try cipher.open(row["body"], as: .operationBody, of: opId)
                } catch ReplicaError.damagedContent {
                    // A stored copy that fails its integrity check is never sent; the rest of the batch goes.
                    damaged.append(opId)
                    batch.lastLocalSeq = row["localSeq"]
                    continue
                }
                if !batch.operationIds.isEmpty && batch.byteCount + body.count > maxBytes { break }
                batch.operationIds.append(opId)
                batch.encodedOperations.append(body)
                batch.byteCount += body.count
                batch.lastLocalSeq = row["localSeq"]
            }
            return batch
        }
        if !damaged.isEmpty {
            try database.write { db in
                try Self.quarantine(damaged, db: db)
                try Self.mergeAgain(recordsOf: damaged, cipher: cipher, db: db)
            }
        }
        return batch
    }

    /// The code of an operation of this device whose stored copy is damaged: it is parked, never sent.
    public static let damagedCode = "damaged"

    /// Parks this device's own operations whose stored copies failed their integrity check, with a message
    /// that says what happened and what to do: they cannot be sent, and they hold back nothing else.
    static func quarantine(_ opIds: [UUID], db: Database) throws {
        for opId in opIds {
            try db.execute(
                sql: """
                    UPDATE operation SET outbox = '\(OutboxState.parked.rawValue)', parkedCode = ?, parkedMessage = ?
                    WHERE opId = ?
                    AND (outbox = '\(OutboxState.pending.rawValue)' OR outbox = '\(OutboxState.parked.rawValue)')
                    """,
                arguments: [
                    damagedCode,
                    "This operation's stored copy on this device is damaged (it fails its integrity check), so it "
                        + "cannot be sent; everything else is sent without it. Record it again if you can.",
                    opId.text,
                ]
            )
        }
        // The server may hold it (the answer to its push was lost), and its copy, which replaces this one, may
        // have been left out of pulls.
        if !opIds.isEmpty { try forgetOwnOperationsHeld(db: db) }
    }

    /// Applies the server's answer to a push in one transaction: accepted operations leave the outbox,
    /// rejected ones are parked with the server's reason (kept, shown by `status`, never dropped), and this
    /// device's clock is anchored to the server's time in the answer.
    ///
    /// - Parameter time: the device's clocks when the answer arrived.
    public func applyPushResponse(_ response: PushResponse, heardAt time: DeviceTime = DeviceClock.now()) throws {
        let cipher = try contentCipher()
        try database.write { db in
            for opId in response.accepted {
                try db.cachedStatement(
                    sql: """
                        UPDATE operation SET outbox = '\(OutboxState.acknowledged.rawValue)'
                        WHERE opId = ? AND outbox = '\(OutboxState.pending.rawValue)'
                        """
                ).execute(arguments: [opId.text])
            }
            for rejection in response.rejected {
                try db.execute(
                    sql: """
                        UPDATE operation
                        SET outbox = '\(OutboxState.parked.rawValue)', parkedCode = ?, parkedMessage = ?
                        WHERE opId = ? AND outbox = '\(OutboxState.pending.rawValue)'
                        """,
                    arguments: [rejection.code, rejection.message, rejection.opId.text]
                )
            }
            try Self.observe(response.serverClock, serverTime: response.serverTime, heardAt: time, db: db)
            // Operations the server now holds lose their content if their record was redacted meanwhile.
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM record WHERE redacted = 1)") == true else {
                return
            }
            let settled = response.accepted + response.rejected.map(\.opId)
            let recordIds = try settled.compactMap { opId in
                try String.fetchOne(
                    db.cachedStatement(sql: "SELECT recordId FROM operation WHERE opId = ?"),
                    arguments: [opId.text]
                ).flatMap(UUID.init(text:))
            }
            try Self.removeRedactedContent(of: recordIds, cipher: cipher, db: db)
        }
    }
}
