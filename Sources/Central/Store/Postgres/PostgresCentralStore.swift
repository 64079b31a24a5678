import Crypto
import Foundation
import Logging
import Models
import PostgresNIO

/// The central store on PostgreSQL (PostgresNIO's connection pool), for several stateless server instances on
/// one database. It keeps the guarantees of `SQLiteCentralStore`: the same admission and permission rules
/// (`OperationIntake`), operations stored once by `opId`, redaction stripping content, a record's scope venue
/// set once at its create, scoped pulls, and the same audit log (an RFC 9162 Merkle tree, `AuditSealer`).
///
/// ## Cursor safety
///
/// A pull returns the operations after a cursor in position (`seq`) order and the device moves its cursor past
/// them, so a pull must never see position `n` while an operation with a smaller position can still commit.
/// A PostgreSQL sequence would allow exactly that: values are handed out when asked for, but the transactions
/// holding them commit in any order.
///
/// Here a push takes its positions from the single row of `operation_position`
/// (`UPDATE … SET last_seq = last_seq + n RETURNING last_seq`) as its last step before writing the operations
/// and committing. The row lock that the update takes lasts until the transaction ends, so no other push can
/// take positions until this one has committed (or rolled back, which also rolls the counter back). Positions
/// are therefore handed out in commit order: when a pull's snapshot shows an operation at position `n`, every
/// transaction that took a smaller position had already committed when it released the row, before `n` was
/// handed out, so the snapshot shows it too; and anything still in flight will get a position above `n`. This
/// holds for any number of server instances, because the lock lives in the database. The lock is held only for
/// the few statements that write a push, after its admission was decided under per-record locks, so pushes of
/// different records still do most of their work in parallel.
///
/// Pushes lock the records they touch (transaction-level advisory locks, taken in one sorted order, so two pushes
/// cannot deadlock), then the position row. Pulls and account changes hold no shared row; audit entries touch
/// none either (the sealer gives them their leaves later, `AuditSealer`). See docs/postgres-cursor-safety.md.
public final class PostgresCentralStore: CentralStore {
    let client: PostgresClient
    let logger: Logger
    /// How far ahead of the server's clock an operation may be stamped.
    public let clockTolerance: TimeInterval
    let resources: PostgresResourceWatch
    /// How long each push held the position row (from taking it to commit), when asked for (benchmarks).
    public let positionLockHolds: LockHoldRecorder?

    private init(
        client: PostgresClient,
        logger: Logger,
        clockTolerance: TimeInterval,
        resources: PostgresResourceWatch,
        positionLockHolds: LockHoldRecorder?
    ) {
        self.client = client
        self.logger = logger
        self.clockTolerance = clockTolerance
        self.resources = resources
        self.positionLockHolds = positionLockHolds
    }

    /// Connects to the database, brings its schema up to date and runs `body` with the store.
    ///
    /// The connection pool (`PostgresClient`) runs as a service (`PostgresPool`) from before the first lease
    /// until `body` has returned or thrown, and is then shut down gracefully.
    /// - Parameters:
    ///   - logger: the database driver's logger.
    ///   - eventLogger: where the database's disk filling up and having room again are said (default: `logger`).
    ///   - recordingLockHolds: keep how long each push holds the position row (`positionLockHolds`).
    public static func withStore<Result>(
        url: PostgresDatabaseURL,
        clockTolerance: TimeInterval = 10 * 60,
        maximumConnections: Int = 20,
        logger: Logger = Logger(label: "empower.postgres", factory: { _ in SwiftLogNoOpLogHandler() }),
        eventLogger: Logger? = nil,
        recordingLockHolds: Bool = false,
        _ body: (PostgresCentralStore) async throws -> Result
    ) async throws -> Result {
        try await checkConnection(url, logger: logger)
        let pool = PostgresPool(
            client: PostgresClient(
                configuration: url.clientConfiguration(maximumConnections: maximumConnections),
                backgroundLogger: logger
            )
        )
        return try await pool.withRunning(logger: logger) {
            let client = pool.client
            try await PostgresSchema.migrate(client, logger: logger)
            let store = PostgresCentralStore(
                client: client,
                logger: logger,
                clockTolerance: clockTolerance,
                resources: PostgresResourceWatch(location: url.description, logger: eventLogger ?? logger),
                positionLockHolds: recordingLockHolds ? LockHoldRecorder() : nil
            )
            try await store.backfillDashboardFacts()
            return try await body(store)
        }
    }

    /// Why the store could not start.
    public struct ConnectionError: Error, CustomStringConvertible {
        public var description: String
    }

    /// One connection made and closed before the pool starts, so a wrong URL, password or database fails at
    /// once with the server's reason rather than leaving requests waiting for a pool that cannot connect.
    private static func checkConnection(_ url: PostgresDatabaseURL, logger: Logger) async throws {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try url.connectionConfiguration(),
                id: 0,
                logger: logger
            )
            try await connection.close()
        } catch let error as PSQLError {
            let reason = error.serverInfo?[.message] ?? error.underlying.map { "\($0)" } ?? "\(error.code)"
            throw ConnectionError(description: "PostgreSQL at \(url) cannot be used: \(reason).")
        }
    }

    // MARK: - Transactions

    /// Runs `body` in one transaction (READ COMMITTED) on a pooled connection, committing if it returns and
    /// rolling back if it throws. A transaction that lost a race the database detected (deadlock,
    /// serialization failure, or a unique key another transaction took first) runs again from the start, so
    /// the second of two racing requests sees the first one's result, as it would have on SQLite. One that
    /// ran short of resources (a full disk, SQLSTATE class 53) throws `StoreUnavailable`.
    func transaction<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        var attempt = 1
        while true {
            do {
                let result = try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let result = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return result
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
                return result
            } catch let error as PSQLError where attempt < 8 && Self.isRetryable(error) {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            } catch let error as PSQLError {
                if let unavailable = resources.unavailable(error) { throw unavailable }
                throw error
            }
        }
    }

    private static func isRetryable(_ error: PSQLError) -> Bool {
        // serialization_failure, deadlock_detected, unique_violation
        ["40001", "40P01", "23505"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    // MARK: - Push

    public func push(_ operations: [LogOperation], by caller: Caller, now: Date) async throws -> PushOutcome {
        guard !operations.isEmpty else { return PushOutcome() }
        let clockTolerance = clockTolerance
        let (outcome, locked) = try await transaction { connection in
            let work = try await PushWorkingSet.load(for: operations, on: connection, logger: logger)
            var outcome = PushOutcome()
            var stored: [LogOperation] = []
            let receivedAt = WireCoding.formatDate(now)
            for operation in operations {
                do {
                    if let body = work.body(of: operation.opId) {
                        guard OperationIntake.isSame(operation, asStored: Data(body.utf8)) else {
                            throw ValidationError.opIdReused
                        }
                    } else {
                        let admitted = try OperationIntake.admit(
                            operation,
                            by: caller,
                            now: now,
                            clockTolerance: clockTolerance,
                            existing: try work.operations(of: operation.recordId),
                            scope: { try work.scopeVenueId(of: $0) },
                            state: { try work.state(of: $0) }
                        )
                        work.insert(admitted.stored, authorRole: caller.role, receivedAt: receivedAt)
                        if let merged = admitted.merged { try work.write(merged) }
                        if case .redact = operation.payload { try work.removeContent(of: operation.recordId) }
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
            let locked = try await work.save(on: connection, logger: logger)
            try await Self.appendAudit(
                OperationIntake.auditEntries(pushed: stored, by: caller, now: now),
                on: connection,
                logger: logger
            )
            return (outcome, locked)
        }
        if let locked, let positionLockHolds { positionLockHolds.record(ContinuousClock.now - locked) }
        // Stored operations grow the tables a full disk stopped: only they show there is room again (reads, their
        // audit entries and the audit sealer may commit while the tables that grow cannot).
        if locked != nil { resources.noteCommitted() }
        return outcome
    }

    // MARK: - Pull

    public func pull(
        after cursor: Int64,
        limit: Int,
        maxBytes: Int,
        omittingOwn: Bool,
        for caller: Caller,
        now: Date
    ) async throws -> PullPage {
        try await transaction { connection in
            let page = try await Self.page(
                after: cursor,
                limit: limit,
                maxBytes: maxBytes,
                omittingOwn: omittingOwn,
                for: caller,
                on: connection,
                logger: logger
            )
            try await Self.appendAudit(
                [PullAssembly.auditEntry(of: page, by: caller, now: now)],
                on: connection,
                logger: logger
            )
            return page
        }
    }

    /// One page, read in one statement (one snapshot): see the type's documentation for why no operation
    /// with a smaller position can commit after it. `PullAssembly` decides what the page holds.
    private static func page(
        after cursor: Int64,
        limit: Int,
        maxBytes: Int,
        omittingOwn: Bool,
        for caller: Caller,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> PullPage {
        switch caller.role {
        case .admin:
            return PullPage(operations: [], cursor: cursor, hasMore: false)
        case .officer where omittingOwn, .supervisor where omittingOwn:
            // One statement (one snapshot), scanning at most `maxExamined + 1` positions; the rows past the one
            // after the `limit`-th that is not the device's are not sent, nor the bodies of the device's own.
            let deviceId = caller.deviceId
            let rows = try await connection.query(
                """
                SELECT seq, hlc, record_id, own, CASE WHEN own THEN NULL ELSE body END FROM (
                    SELECT seq, hlc, record_id, body, device_id = \(deviceId) AS own,
                        count(*) FILTER (WHERE device_id <> \(deviceId)) OVER (ORDER BY seq) AS others
                    FROM (
                        SELECT seq, hlc, record_id, body, device_id FROM operation WHERE seq > \(cursor)
                        ORDER BY seq LIMIT \(Int64(PullAssembly.maxExamined) + 1)
                    ) AS scanned
                ) AS counted
                WHERE others <= \(Int64(limit) + 1) ORDER BY seq
                """,
                logger: logger
            )
            var read: [ExaminedOperation] = []
            for try await (seq, hlc, recordId, own, body) in rows.decode((Int64, Int64, String, Bool, String?).self) {
                read.append(
                    ExaminedOperation(
                        seq: seq,
                        hlc: HLCTimestamp(rawValue: hlc),
                        recordId: try ExaminedOperation.recordId(recordId),
                        body: Data((body ?? "").utf8),
                        inScope: !own
                    )
                )
            }
            let (examined, more) = PullAssembly.omittingOwn(read, limit: limit)
            return try PullAssembly.page(
                examined,
                more: more,
                after: cursor,
                limit: limit,
                maxBytes: maxBytes,
                for: caller
            )
        case .officer, .supervisor:
            var examined: [ExaminedOperation] = []
            let rows = try await connection.query(
                """
                SELECT seq, hlc, record_id, body FROM operation WHERE seq > \(cursor) ORDER BY seq
                LIMIT \(Int64(limit) + 1)
                """,
                logger: logger
            )
            for try await (seq, hlc, recordId, body) in rows.decode((Int64, Int64, String, String).self) {
                examined.append(
                    ExaminedOperation(
                        seq: seq,
                        hlc: HLCTimestamp(rawValue: hlc),
                        recordId: try ExaminedOperation.recordId(recordId),
                        body: Data(body.utf8),
                        inScope: true
                    )
                )
            }
            let more = examined.count > limit
            if more { examined.removeLast(examined.count - limit) }
            return try PullAssembly.page(
                examined,
                more: more,
                after: cursor,
                limit: limit,
                maxBytes: maxBytes,
                for: caller
            )
        case .venueStaff:
            // Every operation after the cursor is examined in order, the visible ones kept; the cursor moves
            // past the examined ones, so operations of other venues are never looked at twice.
            let venues = caller.venueIds.sorted()
            let rows = try await connection.query(
                """
                SELECT operation.seq, operation.hlc, operation.record_id, operation.body, operation.author_role,
                    record.scope_venue_id = ANY(\(venues)) AS visible, record.type,
                    (SELECT creator.author_role FROM operation AS creator WHERE creator.op_id = record.created_op_id),
                    scope_move.record_id, scope_move.from_venue_id, scope_move.to_venue_id
                FROM operation LEFT JOIN record ON record.id = operation.record_id
                    LEFT JOIN scope_move ON scope_move.seq = operation.seq
                WHERE operation.seq > \(cursor) ORDER BY operation.seq
                LIMIT \(Int64(PullAssembly.maxExamined) + 1)
                """,
                logger: logger
            ).collect()
            var examined: [ExaminedOperation] = []
            for row in rows.prefix(PullAssembly.maxExamined) {
                let (seq, hlc, recordId, body, authorRole, visible, type, recordAuthorRole, moved, from, to) =
                    try row.decode(
                        (Int64, Int64, String, String, String?, Bool?, String?, String?, String?, String?, String?).self
                    )
                var operation = ExaminedOperation(
                    seq: seq,
                    hlc: HLCTimestamp(rawValue: hlc),
                    recordId: try ExaminedOperation.recordId(recordId),
                    body: Data(body.utf8),
                    inScope: visible == true,
                    authorRole: authorRole.flatMap(Role.init(rawValue:)),
                    origin: origin(type: type, authorRole: recordAuthorRole)
                )
                if let moved, let recordId = UUID(text: moved) {
                    // As the SQLite store decides (see `ExaminedOperation`).
                    switch ScopeMove(recordId: recordId, from: from, to: to).effect(for: caller) {
                    case .leaves:
                        let held = try await scopedOperations(
                            of: recordId,
                            upTo: cursor,
                            on: connection,
                            logger: logger
                        )
                        if operation.inScope || !held.isEmpty {
                            operation.leaving = try await scopedRecordIds(of: recordId, on: connection, logger: logger)
                        }
                    case .enters:
                        operation.entering = try await scopedOperations(
                            of: recordId,
                            upTo: min(cursor, seq),
                            on: connection,
                            logger: logger
                        )
                    case .none: break
                    }
                }
                examined.append(operation)
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

    private static func origin(type: String?, authorRole: String?) -> AccessProjection.RecordOrigin? {
        type.flatMap(RecordType.init(rawValue:)).map {
            AccessProjection.RecordOrigin(type: $0, authorRole: authorRole.flatMap(Role.init(rawValue:)))
        }
    }

    /// The records that take their scope from this one, itself included.
    private static func scopedRecordIds(
        of recordId: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [UUID] {
        var ids: [UUID] = []
        let rows = try await connection.query(
            "SELECT id FROM record WHERE scope_record_id = \(recordId.text) ORDER BY id",
            logger: logger
        )
        for try await id in rows.decode(String.self) { if let id = UUID(text: id) { ids.append(id) } }
        return ids
    }

    /// Every operation up to a position of the records that take their scope from this one.
    private static func scopedOperations(
        of recordId: UUID,
        upTo seq: Int64,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [ExaminedOperation] {
        var operations: [ExaminedOperation] = []
        let rows = try await connection.query(
            """
            SELECT operation.seq, operation.hlc, operation.record_id, operation.body, operation.author_role, record.type,
                (SELECT creator.author_role FROM operation AS creator WHERE creator.op_id = record.created_op_id)
            FROM record JOIN operation ON operation.record_id = record.id
            WHERE record.scope_record_id = \(recordId.text) AND operation.seq <= \(seq) ORDER BY operation.seq
            """,
            logger: logger
        )
        for try await (seq, hlc, recordId, body, authorRole, type, recordAuthorRole) in rows.decode(
            (Int64, Int64, String, String, String?, String, String?).self
        ) {
            operations.append(
                ExaminedOperation(
                    seq: seq,
                    hlc: HLCTimestamp(rawValue: hlc),
                    recordId: try ExaminedOperation.recordId(recordId),
                    body: Data(body.utf8),
                    inScope: true,
                    authorRole: authorRole.flatMap(Role.init(rawValue:)),
                    origin: origin(type: type, authorRole: recordAuthorRole)
                )
            )
        }
        return operations
    }

    // MARK: - Venues and records

    public func venues() async throws -> [Venue] {
        let rows = try await client.query("SELECT body FROM venue ORDER BY id COLLATE \"C\"", logger: logger)
        var venues: [Venue] = []
        for try await body in rows.decode(String.self) {
            venues.append(try WireCoding.decode(Venue.self, from: Data(body.utf8)))
        }
        return venues
    }

    public func venueIds() async throws -> Set<String> {
        var ids: Set<String> = []
        for try await id in try await client.query("SELECT id FROM venue", logger: logger).decode(String.self) {
            ids.insert(id)
        }
        return ids
    }

    public func saveVenue(_ venue: Venue, by caller: Caller, now: Date) async throws {
        let body = String(decoding: try WireCoding.encode(venue), as: UTF8.self)
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO venue (id, body) VALUES (\(venue.id), \(body))
                ON CONFLICT (id) DO UPDATE SET body = excluded.body
                """,
                logger: logger
            )
            try await Self.appendAudit(
                [AuditEntry(at: now, caller: caller, action: .venueSaved, subject: venue.id)],
                on: connection,
                logger: logger
            )
        }
    }

    public func records(matching filter: RecordFilter) async throws -> [RecordState] {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        func parameter() -> String { "$\(bindings.count)" }
        if let venueId = filter.venueId {
            bindings.append(venueId)
            conditions.append("venue_id = \(parameter())")
        }
        if let venueIds = filter.scopeVenueIds {
            bindings.append(venueIds.sorted())
            conditions.append("scope_venue_id = ANY(\(parameter()))")
        }
        if let recordId = filter.recordId {
            bindings.append(recordId.text)
            conditions.append("id = \(parameter())")
        }
        if let since = filter.since {
            bindings.append(since.millisecondsSince1970)
            conditions.append("occurred_at >= \(parameter())")
        }
        if let until = filter.until {
            bindings.append(until.millisecondsSince1970)
            conditions.append("occurred_at < \(parameter())")
        }
        if let types = filter.types {
            bindings.append(types.map(\.rawValue).sorted())
            conditions.append("type = ANY(\(parameter()))")
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let query = PostgresQuery(
            unsafeSQL: "\(Self.selectStates) \(whereClause) ORDER BY occurred_at, id COLLATE \"C\"",
            binds: bindings
        )
        return try await states(query).filter(filter.matchesContent)
    }

    public func record(id: UUID) async throws -> RecordState? {
        try await states(PostgresQuery(unsafeSQL: "\(Self.selectStates) WHERE id = $1", binds: Self.bindings(id.text)))
            .first
    }

    public func operations(ofRecords recordIds: [UUID]) async throws -> [UUID: [AuthoredOperation]] {
        guard !recordIds.isEmpty else { return [:] }
        var operations: [UUID: [AuthoredOperation]] = [:]
        let rows = try await client.query(
            "SELECT body, author_role FROM operation WHERE record_id = ANY(\(recordIds.map(\.text))) ORDER BY seq",
            logger: logger
        )
        for try await (body, role) in rows.decode((String, String?).self) {
            let operation = try WireCoding.decodeOperation(Data(body.utf8))
            operations[operation.recordId, default: []].append(
                AuthoredOperation(operation: operation, authorRole: role.flatMap(Role.init(rawValue:)))
            )
        }
        return operations
    }

    public func operationCount() async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM operation", logger: logger).collect()
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    /// How a merged record is read back: its kept state, or else its create operation's JSON.
    static let selectStates = """
        SELECT record.state,
            CASE WHEN record.state IS NULL
                THEN (SELECT body FROM operation WHERE operation.op_id = record.created_op_id) END
        FROM record
        """

    private func states(_ query: PostgresQuery) async throws -> [RecordState] {
        let decoder = WireCoding.makeDecoder()
        var states: [RecordState] = []
        for try await (state, createOperation) in try await client.query(query, logger: logger)
            .decode((String?, String?).self)
        {
            states.append(try RecordState.fromStorage(state: state, createOperation: createOperation, decoder: decoder))
        }
        return states
    }

    static func bindings(_ value: String) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(value)
        return bindings
    }
}

extension PostgresCentralStore {
    /// The key of a record's transaction-level advisory lock: the first 8 bytes of the SHA-256 of its id.
    static func lockKey(of recordId: String) -> Int64 {
        let digest = SHA256.hash(data: Data(("record:" + recordId).utf8))
        return digest.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
}
