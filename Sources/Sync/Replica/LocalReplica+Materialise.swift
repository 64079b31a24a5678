import Foundation
import GRDB
import Models
import SQLiteSupport

extension LocalReplica {
    /// Rebuilds the merged rows of the records these new operations touch, from all of their stored
    /// operations (the new ones are in hand and not decoded again).
    ///
    /// Merging from the whole set every time (rather than patching) is what makes the result independent of
    /// the order operations arrived in. Notes about a record follow its venue (which only an amendment can change).
    /// - Parameters:
    ///   - upsert: the statement that stores a record's row (`prepareRecordUpsert`), prepared once per
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
        // Notes take their venue from their record's row, so records are merged before notes.
        var records: [(id: UUID, text: String)] = []
        var notes: [(id: UUID, text: String)] = []
        for (recordId, operations) in byRecord {
            if operations.contains(where: { $0.kind == .createNote }) {
                notes.append((recordId, recordId.text))
            } else {
                records.append((recordId, recordId.text))
            }
        }
        let order = records + notes
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
            arguments: [jsonArray(of: order.map(\.text))]
        )
        while let row = try counts.next() { storedCounts[row[0]] = row[1] }
        var parents: [String] = []
        for (recordId, idText) in order {
            var operations = byRecord[recordId]!
            if storedCounts[idText] != operations.count {
                let known = Set(operations.map(\.opId.text))
                let rows = try Row.fetchCursor(
                    db.cachedStatement(sql: "SELECT opId, body FROM operation WHERE recordId = ?"),
                    arguments: [idText]
                )
                while let row = try rows.next() {
                    let opId: String = row["opId"]
                    guard !known.contains(opId) else { continue }
                    let body = try cipher.open(row["body"], as: .operationBody, of: try id(opId))
                    operations.append(try WireCoding.decodeOperation(body))
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
            try upsert.execute(
                .id(recordId),
                .text(state.type.rawValue),
                .text(venueId),
                .id(state.parentId),
                .integer(state.current.occurredAt.millisecondsSince1970),
                .id(state.created.opId),
                .integer(state.redaction == nil ? 0 : 1),
                .blob(
                    state.isPlainCreate ? nil : try cipher.seal(encoder.encode(state), as: .recordState, of: recordId)
                )
            )
            if state.type != .note { parents.append(idText) }
        }
        // Notes already stored about these records take their (perhaps new) venue: one statement for all.
        if !parents.isEmpty {
            try db.cachedStatement(
                sql: """
                    UPDATE record SET venueId = (SELECT parent.venueId FROM record AS parent WHERE parent.id = record.parentId)
                    WHERE type = 'note' AND parentId IN (SELECT value FROM json_each(?))
                    """
            ).execute(arguments: [jsonArray(of: parents)])
        }
        return redacted
    }

    /// Prepares the statement `rematerialise` stores a record's row with.
    static func prepareRecordUpsert(_ db: Database) throws -> PreparedStatement {
        try PreparedStatement(
            """
            INSERT INTO record (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                venueId = excluded.venueId, parentId = excluded.parentId,
                occurredAt = excluded.occurredAt, createdOpId = excluded.createdOpId,
                redacted = excluded.redacted, state = excluded.state
            """,
            in: db
        )
    }

    /// A JSON array of ids' text, for `json_each` (the text of an id needs no escaping).
    private static func jsonArray(of ids: [String]) -> String {
        "[" + ids.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    /// Rewrites this device's copies of a redacted record's operations without their content.
    ///
    /// This user's own operations still waiting for the server keep theirs until it acknowledges them
    /// (the server then keeps them without content too); everything else loses it now.
    static func removeRedactedContent(of recordIds: some Collection<UUID>, cipher: ContentCipher, db: Database) throws {
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
                let opId: String = row["opId"]
                let body = try cipher.openText(row["body"], as: .operationBody, of: try id(opId))
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
        let decoder = WireCoding.makeDecoder()
        let sql = "\(StoredRecordSQL.select) \(whereClause)" + (order.map { " ORDER BY \($0)" } ?? "")
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            let state = try (row["state"] as Data?).map {
                try cipher.openText($0, as: .recordState, of: try id(row["id"]))
            }
            let createOperation = try (row["createOperation"] as Data?).map {
                try cipher.openText($0, as: .operationBody, of: try id(row["createdOpId"]))
            }
            return try RecordState.fromStorage(state: state, createOperation: createOperation, decoder: decoder)
        }
    }
}
