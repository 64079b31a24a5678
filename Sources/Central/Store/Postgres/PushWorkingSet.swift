import Foundation
import Logging
import Models
import PostgresNIO

/// The records one push works on: locked, read in a few statements, changed in memory by the same steps as
/// `SQLiteCentralStore` takes row by row, and written back in a few statements at the end.
///
/// Every record the push may read or write is locked first (a transaction-level advisory lock per record: the
/// records of its operations, the records they refer to or link, and the records that notes among them hang
/// from), in one sorted order, so concurrent pushes of the same records take turns and never deadlock.
final class PushWorkingSet {
    /// An operation to insert; its position is given when the push is saved.
    struct NewOperation {
        var opId: String
        var recordId: String
        var deviceId: String
        var author: String
        var hlc: Int64
        var kind: String
        var body: String
        var receivedAt: String
        var authorRole: String
    }

    /// A stored operation's JSON as it is now, by `opId`.
    private var bodies: [String: String] = [:]
    private var decoded: [String: LogOperation] = [:]
    private var opIdsByRecord: [String: [String]] = [:]
    /// Records whose row (or its absence) was read.
    private var loaded: Set<String> = []
    private var rows: [String: RecordRow] = [:]
    /// The create operation's JSON of records read without a kept state.
    private var createOperations: [String: String] = [:]
    /// Moves of scope this push made, each with the index of the new operation that made it.
    private var scopeMoves: [(operationIndex: Int, move: ScopeMove)] = []
    private var states: [String: RecordState] = [:]
    private var newOperations: [NewOperation] = []
    private var newOperationIndex: [String: Int] = [:]
    /// Stored operations whose JSON lost its content to a redaction, in order.
    private var rewritten: [String] = []
    private var changedRecords: [String] = []
    /// Records whose notes take the record's venue, with that venue.
    private var noteVenues: [String: String?] = [:]
    private var noteVenueOrder: [String] = []
    private let decoder = WireCoding.makeDecoder()
    private let encoder = WireCoding.makeEncoder()

    private init() {}

    /// Locks and reads everything a push of `operations` may need.
    static func load(
        for operations: [LogOperation],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> PushWorkingSet {
        let work = PushWorkingSet()
        let recordIds = Array(Set(operations.map(\.recordId.text))).sorted()
        var lockIds = Set(recordIds)
        for operation in operations {
            if let referenced = OperationAdmission.referencedRecordId(of: operation) { lockIds.insert(referenced.text) }
            if case .setRegister(.link(let link, _)) = operation.payload { lockIds.insert(link.target.text) }
        }
        // A note's record never changes, so it can be read before the locks.
        let parents = try await connection.query(
            """
            SELECT DISTINCT parent_id FROM record
            WHERE id = ANY(\(recordIds)) AND type = 'note' AND parent_id IS NOT NULL
            """,
            logger: logger
        ).collect()
        for row in parents { lockIds.insert(try row.decode(String.self)) }
        // The records whose venue decides these records' scope: a move of one changes theirs.
        let roots = try await connection.query(
            "SELECT DISTINCT scope_record_id FROM record WHERE id = ANY(\(Array(lockIds))) AND scope_record_id IS NOT NULL",
            logger: logger
        ).collect()
        for row in roots { lockIds.insert(try row.decode(String.self)) }
        try await lock(lockIds, on: connection, logger: logger)

        let opIds = operations.map(\.opId.text)
        let stored = try await connection.query(
            "SELECT op_id, record_id, body FROM operation WHERE record_id = ANY(\(recordIds)) OR op_id = ANY(\(opIds))",
            logger: logger
        ).collect()
        for row in stored {
            let (opId, recordId, body) = try row.decode((String, String, String).self)
            work.bodies[opId] = body
            work.opIdsByRecord[recordId, default: []].append(opId)
        }
        try await work.loadRows(lockIds, on: connection, logger: logger)
        // A note created by another push between the first read and the locks: lock and read its record too
        // (out of the sorted order, so this rare case may meet a deadlock, which the transaction retries).
        let missingParents = Set(
            recordIds.compactMap { work.rows[$0] }.filter { $0.type == .note }.compactMap(\.parentId?.text)
        )
        .subtracting(lockIds)
        if !missingParents.isEmpty {
            try await lock(missingParents, on: connection, logger: logger)
            try await work.loadRows(missingParents, on: connection, logger: logger)
        }
        // The section 34 authorisations the push's interventions cite: never amended, so read without a lock.
        var cited = Set<String>()
        for operation in operations {
            let target = try operation.kind == .amend ? work.state(of: operation.recordId) : nil
            if let id = DispersalRule.citedAuthorisationId(of: operation, target: target) { cited.insert(id.text) }
        }
        cited.subtract(work.loaded)
        if !cited.isEmpty { try await work.loadRows(cited, on: connection, logger: logger) }
        return work
    }

    /// Takes the records' advisory locks, in the order of their keys, in one statement.
    private static func lock(_ recordIds: Set<String>, on connection: PostgresConnection, logger: Logger) async throws {
        let keys = Array(Set(recordIds.map(PostgresCentralStore.lockKey(of:)))).sorted()
        // A volatile function in the select list is evaluated after ORDER BY, so the locks are taken in order.
        _ = try await connection.query(
            """
            SELECT pg_advisory_xact_lock(key) FROM unnest(\(keys)) WITH ORDINALITY AS lock(key, position)
            ORDER BY position
            """,
            logger: logger
        ).collect()
    }

    private func loadRows(_ ids: Set<String>, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT id, type, venue_id, parent_id, occurred_at, created_op_id, redacted, state, scope_record_id,
                scope_venue_id,
                CASE WHEN state IS NULL
                    THEN (SELECT body FROM operation WHERE operation.op_id = record.created_op_id) END
            FROM record WHERE id = ANY(\(Array(ids)))
            """,
            logger: logger
        ).collect()
        for row in rows {
            let (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state, scopeRecordId, scope, create) =
                try row.decode(
                    (String, String, String?, String?, Int64, String, Bool, String?, String?, String?, String?).self
                )
            guard let recordId = UUID(text: id), let recordType = RecordType(rawValue: type),
                let createdOp = UUID(text: createdOpId)
            else { continue }
            self.rows[id] = RecordRow(
                id: recordId,
                type: recordType,
                venueId: venueId,
                parentId: parentId.flatMap(UUID.init(text:)),
                occurredAt: occurredAt,
                createdOpId: createdOp,
                redacted: redacted,
                state: state,
                scopeRecordId: scopeRecordId.flatMap(UUID.init(text:)) ?? recordId,
                scopeVenueId: scope
            )
            if let create { createOperations[id] = create }
        }
        loaded.formUnion(ids)
    }

    // MARK: - Reading, as the SQLite store reads its tables

    /// The stored JSON of an operation, if the store holds it.
    func body(of opId: UUID) -> String? {
        bodies[opId.text]
    }

    /// Every stored operation of one record.
    func operations(of recordId: UUID) throws -> [LogOperation] {
        try (opIdsByRecord[recordId.text] ?? []).map(operation(_:))
    }

    private func operation(_ opId: String) throws -> LogOperation {
        if let operation = decoded[opId] { return operation }
        let operation = try WireCoding.decodeOperation(Data(bodies[opId, default: ""].utf8))
        decoded[opId] = operation
        return operation
    }

    /// A record's scope venue, as stored.
    func scopeVenueId(of recordId: UUID) throws -> String? {
        try parentRow(recordId.text)?.scopeVenueId
    }

    /// A merged record as stored, or nil.
    func state(of recordId: UUID) throws -> RecordState? {
        let id = recordId.text
        if let state = states[id] { return state }
        guard loaded.contains(id) else { throw NotLoaded(recordId: id) }
        guard let row = rows[id] else { return nil }
        let state = try RecordState.fromStorage(
            state: row.state,
            createOperation: row.state == nil ? bodies[row.createdOpId.text] ?? createOperations[id] : nil,
            decoder: decoder
        )
        states[id] = state
        return state
    }

    /// A record asked for that the push did not lock and read: a bug, never a refusal.
    struct NotLoaded: Error, CustomStringConvertible {
        var recordId: String
        var description: String { "The push read record \(recordId) without locking it first." }
    }

    // MARK: - Changing, as the SQLite store changes its tables

    /// Stores a new operation (its position comes at `save`).
    func insert(_ operation: LogOperation, authorRole: Role, receivedAt: String) {
        let opId = operation.opId.text
        let body = String(decoding: WireCoding.encodeOperation(operation), as: UTF8.self)
        bodies[opId] = body
        decoded[opId] = operation
        opIdsByRecord[operation.recordId.text, default: []].append(opId)
        newOperationIndex[opId] = newOperations.count
        newOperations.append(
            NewOperation(
                opId: opId,
                recordId: operation.recordId.text,
                deviceId: operation.deviceId,
                author: operation.author,
                hlc: operation.hlc.rawValue,
                kind: operation.kind.rawValue,
                body: body,
                receivedAt: receivedAt,
                authorRole: authorRole.rawValue
            )
        )
    }

    /// Rewrites every stored operation of a redacted record without its content.
    func removeContent(of recordId: UUID) throws {
        for opId in opIdsByRecord[recordId.text] ?? [] {
            guard try operation(opId).kind.carriesContent, let body = bodies[opId],
                let stripped = try WireCoding.removingContent(fromEncoded: body)
            else { continue }
            bodies[opId] = stripped
            decoded[opId] = try WireCoding.decodeOperation(Data(stripped.utf8))
            if let index = newOperationIndex[opId] {
                newOperations[index].body = stripped
            } else if !rewritten.contains(opId) {
                rewritten.append(opId)
            }
        }
    }

    /// Stores a record's merged row as `RecordRow` decides it; notes about the record follow its venue, and the
    /// records that take their scope from it follow a move of its scope (kept with the operation that made it,
    /// the last one inserted).
    func write(_ state: RecordState) throws {
        let id = state.id.text
        let previous = rows[id]
        let parent = try state.parentId.flatMap { try parentRow($0.text) }
        let row = try RecordRow.make(state, parent: parent, previous: previous, encoder: encoder)
        rows[id] = row
        states[id] = state
        if !changedRecords.contains(id) { changedRecords.append(id) }
        if let previous, row.type != .note, previous.venueId != row.venueId {
            for (noteId, note) in rows where note.parentId == state.id && note.type == .note {
                rows[noteId]?.venueId = row.venueId
            }
            if noteVenues.updateValue(row.venueId, forKey: id) == nil { noteVenueOrder.append(id) }
        }
        if let move = row.scopeMove(from: previous) {
            for (otherId, other) in rows where other.scopeRecordId == state.id && otherId != id {
                rows[otherId]?.scopeVenueId = move.to
            }
            scopeMoves.append((newOperations.count - 1, move))
        }
    }

    private func parentRow(_ id: String) throws -> RecordRow? {
        guard loaded.contains(id) else { throw NotLoaded(recordId: id) }
        return rows[id]
    }

    // MARK: - Saving

    /// Writes the changes: stripped operations, records, notes' venues, and last the new operations with
    /// their positions, taken from `operation_position` under its row lock, which lasts until commit. Returns
    /// when that lock was taken (nil when nothing new was stored, so no position was taken).
    @discardableResult
    func save(on connection: PostgresConnection, logger: Logger) async throws -> ContinuousClock.Instant? {
        if !rewritten.isEmpty {
            let bodies = rewritten.map { self.bodies[$0, default: ""] }
            try await connection.query(
                """
                UPDATE operation SET body = stripped.body
                FROM unnest(\(rewritten), \(bodies)) AS stripped(op_id, body)
                WHERE operation.op_id = stripped.op_id
                """,
                logger: logger
            )
        }
        if !changedRecords.isEmpty {
            let json = String(
                decoding: try JSONEncoder().encode(changedRecords.map { RecordJSON(row: rows[$0]!) }),
                as: UTF8.self
            )
            try await connection.query(
                """
                INSERT INTO record (id, type, venue_id, parent_id, occurred_at, created_op_id, redacted, state,
                    scope_record_id, scope_venue_id)
                SELECT id, type, venue_id, parent_id, occurred_at, created_op_id, redacted, state, scope_record_id,
                    scope_venue_id
                FROM json_to_recordset(\(json)::json) AS changed(id text, type text, venue_id text, parent_id text,
                    occurred_at bigint, created_op_id text, redacted boolean, state text, scope_record_id text,
                    scope_venue_id text)
                ON CONFLICT (id) DO UPDATE SET venue_id = excluded.venue_id, parent_id = excluded.parent_id,
                    occurred_at = excluded.occurred_at, created_op_id = excluded.created_op_id,
                    redacted = excluded.redacted, state = excluded.state,
                    scope_record_id = excluded.scope_record_id, scope_venue_id = excluded.scope_venue_id
                """,
                logger: logger
            )
        }
        if !changedRecords.isEmpty {
            try await DashboardFactRows.write(
                changedRecords.compactMap { states[$0] },
                on: connection,
                logger: logger
            )
        }
        if !noteVenueOrder.isEmpty {
            let json = String(
                decoding: try JSONEncoder().encode(
                    noteVenueOrder.map { NoteVenueJSON(parentId: $0, venueId: noteVenues[$0] ?? nil) }
                ),
                as: UTF8.self
            )
            try await connection.query(
                """
                UPDATE record SET venue_id = parent.venue_id
                FROM json_to_recordset(\(json)::json) AS parent(parent_id text, venue_id text)
                WHERE record.parent_id = parent.parent_id AND record.type = 'note'
                """,
                logger: logger
            )
        }
        for (_, move) in scopeMoves {
            try await connection.query(
                """
                UPDATE record SET scope_venue_id = \(move.to)
                WHERE scope_record_id = \(move.recordId.text) AND id <> \(move.recordId.text)
                """,
                logger: logger
            )
        }
        guard !newOperations.isEmpty else { return nil }
        // The cursor-safety step: from here to commit no other push can take positions.
        let count = Int64(newOperations.count)
        let counter = try await connection.query(
            "UPDATE operation_position SET last_seq = last_seq + \(count) WHERE id = 1 RETURNING last_seq",
            logger: logger
        ).collect()
        let locked = ContinuousClock.now
        let last = try counter.first?.decode(Int64.self) ?? 0
        let seqs = (0..<count).map { last - count + 1 + $0 }
        try await connection.query(
            """
            INSERT INTO operation (seq, op_id, record_id, device_id, author, hlc, kind, body, received_at,
                author_role)
            SELECT * FROM unnest(\(seqs), \(newOperations.map(\.opId)), \(newOperations.map(\.recordId)),
                \(newOperations.map(\.deviceId)), \(newOperations.map(\.author)), \(newOperations.map(\.hlc)),
                \(newOperations.map(\.kind)), \(newOperations.map(\.body)), \(newOperations.map(\.receivedAt)),
                \(newOperations.map(\.authorRole)))
            """,
            logger: logger
        )
        // Rare: one statement each.
        for (index, move) in scopeMoves {
            try await connection.query(
                """
                INSERT INTO scope_move (seq, record_id, from_venue_id, to_venue_id)
                VALUES (\(seqs[index]), \(move.recordId.text), \(move.from), \(move.to))
                """,
                logger: logger
            )
        }
        return locked
    }

    private struct RecordJSON: Encodable {
        var row: RecordRow

        enum CodingKeys: String, CodingKey {
            case id, type
            case venueId = "venue_id"
            case parentId = "parent_id"
            case occurredAt = "occurred_at"
            case createdOpId = "created_op_id"
            case redacted, state
            case scopeRecordId = "scope_record_id"
            case scopeVenueId = "scope_venue_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(row.id.text, forKey: .id)
            try container.encode(row.type.rawValue, forKey: .type)
            try container.encodeIfPresent(row.venueId, forKey: .venueId)
            try container.encodeIfPresent(row.parentId?.text, forKey: .parentId)
            try container.encode(row.occurredAt, forKey: .occurredAt)
            try container.encode(row.createdOpId.text, forKey: .createdOpId)
            try container.encode(row.redacted, forKey: .redacted)
            try container.encodeIfPresent(row.state, forKey: .state)
            try container.encode(row.scopeRecordId.text, forKey: .scopeRecordId)
            try container.encodeIfPresent(row.scopeVenueId, forKey: .scopeVenueId)
        }
    }

    private struct NoteVenueJSON: Encodable {
        var parentId: String
        var venueId: String?

        enum CodingKeys: String, CodingKey {
            case parentId = "parent_id"
            case venueId = "venue_id"
        }
    }
}
