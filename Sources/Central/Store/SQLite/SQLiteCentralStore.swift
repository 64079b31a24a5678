import Foundation
import GRDB
import Models

/// The embedded central store: one SQLite file (GRDB, WAL, `synchronous = FULL`).
///
/// SQLite has one writer at a time, so positions (`seq`) commit in increasing order and pulls never skip.
public final class SQLiteCentralStore: CentralStore {
    /// The database file's name inside the server's data directory.
    public static let fileName = "central.sqlite"

    let database: DatabasePool

    /// Opens (creating if needed) the store in `directory` and brings its schema up to date.
    /// How far ahead of the server's clock an operation may be stamped.
    public let clockTolerance: TimeInterval

    public init(directory: URL, clockTolerance: TimeInterval = 10 * 60) throws {
        self.clockTolerance = clockTolerance
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        database = try DatabasePool(
            path: directory.appendingPathComponent(Self.fileName).path,
            configuration: configuration
        )
        // WAL with FULL: a push is answered only after its operations would survive a power cut.
        // secure_delete overwrites freed content, so redacted content does not linger in free pages. A larger
        // checkpoint interval (32 MB of WAL) makes the fsync-heavy checkpoints rarer on the push path.
        try database.writeWithoutTransaction {
            try $0.execute(
                sql: "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA wal_autocheckpoint = 8192"
            )
        }
        try CentralSchema.migrator.migrate(database)
    }

    public func push(_ operations: [LogOperation], now: Date) async throws -> PushOutcome {
        try await database.write { db in
            var outcome = PushOutcome()
            for operation in operations {
                do {
                    if let stored = try Self.storedBody(of: operation.opId, db: db) {
                        // The idempotency key only holds if it names the same operation (kept without its
                        // content if its record was redacted since).
                        guard
                            stored == WireCoding.encodeOperation(operation)
                                || stored == WireCoding.encodeOperation(operation.withoutContent)
                        else {
                            throw ValidationError.opIdReused
                        }
                    } else {
                        try Self.admit(operation, now: now, clockTolerance: clockTolerance, db: db)
                        outcome.latestClock = max(outcome.latestClock, operation.hlc)
                    }
                    outcome.accepted.append(operation.opId)
                } catch let error as ValidationError {
                    outcome.rejected.append(
                        RejectedOperation(opId: operation.opId, code: error.code, message: error.message)
                    )
                }
            }
            return outcome
        }
    }

    /// Checks one new operation against the stored records, stores it and re-merges its record.
    ///
    /// Everything is decided before anything is written, so a refused operation leaves nothing behind. An
    /// operation on a redacted record is kept without its content; a redaction removes the content of every
    /// operation before it.
    private static func admit(_ operation: LogOperation, now: Date, clockTolerance: TimeInterval, db: Database) throws {
        let existing = try storedOperations(of: operation.recordId, db: db)
        let target = RecordFold.fold(existing)
        let referenced = try OperationAdmission.referencedRecordId(of: operation).flatMap { try state(of: $0, db: db) }
        try OperationAdmission.check(
            operation,
            target: target,
            referenced: referenced,
            now: now,
            clockTolerance: clockTolerance
        )
        let stored = target?.redaction != nil ? operation.withoutContent : operation
        let merged = RecordFold.fold(existing + [stored])
        if case .amend = stored.payload,
            let entry = merged?.amendments.first(where: { $0.stamp.opId == operation.opId }),
            case .refused(let code, let message) = entry.standing
        {
            throw ValidationError(code: code, message: message)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO operation (opId, recordId, deviceId, author, hlc, kind, body, receivedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            stored.opId.text, stored.recordId.text, stored.deviceId, stored.author,
            stored.hlc.rawValue, stored.kind.rawValue,
            String(decoding: WireCoding.encodeOperation(stored), as: UTF8.self),
            WireCoding.formatDate(now),
        ])
        if let merged { try write(merged, db: db) }
        if case .redact = operation.payload { try removeContent(of: operation.recordId, db: db) }
    }

    /// Rewrites every stored operation of a redacted record without its content.
    private static func removeContent(of recordId: UUID, db: Database) throws {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT opId, body FROM operation
                WHERE recordId = ? AND kind IN ('create-sighting', 'create-intervention', 'create-note', 'amend')
                """,
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

    public func pull(after cursor: Int64, limit: Int) async throws -> PullPage {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT seq, hlc, body FROM operation WHERE seq > ? ORDER BY seq LIMIT ?"),
                arguments: [cursor, limit + 1]
            )
            let operations = rows.prefix(limit).map { row in
                StoredOperation(
                    seq: row["seq"],
                    hlc: HLCTimestamp(rawValue: row["hlc"]),
                    encoded: Data((row["body"] as String).utf8)
                )
            }
            return PullPage(operations: operations, hasMore: rows.count > limit)
        }
    }

    public func venues() async throws -> [Venue] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM venue ORDER BY id")
                .map { try WireCoding.decode(Venue.self, from: Data($0.utf8)) }
        }
    }

    public func saveVenue(_ venue: Venue) async throws {
        let body = String(decoding: try WireCoding.encode(venue), as: UTF8.self)
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO venue (id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                arguments: [venue.id, body]
            )
        }
    }

    public func records(matching filter: RecordFilter) async throws -> [RecordState] {
        try await database.read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let venueId = filter.venueId {
                conditions.append("venueId = ?")
                arguments.append(venueId)
            }
            if let since = filter.since {
                conditions.append("occurredAt >= ?")
                arguments.append(since.millisecondsSince1970)
            }
            if let types = filter.types {
                conditions.append("type IN (\(types.map { _ in "?" }.joined(separator: ", ")))")
                arguments.append(contentsOf: types.map(\.rawValue))
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Self.states(
                db,
                where: whereClause,
                orderedBy: "occurredAt, id",
                arguments: StatementArguments(arguments)
            )
        }
    }

    public func record(id: UUID) async throws -> RecordState? {
        try await database.read { db in try Self.state(of: id, db: db) }
    }

    public func operationCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM operation") ?? 0 }
    }

    private static func storedBody(of opId: UUID, db: Database) throws -> Data? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT body FROM operation WHERE opId = ?"),
            arguments: [opId.text]
        ).map { Data($0.utf8) }
    }

    private static func state(of recordId: UUID, db: Database) throws -> RecordState? {
        try states(db, where: "WHERE id = ?", arguments: [recordId.text]).first
    }

    /// Merged records read back as stored (see `RecordState.fromStorage`).
    private static func states(
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

    /// Every stored operation of one record.
    private static func storedOperations(of recordId: UUID, db: Database) throws -> [LogOperation] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT body FROM operation WHERE recordId = ?"),
            arguments: [recordId.text]
        ).map { try WireCoding.decodeOperation(Data($0.utf8)) }
    }

    /// Stores a record's merged row; notes about the record follow its venue (which only an amendment
    /// can change).
    private static func write(_ state: RecordState, db: Database) throws {
        let recordId = state.id
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
            state.isPlainCreate ? nil : String(decoding: try WireCoding.encode(state), as: UTF8.self),
        ])
        if state.type != .note {
            try db.cachedStatement(sql: "UPDATE record SET venueId = ? WHERE parentId = ? AND type = 'note'")
                .execute(arguments: [venueId, recordId.text])
        }
    }
}
