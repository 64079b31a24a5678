import Foundation
import GRDB
import Models

/// The `record` table that the device and the SQLite central store share: merged records as `RecordRow`
/// decides them, written and read the same way on both.
public enum RecordTable {
    /// Prepares the statement that stores a record's row (once per transaction, see `PreparedStatement`).
    public static func prepareUpsert(_ db: Database) throws -> PreparedStatement {
        try PreparedStatement(
            """
            INSERT INTO record (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state,
                scopeRecordId, scopeVenueId)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                venueId = excluded.venueId, parentId = excluded.parentId,
                occurredAt = excluded.occurredAt, createdOpId = excluded.createdOpId,
                redacted = excluded.redacted, state = excluded.state,
                scopeRecordId = excluded.scopeRecordId, scopeVenueId = excluded.scopeVenueId
            """,
            in: db
        )
    }

    /// Stores a merged record's row, with the scope that `RecordRow` decides from its parent's row and its
    /// own previous row; the records that hang from it follow its venue and scope.
    ///
    /// - Parameters:
    ///   - isNew: the record has no row yet (its previous row is then not looked for).
    ///   - storedState: the `state` column's value for a row (the device seals it; the server keeps the text).
    /// - Returns: the row stored, and the scope move it made, if any.
    @discardableResult
    public static func write(
        _ state: RecordState,
        isNew: Bool,
        upsert: PreparedStatement,
        encoder: JSONEncoder,
        db: Database,
        storedState: (RecordRow) throws -> BoundValue = { .text($0.state) }
    ) throws -> (row: RecordRow, move: ScopeMove?) {
        let previous = isNew ? nil : try row(state.id, db: db)
        let parent = try state.parentId.flatMap { try row($0, db: db) }
        let written = try RecordRow.make(state, parent: parent, previous: previous, encoder: encoder)
        try upsert.execute(
            .id(written.id),
            .text(written.type.rawValue),
            .text(written.venueId),
            .id(written.parentId),
            .integer(written.occurredAt),
            .id(written.createdOpId),
            .integer(written.redacted ? 1 : 0),
            try storedState(written),
            .id(written.scopeRecordId),
            .text(written.scopeVenueId)
        )
        if previous != nil && written.type != .note && previous?.venueId != written.venueId {
            try db.cachedStatement(sql: "UPDATE record SET venueId = ? WHERE parentId = ? AND type = 'note'")
                .execute(arguments: [written.venueId, written.id.text])
        }
        let move = written.scopeMove(from: previous)
        if let move {
            try db.cachedStatement(sql: "UPDATE record SET scopeVenueId = ? WHERE scopeRecordId = ? AND id != ?")
                .execute(arguments: [move.to, written.id.text, written.id.text])
        }
        return (written, move)
    }

    /// Brings the records that hang from these ones up to date with them, in one statement per level: notes
    /// take their record's venue, and every follower its record's scope. For a replica where followers can
    /// arrive before the record they hang from (a device applying pages out of order), once per batch of
    /// `write`s.
    public static func updateFollowers(of recordIds: [UUID], db: Database) throws {
        guard !recordIds.isEmpty else { return }
        let ids = idList(recordIds)
        // Most records have nothing hanging from them yet (a new sighting): one look through the parent index.
        guard
            try Bool.fetchOne(
                db.cachedStatement(
                    sql: "SELECT EXISTS (SELECT 1 FROM record WHERE parentId IN (SELECT value FROM json_each(?)))"
                ),
                arguments: [ids]
            ) == true
        else { return }
        try db.cachedStatement(
            sql: """
                UPDATE record SET venueId = (SELECT parent.venueId FROM record AS parent WHERE parent.id = record.parentId)
                WHERE type = 'note' AND parentId IN (SELECT value FROM json_each(?))
                """
        ).execute(arguments: [ids])
        // Two levels: the records hanging from these (a sighting's interventions, notes), then the notes about
        // those; each level found through the parent index.
        let children = "SELECT value FROM json_each(?)"
        let grandchildren = "SELECT id FROM record WHERE parentId IN (SELECT value FROM json_each(?))"
        for level in [children, grandchildren] {
            try db.cachedStatement(
                sql: """
                    UPDATE record SET (scopeRecordId, scopeVenueId) = (
                        SELECT parent.scopeRecordId, parent.scopeVenueId FROM record AS parent
                        WHERE parent.id = record.parentId)
                    WHERE parentId IN (\(level)) AND redacted = 0
                        AND EXISTS (SELECT 1 FROM record AS parent WHERE parent.id = record.parentId)
                    """
            ).execute(arguments: [ids])
        }
    }

    /// Ids as a JSON array of strings, for `json_each` (their text needs no escaping).
    public static func idList(_ ids: some Sequence<UUID>) -> String {
        "[" + ids.map { "\"\($0.text)\"" }.joined(separator: ",") + "]"
    }

    /// A record's stored row, or nil; without its state (what decides other rows is its place and scope).
    public static func row(_ id: UUID, db: Database) throws -> RecordRow? {
        guard
            let stored = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT type, venueId, parentId, occurredAt, createdOpId, redacted, scopeRecordId, scopeVenueId
                        FROM record WHERE id = ?
                        """
                ),
                arguments: [id.text]
            ),
            let type = RecordType(rawValue: stored["type"]),
            let createdOpId = UUID(text: stored["createdOpId"] as String)
        else { return nil }
        return RecordRow(
            id: id,
            type: type,
            venueId: stored["venueId"],
            parentId: (stored["parentId"] as String?).flatMap(UUID.init(text:)),
            occurredAt: stored["occurredAt"],
            createdOpId: createdOpId,
            redacted: stored["redacted"],
            state: nil,
            scopeRecordId: (stored["scopeRecordId"] as String?).flatMap(UUID.init(text:)) ?? id,
            scopeVenueId: stored["scopeVenueId"]
        )
    }

    /// How a merged record is read back: its kept state, or else its create operation's JSON, with the ids that
    /// the device's sealing binds them to.
    public static let selectState = """
        SELECT record.id AS id, record.createdOpId AS createdOpId, record.state AS state,
            CASE WHEN record.state IS NULL
                THEN (SELECT body FROM operation WHERE operation.opId = record.createdOpId) END AS createOperation
        FROM record
        """

    /// Merged records read back as stored (see `RecordState.fromStorage`).
    ///
    /// - Parameter open: the state's and create operation's JSON from a row of `selectState` (the device opens
    ///   what it sealed); by default the columns' text.
    public static func states(
        _ db: Database,
        where whereClause: String,
        orderedBy order: String? = nil,
        arguments: StatementArguments,
        open: (Row) throws -> (state: String?, createOperation: String?) = {
            ($0["state"], $0["createOperation"])
        }
    ) throws -> [RecordState] {
        let decoder = WireCoding.makeDecoder()
        let sql = "\(selectState) \(whereClause)" + (order.map { " ORDER BY \($0)" } ?? "")
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            let (state, createOperation) = try open(row)
            return try RecordState.fromStorage(state: state, createOperation: createOperation, decoder: decoder)
        }
    }
}
