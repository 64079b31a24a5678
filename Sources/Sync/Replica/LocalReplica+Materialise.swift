import Foundation
import GRDB
import Models
import SQLiteSupport

extension LocalReplica {
    /// Rebuilds the merged rows of the records these new operations touch, from all of their stored
    /// operations (the new ones are in hand and not decoded again).
    ///
    /// Merging from the whole set every time (rather than patching) is what makes the result independent of
    /// the order operations arrived in. Each row is `RecordRow`'s decision, stored by `RecordTable`.
    /// - Parameters:
    ///   - upsert: the statement that stores a record's row (`RecordTable.prepareUpsert`), prepared once per
    ///     transaction rather than once per call.
    ///   - cipher: opens the stored operations and seals the merged state.
    /// - Returns: the ids of the records among them that are redacted.
    @discardableResult
    static func rematerialise(
        _ newOperations: [LogOperation],
        upsert: PreparedStatement,
        cipher: ContentCipher,
        db: Database
    ) throws -> [UUID] {
        var redacted: [UUID] = []
        let encoder = WireCoding.makeEncoder()
        let byRecord = Dictionary(grouping: newOperations, by: \.recordId)
        // A record's row takes its scope from the row of the record it hangs from, so sightings are merged
        // first, then interventions, then notes.
        let order = byRecord.map { recordId, operations in (recordId, recordId.text, rank(operations)) }
            .sorted { $0.2 < $1.2 }
        // How many operations of each record are stored (the ones in hand are stored already): the others'
        // bodies are read only for records that have any. One query for all, from the index alone.
        var storedCounts: [String: Int] = [:]
        let counts = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT recordId, COUNT(*) FROM operation
                    WHERE recordId IN (SELECT value FROM json_each(?)) GROUP BY recordId
                    """
            ),
            arguments: [RecordTable.idList(order.map(\.0))]
        )
        while let row = try counts.next() { storedCounts[row[0]] = row[1] }
        var followed: [UUID] = []
        for (recordId, idText, rank) in order {
            var operations = byRecord[recordId]!
            let isNew = storedCounts[idText] == operations.count
            if !isNew {
                let known = Set(operations.map(\.opId.text))
                // Quarantined copies (damaged, own, unsent) are left out: their content is lost.
                let rows = try Row.fetchCursor(
                    db.cachedStatement(
                        sql: "SELECT opId, body FROM operation WHERE recordId = ? AND parkedCode IS NOT ?"
                    ),
                    arguments: [idText, damagedCode]
                )
                var damaged: [String] = []
                while let row = try rows.next() {
                    let opId: String = row["opId"]
                    guard !known.contains(opId) else { continue }
                    guard
                        let operation = try? WireCoding.decodeOperation(
                            cipher.open(row["body"], as: .operationBody, of: try id(opId))
                        )
                    else {
                        damaged.append(opId)
                        continue
                    }
                    operations.append(operation)
                }
                if !damaged.isEmpty {
                    // Set aside, then the record merged again from what remains.
                    for opId in damaged { try setAsideDamaged(opId, cipher: cipher, db: db) }
                    try mergeAgain(records: [idText], cipher: cipher, db: db)
                    continue
                }
            }
            guard let state = RecordFold.fold(operations) else {
                // Nothing readable creates it (its create operation's stored copy is damaged): no row until it is.
                try db.cachedStatement(sql: "DELETE FROM record WHERE id = ?").execute(arguments: [idText])
                continue
            }
            if state.redaction != nil { redacted.append(recordId) }
            try RecordTable.write(state, isNew: isNew, upsert: upsert, encoder: encoder, db: db) { row in
                .blob(try row.state.map { try cipher.seal(Data($0.utf8), as: .recordState, of: row.id) })
            }
            if rank < 2 { followed.append(recordId) }
        }
        // Notes and interventions can arrive before what they hang from (pages applied out of order).
        try RecordTable.updateFollowers(of: followed, db: db)
        return redacted
    }

    /// The order records are merged in: those that others hang from first.
    private static func rank(_ operations: [LogOperation]) -> Int {
        if operations.contains(where: { $0.kind == .createNote }) { return 2 }
        if operations.contains(where: { $0.kind == .createIntervention }) { return 1 }
        return 0
    }

    /// Rewrites this device's copies of a redacted record's operations without their content.
    ///
    /// This user's own operations still waiting for the server keep theirs until it acknowledges them
    /// (the server then keeps them without content too), and so do those it refused for a cause that passes,
    /// which go again (`restampPassingRefusals`); everything else loses it now.
    static func removeRedactedContent(of recordIds: some Collection<UUID>, cipher: ContentCipher, db: Database) throws {
        let keptCodes =
            "[" + (passingRefusals.sorted() + ["unknown-record"]).map { "\"\($0)\"" }.joined(separator: ",") + "]"
        for recordId in Set(recordIds)
        where try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT redacted FROM record WHERE id = ?"),
            arguments: [recordId.text]
        ) == true {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT opId, body FROM operation WHERE recordId = ? AND outbox != '\(OutboxState.pending.rawValue)'
                    AND NOT (
                        outbox = '\(OutboxState.parked.rawValue)' AND parkedCode IN (SELECT value FROM json_each(?))
                    )
                    """,
                arguments: [recordId.text, keptCodes]
            )
            for row in rows {
                let opId: String = row["opId"]
                guard let body = try? cipher.openText(row["body"], as: .operationBody, of: try id(opId)) else {
                    // Damaged: its content is unreadable anyway; set aside as any damaged copy.
                    try setAsideDamaged(opId, cipher: cipher, db: db)
                    continue
                }
                guard let stripped = try WireCoding.removingContent(fromEncoded: body) else { continue }
                try db.execute(
                    sql: "UPDATE operation SET body = ? WHERE opId = ?",
                    arguments: [try cipher.seal(stripped, as: .operationBody, of: try id(opId)), opId]
                )
            }
        }
    }

    static func state(of recordId: UUID, cipher: ContentCipher, db: Database) throws -> RecordState? {
        try states(db, cipher: cipher, where: "WHERE id = ?", arguments: [recordId.text]).first
    }

    /// Merged records read back as stored (see `RecordState.fromStorage`).
    static func states(
        _ db: Database,
        cipher: ContentCipher,
        where whereClause: String,
        orderedBy order: String? = nil,
        arguments: StatementArguments
    ) throws -> [RecordState] {
        try RecordTable.states(db, where: whereClause, orderedBy: order, arguments: arguments) { row in
            (
                try (row["state"] as Data?).map { try cipher.openText($0, as: .recordState, of: try id(row["id"])) },
                try (row["createOperation"] as Data?).map {
                    try cipher.openText($0, as: .operationBody, of: try id(row["createdOpId"]))
                }
            )
        }
    }
}
