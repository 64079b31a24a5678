import Foundation
import GRDB
import Logging
import Models
import SQLiteSupport
import Synchronization

/// The embedded central store: one SQLite file (GRDB, WAL, `synchronous = FULL`).
///
/// SQLite has one writer at a time, so positions (`seq`) commit in increasing order and pulls never skip.
///
/// A full disk is survived: every write that fails for lack of space throws `StoreUnavailable.diskFull`, pushes
/// stop while room is short, and the store opens read-only when there is not even room to open it for writing
/// (see `DiskRoom`, `DiskReserve`).
public final class SQLiteCentralStore: CentralStore {
    /// The database file's name inside the server's data directory.
    public static let fileName = "central.sqlite"

    /// The server's data directory.
    public let directory: URL
    /// How far ahead of the server's clock an operation may be stamped.
    public let clockTolerance: TimeInterval
    let room: DiskRoom
    let opened: Mutex<OpenedDatabase>

    /// The database as opened now: for reading, and for the writes of `write(_:_:)`.
    var database: DatabasePool { opened.withLock { $0.pool } }

    /// Opens (creating if needed) the store in `directory` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - diskReserveBytes: the size of the reserve file kept in `directory` for a full disk (`DiskReserve`);
    ///     0 keeps none, and pushes stop only when the disk is full.
    ///   - logger: where a full disk is reported.
    public init(
        directory: URL,
        clockTolerance: TimeInterval = 10 * 60,
        diskReserveBytes: Int64 = 0,
        logger: Logger = Logger(label: "empower.central", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.directory = directory
        self.clockTolerance = clockTolerance
        // 0700 and 0600 whatever the umask: the file is made 0600 before SQLite opens it, and SQLite gives the
        // -wal and -shm files it creates the main file's mode.
        try PrivateDataDirectory.prepare(directory)
        try PrivateDataDirectory.prepareDatabaseFile(directory.appendingPathComponent(Self.fileName))
        room = DiskRoom(
            directory: directory,
            reserve: DiskReserve(directory: directory, bytes: diskReserveBytes),
            logger: logger
        )
        opened = Mutex(try Self.open(directory: directory, room: room))
        room.start()
    }

    /// Opens the database for writing, with its schema brought up to date.
    static func openForWriting(_ directory: URL) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let database = try DatabasePool(
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
        return database
    }

    public func push(_ operations: [LogOperation], by caller: Caller, now: Date) async throws -> PushOutcome {
        let outcome = try await storePush(operations, by: caller, now: now)
        // A redaction is answered only once its content is gone from the files too: the pages that held it are
        // overwritten (secure_delete), and the copies of them that earlier commits left in the write-ahead log
        // are cleared by a TRUNCATE checkpoint. Only pushes with an accepted redaction pay for it (a repeated
        // push of one pays again, which is how a checkpoint kept from completing by readers is retried).
        let accepted = Set(outcome.accepted)
        if operations.contains(where: { $0.kind == .redact && accepted.contains($0.opId) }) {
            let checkpoint = try await mappingDiskFull { [database] in
                try await RedactionCheckpoint.truncateLog(of: database, attempts: 2)
            }
            guard checkpoint.completed else { throw RedactionNotSettled() }
        }
        return outcome
    }

    private func storePush(_ operations: [LogOperation], by caller: Caller, now: Date) async throws -> PushOutcome {
        try await write(.push) { db in
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
            arguments: [RecordTable.idList(opIds)]
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
                arguments: [RecordTable.idList(recordIds)]
            ).compactMap(UUID.init(text:))
        )
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
            .text(receivedAt),
            .text(caller.role.rawValue)
        )
        let seq = db.lastInsertedRowID
        if let merged = admitted.merged {
            let (_, move) = try RecordTable.write(
                merged,
                isNew: existing.isEmpty,
                upsert: statements.upsertRecord,
                encoder: statements.encoder,
                db: db
            )
            if let move {
                try db.cachedStatement(
                    sql: "INSERT INTO scopeMove (seq, recordId, fromVenueId, toVenueId) VALUES (?, ?, ?, ?)"
                ).execute(arguments: [seq, move.recordId.text, move.from, move.to])
            }
            try DashboardFactTable.write(merged, db: db)
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

    public func pull(
        after cursor: Int64,
        limit: Int,
        maxBytes: Int,
        omittingOwn: Bool,
        for caller: Caller,
        now: Date
    ) async throws -> PullPage {
        try await write { db in
            let page = try Self.page(
                after: cursor,
                limit: limit,
                maxBytes: maxBytes,
                omittingOwn: omittingOwn,
                for: caller,
                db: db
            )
            try Self.appendAudit(PullAssembly.auditEntry(of: page, by: caller, now: now), db: db)
            return page
        }
    }

    /// Reads the operations after the cursor that a page may need and lets `PullAssembly` decide the page.
    private static func page(
        after cursor: Int64,
        limit: Int,
        maxBytes: Int,
        omittingOwn: Bool,
        for caller: Caller,
        db: Database
    ) throws -> PullPage {
        switch caller.role {
        case .admin:
            return PullPage(operations: [], cursor: cursor, hasMore: false)
        case .officer where omittingOwn, .supervisor where omittingOwn:
            let (examined, more) = PullAssembly.omittingOwn(
                try ownOmittingRows(after: cursor, limit: limit, deviceId: caller.deviceId, db: db),
                limit: limit
            )
            return try PullAssembly.page(
                examined,
                more: more,
                after: cursor,
                limit: limit,
                maxBytes: maxBytes,
                for: caller
            )
        case .officer, .supervisor:
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT seq, hlc, recordId, body FROM operation WHERE seq > ? ORDER BY seq LIMIT ?"
                ),
                arguments: [cursor, limit + 1]
            )
            let examined = try rows.prefix(limit).map {
                ExaminedOperation(
                    seq: $0["seq"],
                    hlc: HLCTimestamp(rawValue: $0["hlc"]),
                    recordId: try ExaminedOperation.recordId($0["recordId"]),
                    body: Data(($0["body"] as String).utf8),
                    inScope: true
                )
            }
            return try PullAssembly.page(
                examined,
                more: rows.count > limit,
                after: cursor,
                limit: limit,
                maxBytes: maxBytes,
                for: caller
            )
        case .venueStaff:
            // Every operation after the cursor is examined in order, the visible ones kept; the cursor moves
            // past the examined ones, so operations of other venues are never looked at twice.
            let venues = caller.venueIds.sorted()
            let placeholders = venues.map { _ in "?" }.joined(separator: ", ")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT operation.seq, operation.hlc, operation.recordId, operation.body, operation.authorRole,
                        record.scopeVenueId IN (\(placeholders)) AS visible, record.type AS recordType,
                        (SELECT creator.authorRole FROM operation AS creator
                            WHERE creator.opId = record.createdOpId) AS recordAuthorRole,
                        scopeMove.recordId AS movedRecordId, scopeMove.fromVenueId, scopeMove.toVenueId
                    FROM operation LEFT JOIN record ON record.id = operation.recordId
                        LEFT JOIN scopeMove ON scopeMove.seq = operation.seq
                    WHERE operation.seq > ? ORDER BY operation.seq LIMIT ?
                    """,
                arguments: StatementArguments(venues) + [cursor, PullAssembly.maxExamined + 1]
            )
            let examined = try rows.prefix(PullAssembly.maxExamined).map { row in
                var operation = try examinedOperation(row, inScope: row["visible"] as Bool? == true)
                if let recordText = row["movedRecordId"] as String?, let recordId = UUID(text: recordText) {
                    switch ScopeMove(recordId: recordId, from: row["fromVenueId"], to: row["toVenueId"])
                        .effect(for: caller)
                    {
                    case .leaves:
                        let held = try scopedOperations(of: recordId, upTo: cursor, db: db)
                        if operation.inScope || !held.isEmpty {
                            operation.leaving = try scopedRecordIds(of: recordId, db: db)
                        }
                    case .enters:
                        operation.entering = try scopedOperations(
                            of: recordId,
                            upTo: min(cursor, operation.seq),
                            db: db
                        )
                    case .none: break
                    }
                }
                return operation
            }
            return try PullAssembly.page(
                examined,
                more: rows.count > PullAssembly.maxExamined,
                after: cursor,
                limit: limit,
                maxBytes: maxBytes,
                for: caller
            )
        }
    }

    /// The rows after the cursor for `PullAssembly.omittingOwn`, read one at a time and no further than the row
    /// after the `limit`-th that is not this device's; the device's own are read without their body.
    private static func ownOmittingRows(
        after cursor: Int64,
        limit: Int,
        deviceId: String,
        db: Database
    ) throws -> [ExaminedOperation] {
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT seq, hlc, recordId, deviceId = ?1 AS own,
                        CASE WHEN deviceId = ?1 THEN NULL ELSE body END AS body
                    FROM operation WHERE seq > ?2 ORDER BY seq LIMIT ?3
                    """
            ),
            arguments: [deviceId, cursor, PullAssembly.maxExamined + 1]
        )
        var read: [ExaminedOperation] = []
        var others = 0
        while let row = try rows.next() {
            let own: Bool = row["own"]
            read.append(
                ExaminedOperation(
                    seq: row["seq"],
                    hlc: HLCTimestamp(rawValue: row["hlc"]),
                    recordId: try ExaminedOperation.recordId(row["recordId"]),
                    body: own ? Data() : Data((row["body"] as String).utf8),
                    inScope: !own
                )
            )
            if !own {
                others += 1
                if others > limit { break }
            }
        }
        return read
    }

    private static func examinedOperation(_ row: Row, inScope: Bool) throws -> ExaminedOperation {
        ExaminedOperation(
            seq: row["seq"],
            hlc: HLCTimestamp(rawValue: row["hlc"]),
            recordId: try ExaminedOperation.recordId(row["recordId"]),
            body: Data((row["body"] as String).utf8),
            inScope: inScope,
            authorRole: (row["authorRole"] as String?).flatMap(Role.init(rawValue:)),
            origin: (row["recordType"] as String?).flatMap(RecordType.init(rawValue:)).map {
                AccessProjection.RecordOrigin(
                    type: $0,
                    authorRole: (row["recordAuthorRole"] as String?).flatMap(Role.init(rawValue:))
                )
            }
        )
    }

    /// The records that take their scope from this one, itself included.
    private static func scopedRecordIds(of recordId: UUID, db: Database) throws -> [UUID] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM record WHERE scopeRecordId = ? ORDER BY id"),
            arguments: [recordId.text]
        ).compactMap(UUID.init(text:))
    }

    /// Every operation up to a position of the records that take their scope from this one.
    private static func scopedOperations(
        of recordId: UUID,
        upTo seq: Int64,
        db: Database
    ) throws
        -> [ExaminedOperation]
    {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT operation.seq, operation.hlc, operation.recordId, operation.body, operation.authorRole,
                        record.type AS recordType,
                        (SELECT creator.authorRole FROM operation AS creator
                            WHERE creator.opId = record.createdOpId) AS recordAuthorRole
                    FROM record JOIN operation ON operation.recordId = record.id
                    WHERE record.scopeRecordId = ? AND operation.seq <= ? ORDER BY operation.seq
                    """
            ),
            arguments: [recordId.text, seq]
        ).map { try examinedOperation($0, inScope: true) }
    }

    public func venues() async throws -> [Venue] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM venue ORDER BY id")
                .map { try WireCoding.decode(Venue.self, from: Data($0.utf8)) }
        }
    }

    public func venueIds() async throws -> Set<String> {
        try await database.read { db in Set(try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM venue"))) }
    }

    public func saveVenue(_ venue: Venue, by caller: Caller, now: Date) async throws {
        let body = String(decoding: try WireCoding.encode(venue), as: UTF8.self)
        try await write { db in
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

    public func operations(ofRecords recordIds: [UUID]) async throws -> [UUID: [AuthoredOperation]] {
        guard !recordIds.isEmpty else { return [:] }
        return try await database.read { db in
            var operations: [UUID: [AuthoredOperation]] = [:]
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT body, authorRole FROM operation
                        WHERE recordId IN (SELECT value FROM json_each(?)) ORDER BY seq
                        """
                ),
                arguments: [RecordTable.idList(recordIds)]
            )
            while let row = try rows.next() {
                let operation = try WireCoding.decodeOperation(Data((row["body"] as String).utf8))
                operations[operation.recordId, default: []].append(
                    AuthoredOperation(
                        operation: operation,
                        authorRole: (row["authorRole"] as String?).flatMap(Role.init(rawValue:))
                    )
                )
            }
            return operations
        }
    }

    public func operationCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM operation") ?? 0 }
    }

    private static func state(of recordId: UUID, db: Database) throws -> RecordState? {
        try states(db, where: "WHERE id = ?", arguments: [recordId.text]).first
    }

    private static func states(
        _ db: Database,
        where whereClause: String,
        orderedBy order: String? = nil,
        arguments: StatementArguments
    ) throws -> [RecordState] {
        try RecordTable.states(db, where: whereClause, orderedBy: order, arguments: arguments)
    }

    /// Every stored operation of one record.
    private static func storedOperations(of recordId: UUID, db: Database) throws -> [LogOperation] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT body FROM operation WHERE recordId = ?"),
            arguments: [recordId.text]
        ).map { try WireCoding.decodeOperation(Data($0.utf8)) }
    }
}

/// The statements run once per pushed operation, prepared once per push (see `PreparedStatement`).
private struct IntakeStatements {
    let insertOperation: PreparedStatement
    let upsertRecord: PreparedStatement
    let encoder = WireCoding.makeEncoder()

    init(_ db: Database) throws {
        insertOperation = try PreparedStatement(
            """
            INSERT INTO operation (opId, recordId, deviceId, author, hlc, kind, body, receivedAt, authorRole)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            in: db
        )
        upsertRecord = try RecordTable.prepareUpsert(db)
    }
}
