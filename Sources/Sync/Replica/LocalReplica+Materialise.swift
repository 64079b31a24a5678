import Foundation
import GRDB
import Models

extension LocalReplica {
    /// Rebuilds the merged rows of the records these new operations touch, from all of their stored
    /// operations (the new ones are in hand and not decoded again).
    ///
    /// Merging from the whole set every time (rather than patching) is what makes the result independent of
    /// the order operations arrived in. Notes about a record follow its venue (which only an amendment can change).
    /// - Returns: the ids of the records among them that are redacted.
    @discardableResult
    static func rematerialise(_ newOperations: [LogOperation], db: Database) throws -> [UUID] {
        var redacted: [UUID] = []
        let encoder = WireCoding.makeEncoder()
        let byRecord = Dictionary(grouping: newOperations, by: \.recordId)
        // Notes take their venue from their record's row, so records are merged before notes.
        let order = byRecord.keys.sorted { lhs, rhs in
            let lhsIsNote = byRecord[lhs]!.contains { $0.kind == .createNote }
            let rhsIsNote = byRecord[rhs]!.contains { $0.kind == .createNote }
            return !lhsIsNote && rhsIsNote
        }
        for recordId in order {
            let inHand = byRecord[recordId]!
            var operations = inHand
            let known = Set(inHand.map(\.opId.text))
            // The operations in hand are stored already; the others' bodies are read only if there are any (the
            // count comes from the index alone).
            let storedCount = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM operation WHERE recordId = ?"),
                arguments: [recordId.text]
            )
            if storedCount != known.count {
                let rows = try Row.fetchCursor(
                    db.cachedStatement(sql: "SELECT opId, body FROM operation WHERE recordId = ?"),
                    arguments: [recordId.text]
                )
                while let row = try rows.next() {
                    guard !known.contains(row["opId"]) else { continue }
                    operations.append(try WireCoding.decodeOperation(Data((row["body"] as String).utf8)))
                }
            }
            guard let state = RecordFold.fold(operations) else { continue }
            if state.redaction != nil { redacted.append(recordId) }
            var venueId = state.current.location?.venueId
            if case .note = state.current, let parentId = state.parentId {
                venueId = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT venueId FROM record WHERE id = ?"),
                    arguments: [parentId.text]
                )
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO record (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET
                        venueId = excluded.venueId, parentId = excluded.parentId,
                        occurredAt = excluded.occurredAt, createdOpId = excluded.createdOpId,
                        redacted = excluded.redacted, state = excluded.state
                    """
            ).execute(arguments: [
                recordId.text, state.type.rawValue, venueId, state.parentId?.text,
                state.current.occurredAt.millisecondsSince1970,
                state.created.opId.text, state.redaction != nil,
                state.isPlainCreate ? nil : String(decoding: try encoder.encode(state), as: UTF8.self),
            ])
            if state.type != .note {
                try db.cachedStatement(sql: "UPDATE record SET venueId = ? WHERE parentId = ? AND type = 'note'")
                    .execute(arguments: [venueId, recordId.text])
            }
        }
        return redacted
    }

    /// Rewrites this device's copies of a redacted record's operations without their content.
    ///
    /// This user's own operations still waiting for the server keep theirs until it acknowledges them
    /// (the server then keeps them without content too); everything else loses it now.
    static func removeRedactedContent(of recordIds: some Collection<UUID>, db: Database) throws {
        for recordId in Set(recordIds)
        where try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT redacted FROM record WHERE id = ?"),
            arguments: [recordId.text]
        ) == true {
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT opId, body FROM operation WHERE recordId = ? AND outbox != 'pending'",
                arguments: [recordId.text]
            )
            for row in rows {
                guard let stripped = try WireCoding.removingContent(fromEncoded: row["body"]) else { continue }
                try db.execute(
                    sql: "UPDATE operation SET body = ? WHERE opId = ?",
                    arguments: [stripped, row["opId"] as String]
                )
            }
        }
    }

    static func state(of recordId: UUID, db: Database) throws -> RecordState? {
        try states(db, where: "WHERE id = ?", arguments: [recordId.text]).first
    }

    /// Merged records read back as stored (see `RecordState.fromStorage`).
    static func states(
        _ db: Database,
        where whereClause: String,
        orderedBy order: String? = nil,
        arguments: StatementArguments
    ) throws -> [RecordState] {
        let decoder = WireCoding.makeDecoder()
        let sql = "\(StoredRecordSQL.select) \(whereClause)" + (order.map { " ORDER BY \($0)" } ?? "")
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            try RecordState.fromStorage(state: row["state"], createOperation: row["createOperation"], decoder: decoder)
        }
    }
}
