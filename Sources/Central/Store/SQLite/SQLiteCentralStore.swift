import Foundation
import GRDB
import Models
import SQLiteSupport

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
        // 0700 and 0600 whatever the umask: the file is made 0600 before SQLite opens it, and SQLite gives the
        // -wal and -shm files it creates the main file's mode.
        try PrivateDataDirectory.prepare(directory)
        try PrivateDataDirectory.prepareDatabaseFile(directory.appendingPathComponent(Self.fileName))
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        database = try DatabasePool(
            path: directory.appendingPathComponent(Self.fileName).path,
            configuration: configuration
        )
        // WAL with FULL: a push is answered only after its operations would survive a power cut.
        // secure_delete overwrites freed content, so redacted content does not linger in free pages. A larger
        // checkpoint interval (32 MB of WAL) makes the fsync-heavy checkpoints rarer on the push path. The writer
        // keeps 64 MB of pages (SQLite's default is 2 MB): the indexes on random ids that every push looks up and
        // extends stay in memory instead of being read back from the file.
        try database.writeWithoutTransaction {
            try $0.execute(
                sql: """
                    PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA wal_autocheckpoint = 8192;
                    PRAGMA cache_size = -65536
                    """
            )
        }
        try CentralSchema.migrator.migrate(database)
    }

    public func push(_ operations: [LogOperation], by caller: Caller, now: Date) async throws -> PushOutcome {
        let outcome = try await storePush(operations, by: caller, now: now)
        // A redaction is answered only once its content is gone from the files too: the pages that held it are
        // overwritten (secure_delete), and the copies of them that earlier commits left in the write-ahead log
        // are cleared by a TRUNCATE checkpoint. Only pushes with an accepted redaction pay for it (a repeated
        // push of one pays again, which is how a checkpoint kept from completing by readers is retried).
        let accepted = Set(outcome.accepted)
        if operations.contains(where: { $0.kind == .redact && accepted.contains($0.opId) }) {
            guard try await RedactionCheckpoint.truncateLog(of: database, attempts: 2).completed else {
                throw RedactionNotSettled()
            }
        }
        return outcome
    }

    private func storePush(_ operations: [LogOperation], by caller: Caller, now: Date) async throws -> PushOutcome {
        try await database.write { db in
            var outcome = PushOutcome()
            var stored: [LogOperation] = []
            let receivedAt = WireCoding.formatDate(now)
            // Looked up once for the whole push rather than once per operation: the operations already stored
            // (a push repeated after a lost answer), and the records that have any operation stored.
            var storedBodies = try Self.storedBodies(of: operations.map(\.opId), db: db)
            var recordsWithOperations = try Self.recordsWithOperations(among: operations.map(\.recordId), db: db)
            let statements = try IntakeStatements(db)
            for operation in operations {
                do {
                    if let stored = storedBodies[operation.opId] {
                        guard OperationIntake.isSame(operation, asStored: stored) else {
                            throw ValidationError.opIdReused
                        }
                    } else {
                        storedBodies[operation.opId] = try Self.admit(
                            operation,
                            by: caller,
                            now: now,
                            receivedAt: receivedAt,
                            clockTolerance: clockTolerance,
                            recordIsStored: recordsWithOperations.contains(operation.recordId),
                            statements: statements,
                            db: db
                        )
                        recordsWithOperations.insert(operation.recordId)
                        outcome.latestClock = max(outcome.latestClock, operation.hlc)
                        stored.append(operation)
                    }
                    outcome.accepted.append(operation.opId)
                } catch let error as ValidationError {
                    outcome.rejected.append(
                        RejectedOperation(opId: operation.opId, code: error.code, message: error.message)
                    )
                }
            }
            try Self.audit(pushed: stored, by: caller, now: now, db: db)
            return outcome
        }
    }

    /// The stored JSON of those of these operations that are stored.
    private static func storedBodies(of opIds: [UUID], db: Database) throws -> [UUID: Data] {
        var bodies: [UUID: Data] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT opId, body FROM operation WHERE opId IN (SELECT value FROM json_each(?))"),
            arguments: [jsonArray(of: opIds)]
        )
        while let row = try rows.next() {
            guard let opId = UUID(text: row["opId"] as String) else { continue }
            bodies[opId] = Data((row["body"] as String).utf8)
        }
        return bodies
    }

    /// Those of these records that have an operation stored (a record is stored only with one).
    private static func recordsWithOperations(among recordIds: [UUID], db: Database) throws -> Set<UUID> {
        Set(
            try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT DISTINCT recordId FROM operation
                        WHERE recordId IN (SELECT value FROM json_each(?))
                        """
                ),
                arguments: [jsonArray(of: recordIds)]
            ).compactMap(UUID.init(text:))
        )
    }

    /// Ids as a JSON array of strings, for `json_each` (their text needs no escaping).
    private static func jsonArray(of ids: [UUID]) -> String {
        "[" + ids.map { "\"\($0.text)\"" }.joined(separator: ",") + "]"
    }

    /// The audit entries of a push (see `OperationIntake.auditEntries`).
    private static func audit(pushed operations: [LogOperation], by caller: Caller, now: Date, db: Database) throws {
        for entry in OperationIntake.auditEntries(pushed: operations, by: caller, now: now) {
            try appendAudit(entry, db: db)
        }
    }

    /// Checks one new operation against the stored records (`OperationIntake.admit`: everything is decided
    /// before anything is written), stores it and re-merges its record. A redaction removes the content of
    /// every operation before it.
    /// - Parameter recordIsStored: whether the record has an operation stored (if not, nothing of it is read).
    /// - Returns: the operation's JSON as stored.
    private static func admit(
        _ operation: LogOperation,
        by caller: Caller,
        now: Date,
        receivedAt: String,
        clockTolerance: TimeInterval,
        recordIsStored: Bool,
        statements: IntakeStatements,
        db: Database
    ) throws -> Data {
        let existing = recordIsStored ? try storedOperations(of: operation.recordId, db: db) : []
        let admitted = try OperationIntake.admit(
            operation,
            by: caller,
            now: now,
            clockTolerance: clockTolerance,
            existing: existing,
            scope: { recordId in
                // A record is stored only with an operation of its own: none stored, no scope to look up.
                if recordId == operation.recordId && existing.isEmpty { return nil }
                return try String.fetchOne(
                    db.cachedStatement(sql: "SELECT scopeVenueId FROM record WHERE id = ?"),
                    arguments: [recordId.text]
                )
            },
            state: { try state(of: $0, db: db) }
        )
        let stored = admitted.stored
        let body = WireCoding.encodeOperation(stored)
        try statements.insertOperation.execute(
            .id(stored.opId),
            .id(stored.recordId),
            .text(stored.deviceId),
            .text(stored.author),
            .integer(stored.hlc.rawValue),
            .text(stored.kind.rawValue),
            .text(String(decoding: body, as: UTF8.self)),
            .text(receivedAt)
        )
        if let merged = admitted.merged {
            try write(merged, isNew: existing.isEmpty, upsert: statements.upsertRecord, db: db)
        }
        if case .redact = operation.payload { try removeContent(of: operation.recordId, db: db) }
        return body
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

    public func pull(after cursor: Int64, limit: Int, for caller: Caller, now: Date) async throws -> PullPage {
        try await database.write { db in
            let page = try Self.page(after: cursor, limit: limit, for: caller, db: db)
            try Self.appendAudit(OperationIntake.auditEntry(pulled: page, by: caller, now: now), db: db)
            return page
        }
    }

    private static func page(after cursor: Int64, limit: Int, for caller: Caller, db: Database) throws -> PullPage {
        switch caller.role {
        case .admin:
            return PullPage(operations: [], cursor: cursor, hasMore: false)
        case .officer, .supervisor:
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT seq, hlc, body FROM operation WHERE seq > ? ORDER BY seq LIMIT ?"),
                arguments: [cursor, limit + 1]
            )
            let operations = rows.prefix(limit).map(storedOperation)
            return PullPage(operations: operations, cursor: operations.last?.seq ?? cursor, hasMore: rows.count > limit)
        case .venueStaff:
            // Every operation after the cursor is examined in order, the visible ones kept; the cursor moves
            // past the examined ones, so operations of other venues are never looked at twice.
            let venues = caller.venueIds.sorted()
            let placeholders = venues.map { _ in "?" }.joined(separator: ", ")
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT operation.seq, operation.hlc, operation.body,
                        record.scopeVenueId IN (\(placeholders)) AS visible
                    FROM operation LEFT JOIN record ON record.id = operation.recordId
                    WHERE operation.seq > ? ORDER BY operation.seq LIMIT ?
                    """,
                arguments: StatementArguments(venues) + [cursor, OperationIntake.maxExaminedPerPull + 1]
            )
            var operations: [StoredOperation] = []
            var examined = 0
            var last = cursor
            var hasMore = false
            while let row = try rows.next() {
                if examined == OperationIntake.maxExaminedPerPull || operations.count == limit {
                    hasMore = true
                    break
                }
                examined += 1
                last = row["seq"]
                if row["visible"] as Bool? == true { operations.append(storedOperation(row)) }
            }
            return PullPage(operations: operations, cursor: last, hasMore: hasMore)
        }
    }

    private static func storedOperation(_ row: Row) -> StoredOperation {
        StoredOperation(
            seq: row["seq"],
            hlc: HLCTimestamp(rawValue: row["hlc"]),
            encoded: Data((row["body"] as String).utf8)
        )
    }

    public func venues() async throws -> [Venue] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM venue ORDER BY id")
                .map { try WireCoding.decode(Venue.self, from: Data($0.utf8)) }
        }
    }

    public func saveVenue(_ venue: Venue, by caller: Caller, now: Date) async throws {
        let body = String(decoding: try WireCoding.encode(venue), as: UTF8.self)
        try await database.write { db in
            try Self.appendAudit(AuditEntry(at: now, caller: caller, action: .venueSaved, subject: venue.id), db: db)
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
            if let venueIds = filter.scopeVenueIds {
                conditions.append("scopeVenueId IN (\(venueIds.map { _ in "?" }.joined(separator: ", ")))")
                arguments.append(contentsOf: venueIds.sorted())
            }
            if let recordId = filter.recordId {
                conditions.append("id = ?")
                arguments.append(recordId.text)
            }
            if let since = filter.since {
                conditions.append("occurredAt >= ?")
                arguments.append(since.millisecondsSince1970)
            }
            if let until = filter.until {
                conditions.append("occurredAt < ?")
                arguments.append(until.millisecondsSince1970)
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
            ).filter(filter.matchesContent)
        }
    }

    public func record(id: UUID) async throws -> RecordState? {
        try await database.read { db in try Self.state(of: id, db: db) }
    }

    public func operationCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM operation") ?? 0 }
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
    /// can change). A new record has no notes yet (a note is admitted only about a stored record).
    private static func write(_ state: RecordState, isNew: Bool, upsert: PreparedStatement, db: Database) throws {
        let recordId = state.id
        var venueId = state.current.location?.venueId
        if case .note = state.current, let parentId = state.parentId {
            venueId = try String.fetchOne(
                db.cachedStatement(sql: "SELECT venueId FROM record WHERE id = ?"),
                arguments: [parentId.text]
            )
        }
        // Set once, at the create: a note's scope is its record's.
        let scopeVenueId =
            state.type == .note
            ? try String.fetchOne(
                db.cachedStatement(sql: "SELECT scopeVenueId FROM record WHERE id = ?"),
                arguments: [state.parentId?.text]
            ) : state.original.location?.venueId
        try upsert.execute(
            .id(recordId),
            .text(state.type.rawValue),
            .text(venueId),
            .id(state.parentId),
            .integer(state.current.occurredAt.millisecondsSince1970),
            .id(state.created.opId),
            .integer(state.redaction == nil ? 0 : 1),
            .text(state.isPlainCreate ? nil : String(decoding: try WireCoding.encode(state), as: UTF8.self)),
            .text(scopeVenueId)
        )
        if state.type != .note && !isNew {
            try db.cachedStatement(sql: "UPDATE record SET venueId = ? WHERE parentId = ? AND type = 'note'")
                .execute(arguments: [venueId, recordId.text])
        }
    }
}

/// The statements run once per pushed operation, prepared once per push (see `PreparedStatement`).
private struct IntakeStatements {
    let insertOperation: PreparedStatement
    let upsertRecord: PreparedStatement

    init(_ db: Database) throws {
        insertOperation = try PreparedStatement(
            """
            INSERT INTO operation (opId, recordId, deviceId, author, hlc, kind, body, receivedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            in: db
        )
        upsertRecord = try PreparedStatement(
            """
            INSERT INTO record (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state, scopeVenueId)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                venueId = excluded.venueId, parentId = excluded.parentId,
                occurredAt = excluded.occurredAt, createdOpId = excluded.createdOpId,
                redacted = excluded.redacted, state = excluded.state
            """,
            in: db
        )
    }
}
