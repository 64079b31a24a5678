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
        try database.read { db in
            var batch = OutboxBatch()
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT localSeq, opId, body FROM operation
                        WHERE outbox = 'pending' AND localSeq > ? ORDER BY localSeq LIMIT ?
                        """
                ),
                arguments: [position, maxOperations]
            )
            while let row = try rows.next() {
                let body = Data((row["body"] as String).utf8)
                if !batch.operationIds.isEmpty && batch.byteCount + body.count > maxBytes { break }
                batch.operationIds.append(UUID(text: row["opId"] as String)!)
                batch.encodedOperations.append(body)
                batch.byteCount += body.count
                batch.lastLocalSeq = row["localSeq"]
            }
            return batch
        }
    }

    /// Applies the server's answer to a push in one transaction: accepted operations leave the outbox,
    /// rejected ones are parked with the server's reason (kept, shown by `status`, never dropped).
    public func applyPushResponse(_ response: PushResponse) throws {
        try database.write { db in
            for opId in response.accepted {
                try db.cachedStatement(
                    sql: "UPDATE operation SET outbox = 'acknowledged' WHERE opId = ? AND outbox = 'pending'"
                ).execute(arguments: [opId.text])
            }
            for rejection in response.rejected {
                try db.execute(
                    sql: """
                        UPDATE operation SET outbox = 'parked', parkedCode = ?, parkedMessage = ?
                        WHERE opId = ? AND outbox = 'pending'
                        """,
                    arguments: [rejection.code, rejection.message, rejection.opId.text]
                )
            }
            try Self.observe(response.serverClock, db: db)
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
            try Self.removeRedactedContent(of: recordIds, db: db)
        }
    }

    /// Stores one pulled page and its cursor in one transaction, so a crash never skips or repeats a page.
    ///
    /// Operations already here are not stored again; this device's own pending operations that come back
    /// are marked acknowledged (the server has them, even if its answer to the push was lost).
    /// - Returns: how many operations were new to this device.
    ///
    /// The page's commit is not synced to disk on its own (the next synced commit carries it): a page lost to a
    /// power cut is lost with the cursor that follows it, so it is pulled again, and what it marked acknowledged
    /// is pushed again harmlessly. Either way the database stays consistent (WAL).
    @discardableResult
    public func applyPulledPage(_ page: PullResponse) throws -> Int {
        let newCount = try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            var newCount = 0
            let stored = Result {
                try db.inTransaction {
                    newCount = try Self.storePulledPage(page, db: db)
                    return .commit
                }
            }
            // Every other write stays synced on commit, whatever happened to this one.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try stored.get()
            return newCount
        }
        // A pulled redaction removed content from this file: clear its old copies from the log too.
        if page.operations.contains(where: { $0.operation.kind == .redact }) { clearRedactedContentFromLog() }
        return newCount
    }

    private static func storePulledPage(_ page: PullResponse, db: Database) throws -> Int {
        var new: [LogOperation] = []
        var returned: [LogOperation] = []
        let insert = try PreparedStatement(
            """
            INSERT INTO operation (opId, recordId, hlc, body, outbox) VALUES (?, ?, ?, ?, 'pulled')
            ON CONFLICT(opId) DO NOTHING
            """,
            in: db
        )
        for sequenced in page.operations {
            let operation = sequenced.operation
            // The server's copy as it sent it (encoded again only when it came some other way).
            let body = sequenced.encoded ?? String(decoding: WireCoding.encodeOperation(operation), as: UTF8.self)
            let inserted = try insert.execute(
                .id(operation.opId),
                .id(operation.recordId),
                .integer(operation.hlc.rawValue),
                .text(body)
            )
            if inserted > 0 {
                new.append(operation)
                continue
            }
            let outbox = try String.fetchOne(
                db.cachedStatement(sql: "SELECT outbox FROM operation WHERE opId = ?"),
                arguments: [operation.opId.text]
            )
            if outbox == "pending" || outbox == "parked" {
                // The server's copy is the one every replica keeps (without content if the record was
                // redacted since this device made it).
                try db.cachedStatement(
                    sql: "UPDATE operation SET outbox = 'acknowledged', body = ? WHERE opId = ?"
                ).execute(arguments: [body, operation.opId.text])
                returned.append(operation)
            }
        }
        let redacted = try Self.rematerialise(new + returned, upsert: try Self.prepareRecordUpsert(db), db: db)
        try Self.removeRedactedContent(of: redacted, db: db)
        let cursor = try Int64.fetchOne(db, sql: "SELECT pullCursor FROM syncState") ?? 0
        try db.execute(
            sql: "UPDATE syncState SET pullCursor = ?",
            arguments: [max(cursor, page.cursor)]
        )
        try Self.observe(max(page.serverClock, page.operations.map(\.operation.hlc).max() ?? .zero), db: db)
        return new.count
    }

    /// Replaces the venue reference list with the server's.
    public func replaceVenues(_ venues: [Venue]) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM venue")
            for venue in venues {
                try db.execute(
                    sql: "INSERT INTO venue (id, body) VALUES (?, ?)",
                    arguments: [venue.id, String(decoding: try WireCoding.encode(venue), as: UTF8.self)]
                )
            }
        }
    }

    /// Notes the time of a completed sync.
    public func markSynced(at date: Date) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE syncState SET lastSyncAt = ?", arguments: [WireCoding.formatDate(date)])
        }
    }

    /// The position after which the next pull starts.
    public func pullCursor() throws -> Int64 {
        try database.read { db in try Int64.fetchOne(db, sql: "SELECT pullCursor FROM syncState") ?? 0 }
    }

    private static func observe(_ stamp: HLCTimestamp, db: Database) throws {
        try db.execute(sql: "UPDATE syncState SET clock = MAX(clock, ?)", arguments: [stamp.rawValue])
    }
}
