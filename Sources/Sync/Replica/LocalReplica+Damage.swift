import Foundation
import GRDB
import Models
import SQLiteSupport

/// Stored content that fails its integrity check (AES-GCM authenticates every sealed value): one damaged
/// value never stops the rest. This device's own unsent operations are quarantined (parked with
/// `damagedCode`, shown by `status`, never sent); a copy of what the server holds is dropped and pulled again;
/// a record is merged again from its readable operations.
extension LocalReplica {
    /// What `healDamagedContent` found and did.
    public struct DamageReport: Sendable, Hashable {
        /// This device's own unsent operations quarantined: their content is lost.
        public var quarantined = 0
        /// Copies of operations the server holds, dropped to be pulled again at the next sync.
        public var refetched = 0
        /// Records merged again from their readable operations.
        public var rebuilt = 0

        public var isEmpty: Bool { quarantined == 0 && refetched == 0 && rebuilt == 0 }
    }

    /// Checks every stored operation and record state, and sets aside what is damaged (see the extension's
    /// summary). Run when a read meets damaged content; costs a pass over the database.
    @discardableResult
    public func healDamagedContent() throws -> DamageReport {
        let cipher = try contentCipher()
        return try database.write { db in
            var report = DamageReport()
            var touched: Set<String> = []
            let operations = try Row.fetchCursor(db, sql: "SELECT opId, recordId, body, outbox FROM operation")
            var damaged: [(opId: String, recordId: String, outbox: OutboxState)] = []
            while let row = try operations.next() {
                let opId: String = row["opId"]
                if (try? WireCoding.decodeOperation(cipher.open(row["body"], as: .operationBody, of: try Self.id(opId))))
                    == nil
                {
                    damaged.append((opId, row["recordId"], row["outbox"]))
                }
            }
            for entry in damaged {
                let own = entry.outbox.isUnacknowledged
                if own { report.quarantined += 1 } else { report.refetched += 1 }
                try Self.setAsideDamaged(entry.opId, cipher: cipher, db: db)
                touched.insert(entry.recordId)
            }
            let states = try Row.fetchCursor(db, sql: "SELECT id, state FROM record WHERE state IS NOT NULL")
            while let row = try states.next() {
                let id: String = row["id"]
                if (try? cipher.open(row["state"], as: .recordState, of: try Self.id(id))) == nil { touched.insert(id) }
            }
            report.rebuilt = touched.count
            try Self.mergeAgain(records: touched, cipher: cipher, db: db)
            return report
        }
    }

    /// Merges the records of these operations again from their readable operations (see `mergeAgain(records:)`).
    static func mergeAgain(recordsOf opIds: [UUID], cipher: ContentCipher, db: Database) throws {
        let records = try opIds.compactMap { opId in
            try String.fetchOne(db, sql: "SELECT recordId FROM operation WHERE opId = ?", arguments: [opId.text])
        }
        try mergeAgain(records: Set(records), cipher: cipher, db: db)
    }

    /// Merges records again from the operations of theirs that remain readable, once one is set aside. A copy
    /// held without content because a redaction that is now set aside removed it is dropped and pulled again
    /// (the server kept its content).
    static func mergeAgain(records: Set<String>, cipher: ContentCipher, db: Database) throws {
        var readable: [LogOperation] = []
        for recordId in records {
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT opId, body FROM operation WHERE recordId = ? AND parkedCode IS NOT ?",
                arguments: [recordId, damagedCode]
            )
            var operations = rows.compactMap { row in
                try? WireCoding.decodeOperation(
                    cipher.open(row["body"], as: .operationBody, of: try id(row["opId"]))
                )
            }
            if !operations.contains(where: { $0.kind == .redact }) {
                for operation in operations {
                    guard case .redacted = operation.payload else { continue }
                    try setAsideDamaged(operation.opId.text, cipher: cipher, db: db)
                }
                operations.removeAll { if case .redacted = $0.payload { true } else { false } }
            }
            if operations.isEmpty {
                try db.execute(sql: "DELETE FROM record WHERE id = ?", arguments: [recordId])
            } else {
                try db.execute(sql: "UPDATE record SET state = NULL WHERE id = ?", arguments: [recordId])
            }
            readable += operations
        }
        try rematerialise(readable, upsert: try RecordTable.prepareUpsert(db), cipher: cipher, db: db)
    }

    /// Runs a read; if it meets damaged content, sets the damage aside (`healDamagedContent`) and runs it again.
    func readHealingDamage<T>(_ block: (Database) throws -> T) throws -> T {
        do {
            return try database.read(block)
        } catch ReplicaError.damagedContent {
            try healDamagedContent()
            return try database.read(block)
        }
    }

    /// Sets one damaged operation aside: quarantined if it is this device's own and unsent (its content is lost
    /// with its only copy, and its record is merged again without it), else dropped and the pull cursor moved back
    /// so that the server's copy comes again.
    static func setAsideDamaged(_ opId: String, cipher: ContentCipher, db: Database) throws {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT outbox, pulledSeq FROM operation WHERE opId = ?",
                arguments: [opId]
            )
        else { return }
        let outbox: OutboxState = row["outbox"]
        if outbox.isUnacknowledged {
            let alreadyQuarantined = try Bool.fetchOne(
                db,
                sql: "SELECT parkedCode IS ? FROM operation WHERE opId = ?",
                arguments: [damagedCode, opId]
            )
            guard alreadyQuarantined != true else { return }
            try quarantine([try id(opId)], db: db)
            try mergeAgain(recordsOf: [try id(opId)], cipher: cipher, db: db)
            return
        }
        let pulledSeq: Int64? = row["pulledSeq"]
        try db.execute(sql: "DELETE FROM operation WHERE opId = ?", arguments: [opId])
        try db.execute(
            sql: "UPDATE syncState SET pullCursor = MIN(pullCursor, ?)",
            arguments: [max((pulledSeq ?? 1) - 1, 0)]
        )
        // It may be one of this device's own that pulls left out.
        try forgetOwnOperationsHeld(db: db)
    }
}
