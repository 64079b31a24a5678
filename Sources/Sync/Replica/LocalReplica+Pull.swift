import Foundation
import GRDB
import Models
import SQLiteSupport

extension LocalReplica {
    /// Stores one pulled page and its cursor in one transaction, so a crash never skips or repeats a page.
    ///
    /// Operations already here are not stored again; this device's own pending operations that come back
    /// are marked acknowledged (the server has them, even if its answer to the push was lost). Records the
    /// page withdraws go, after its operations.
    /// - Returns: how many operations were new to this device.
    ///
    /// The page's commit is not synced to disk on its own (the next synced commit carries it): a page lost to a
    /// power cut is lost with the cursor that follows it, so it is pulled again, and what it marked acknowledged
    /// is pushed again harmlessly. Either way the database stays consistent (WAL).
    /// - Parameter omittedOwn: whether the page was asked for without this device's own operations; a page
    ///   that was not, and ends the server's log, tells the replica it holds them all (`holdsOwnOperations`).
    @discardableResult
    public func applyPulledPage(
        _ page: PullResponse,
        heardAt time: DeviceTime = DeviceClock.now(),
        omittedOwn: Bool = false
    ) throws -> Int {
        do {
            return try storePulledPage(page, heardAt: time, completesOwn: !omittedOwn)
        } catch ReplicaError.damagedContent {
            // A stored copy the page's records are merged with is damaged: set aside, then the page again.
            try healDamagedContent()
            return try storePulledPage(page, heardAt: time, completesOwn: false)
        }
    }

    private func storePulledPage(_ page: PullResponse, heardAt time: DeviceTime, completesOwn: Bool) throws -> Int {
        let cipher = try contentCipher()
        let newCount = try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            var newCount = 0
            let stored = Result {
                try db.inTransaction {
                    newCount = try Self.storePulledPage(
                        page,
                        heardAt: time,
                        completesOwn: completesOwn,
                        cipher: cipher,
                        db: db
                    )
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

    private static func storePulledPage(
        _ page: PullResponse,
        heardAt time: DeviceTime,
        completesOwn: Bool,
        cipher: ContentCipher,
        db: Database
    ) throws -> Int {
        let cursorBefore = try Int64.fetchOne(db, sql: "SELECT pullCursor FROM syncState") ?? 0
        var new: [LogOperation] = []
        var returned: [LogOperation] = []
        let insert = try PreparedStatement(
            """
            INSERT INTO operation (opId, recordId, hlc, body, outbox, pulledSeq)
            VALUES (?, ?, ?, ?, '\(OutboxState.pulled.rawValue)', ?)
            ON CONFLICT(opId) DO NOTHING
            """,
            in: db
        )
        // Records withdrawn from this device at a later position than an operation of theirs in this page (a
        // page delivered late or again) do not come back with it.
        let hasWithdrawals = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM withdrawal)") ?? false
        for sequenced in page.operations {
            let operation = sequenced.operation
            if hasWithdrawals,
                let withdrawnAt = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT seq FROM withdrawal WHERE recordId = ?"),
                    arguments: [operation.recordId.text]
                ), withdrawnAt >= sequenced.seq
            {
                continue
            }
            // The server's copy as it sent it (encoded again only when it came some other way).
            let body =
                try sequenced.encoded.map { try cipher.seal($0, as: .operationBody, of: operation.opId) }
                ?? cipher.seal(WireCoding.encodeOperation(operation), as: .operationBody, of: operation.opId)
            let inserted = try insert.execute(
                .id(operation.opId),
                .id(operation.recordId),
                .integer(operation.hlc.rawValue),
                .blob(body),
                .integer(sequenced.seq)
            )
            if inserted > 0 {
                new.append(operation)
                continue
            }
            let outbox = try OutboxState.fetchOne(
                db.cachedStatement(sql: "SELECT outbox FROM operation WHERE opId = ?"),
                arguments: [operation.opId.text]
            )
            try db.cachedStatement(
                sql: "UPDATE operation SET pulledSeq = ? WHERE opId = ? AND (pulledSeq IS NULL OR pulledSeq < ?)"
            ).execute(arguments: [sequenced.seq, operation.opId.text, sequenced.seq])
            if outbox?.isUnacknowledged == true {
                // The server's copy is the one every replica keeps (without content if the record was
                // redacted since this device made it).
                // The server's copy also stands in for one of ours that was quarantined as damaged.
                try db.cachedStatement(
                    sql: """
                        UPDATE operation
                        SET outbox = '\(OutboxState.acknowledged.rawValue)', body = ?,
                            parkedCode = NULL, parkedMessage = NULL
                        WHERE opId = ?
                        """
                ).execute(arguments: [body, operation.opId.text])
                returned.append(operation)
            }
        }
        let redacted = try Self.rematerialise(
            new + returned,
            upsert: try RecordTable.prepareUpsert(db),
            cipher: cipher,
            db: db
        )
        try Self.removeRedactedContent(of: redacted, cipher: cipher, db: db)
        try Self.withdraw(page.withdrawn, at: page.cursor, db: db)
        // A damaged copy set aside while merging moved the cursor back to pull it again: that stands.
        let cursor = try Int64.fetchOne(db, sql: "SELECT pullCursor FROM syncState") ?? 0
        if cursor >= cursorBefore {
            try db.execute(sql: "UPDATE syncState SET pullCursor = ?", arguments: [max(cursor, page.cursor)])
            if completesOwn && !page.hasMore { try noteOwnOperationsHeld(db: db) }
        }
        try Self.observe(
            max(page.serverClock, page.operations.map(\.operation.hlc).max() ?? .zero),
            serverTime: page.serverTime,
            heardAt: time,
            db: db
        )
        return new.count
    }

    /// Removes records that left this device's scope at position `seq` (the server moved them to another
    /// venue), the records that hang from them here, and every operation of them — except this user's own that
    /// the server has not acknowledged: those stay queued, so nothing recorded here is lost, and the server's
    /// answer to them is shown by `status`. A withdrawal older than an operation of the record already here
    /// (the record came back since, and this page arrived late or again) changes nothing.
    private static func withdraw(_ recordIds: [UUID], at seq: Int64, db: Database) throws {
        for recordId in recordIds {
            let latest = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT MAX(pulledSeq) FROM operation WHERE recordId = ?"),
                arguments: [recordId.text]
            )
            if let latest, latest > seq { continue }
            let ids = try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        WITH RECURSIVE hanging(id) AS (
                            SELECT ? UNION SELECT record.id FROM record JOIN hanging ON record.parentId = hanging.id
                        )
                        SELECT id FROM hanging
                        """
                ),
                arguments: [recordId.text]
            )
            for id in ids {
                try db.cachedStatement(
                    sql: """
                        DELETE FROM operation WHERE recordId = ?
                        AND outbox != '\(OutboxState.pending.rawValue)' AND outbox != '\(OutboxState.parked.rawValue)'
                        """
                ).execute(arguments: [id])
                try db.cachedStatement(sql: "DELETE FROM record WHERE id = ?").execute(arguments: [id])
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO withdrawal (recordId, seq) VALUES (?, ?)
                    ON CONFLICT(recordId) DO UPDATE SET seq = MAX(seq, excluded.seq)
                    """
            ).execute(arguments: [recordId.text, seq])
        }
    }

    /// The position after which the next pull starts.
    public func pullCursor() throws -> Int64 {
        try database.read { db in try Int64.fetchOne(db, sql: "SELECT pullCursor FROM syncState") ?? 0 }
    }
}
