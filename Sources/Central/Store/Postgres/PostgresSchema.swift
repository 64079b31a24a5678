import Logging
import PostgresNIO

/// The PostgreSQL central store's schema, as named, versioned steps that are never edited once shipped: a new
/// need is a new step at the end.
///
/// `schema_migrations` records the steps applied. Every server instance runs `migrate` at start; a
/// transaction-level advisory lock makes instances that start together apply each step once, one after the
/// other, and each step commits with its record in `schema_migrations` or not at all.
enum PostgresSchema {
    struct Migration {
        var name: String
        var sql: [String]
    }

    /// The advisory lock key (`pg_advisory_xact_lock(bigint)`) that serialises migrations.
    static let migrationLockKey: Int64 = 0x454D_5057_0000_0001

    static let migrations: [Migration] = [
        Migration(
            name: "v1: operations, positions, records, venues",
            sql: [
                """
                -- seq is the pull position. It is handed out from operation_position (below) inside the push
                -- transaction, whose lock on that row lasts until commit: positions commit in increasing
                -- order, so a pull can never pass over an operation that commits later with a smaller one.
                CREATE TABLE operation (
                    seq BIGINT PRIMARY KEY,
                    op_id TEXT NOT NULL UNIQUE,
                    record_id TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    author TEXT NOT NULL,
                    hlc BIGINT NOT NULL,
                    kind TEXT NOT NULL,
                    body TEXT NOT NULL,
                    received_at TEXT NOT NULL
                )
                """,
                "CREATE INDEX operation_record ON operation (record_id)",
                """
                -- The last position handed out: one row, updated by every push that stores operations.
                CREATE TABLE operation_position (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    last_seq BIGINT NOT NULL
                )
                """,
                "INSERT INTO operation_position (id, last_seq) VALUES (1, 0)",
                """
                CREATE TABLE record (
                    id TEXT PRIMARY KEY,
                    type TEXT NOT NULL CHECK (type IN ('sighting', 'intervention', 'note')),
                    venue_id TEXT,
                    parent_id TEXT,
                    occurred_at BIGINT NOT NULL,
                    created_op_id TEXT NOT NULL,
                    redacted BOOLEAN NOT NULL DEFAULT FALSE,
                    -- The merged state, kept only when amendments made it differ from the create operation
                    -- alone (NULL otherwise: the record is the fold of that operation).
                    state TEXT,
                    -- The venue the record was made at (a note: its record's), set once at the create.
                    scope_venue_id TEXT
                )
                """,
                "CREATE INDEX record_venue ON record (venue_id, occurred_at)",
                "CREATE INDEX record_occurred ON record (occurred_at)",
                "CREATE INDEX record_parent ON record (parent_id)",
                "CREATE INDEX record_scope ON record (scope_venue_id)",
                """
                CREATE TABLE venue (
                    id TEXT PRIMARY KEY,
                    body TEXT NOT NULL
                )
                """,
            ]
        ),
        Migration(
            name: "v2: accounts, devices, tokens, audit log",
            sql: [
                """
                CREATE TABLE account (
                    id TEXT PRIMARY KEY,
                    role TEXT NOT NULL CHECK (role IN ('officer', 'venue-staff', 'supervisor', 'admin')),
                    venue_ids TEXT NOT NULL,
                    created_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE device (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES account (id),
                    enrolled_at TEXT NOT NULL,
                    revoked_at TEXT
                )
                """,
                """
                -- Tokens are kept only as SHA-256 hashes. An enrolment token is used once, to get an access token.
                CREATE TABLE credential (
                    token_hash TEXT PRIMARY KEY,
                    device_id TEXT NOT NULL REFERENCES device (id),
                    kind TEXT NOT NULL CHECK (kind IN ('enrolment', 'access')),
                    issued_at TEXT NOT NULL,
                    expires_at TEXT,
                    ended_at TEXT
                )
                """,
                "CREATE INDEX credential_device ON credential (device_id)",
                """
                -- The audit log: canonical JSON entries, each chained to the one before by its hash. seq is
                -- given from audit_head under its row lock, so it has no gaps.
                CREATE TABLE audit (
                    seq BIGINT PRIMARY KEY,
                    body TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    last_seq BIGINT NOT NULL,
                    last_hash TEXT NOT NULL
                )
                """,
                "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '\(String(repeating: "0", count: 64))')",
            ]
        ),
        // Scope follows the record (`RecordRow`); operations keep the role they were pushed with; moves of scope
        // are kept at the position that made them.
        Migration(
            name: "v3: scope follows the record, authors' roles, scope moves",
            sql: [
                "ALTER TABLE record ADD COLUMN scope_record_id TEXT",
                """
                UPDATE record SET scope_record_id = CASE
                    WHEN type = 'intervention' AND parent_id IS NOT NULL THEN parent_id ELSE id END
                WHERE type <> 'note'
                """,
                """
                UPDATE record SET scope_record_id = COALESCE((SELECT parent.scope_record_id FROM record AS parent
                    WHERE parent.id = record.parent_id), record.id) WHERE type = 'note'
                """,
                "UPDATE record SET scope_venue_id = venue_id WHERE scope_record_id = id AND NOT redacted",
                """
                UPDATE record SET scope_venue_id = root.scope_venue_id FROM record AS root
                WHERE root.id = record.scope_record_id AND record.scope_record_id <> record.id
                """,
                "CREATE INDEX record_scope_record ON record (scope_record_id)",
                "ALTER TABLE operation ADD COLUMN author_role TEXT",
                "UPDATE operation SET author_role = account.role FROM account WHERE account.id = operation.author",
                """
                CREATE TABLE scope_move (
                    seq BIGINT PRIMARY KEY,
                    record_id TEXT NOT NULL,
                    from_venue_id TEXT,
                    to_venue_id TEXT
                )
                """,
            ]
        ),
        Migration(
            name: "v4: remote wipe of lost devices",
            sql: [
                """
                -- A lost or stolen device's remote wipe. Only the last access token the device was issued may learn
                -- of it (its hash is kept here, unique, so the lookup of a refused token is one index probe) and
                -- confirm it.
                CREATE TABLE device_wipe (
                    device_id TEXT PRIMARY KEY REFERENCES device (id),
                    token_hash TEXT NOT NULL UNIQUE REFERENCES credential (token_hash),
                    ordered_at TEXT NOT NULL,
                    ordered_by TEXT NOT NULL,
                    delivered_at TEXT,
                    confirmed_at TEXT,
                    CHECK (confirmed_at IS NULL OR delivered_at IS NOT NULL)
                )
                """
            ]
        ),
        // The audit log as an RFC 9162 Merkle tree (docs/audit.md): an entry takes its number from a sequence
        // and holds no shared row; the sealer (one instance at a time, under an advisory lock) gives it its leaf
        // and hash later, in commit order. Entries of the old hash chain become unsealed entries.
        Migration(
            name: "v5: audit log as a Merkle tree with signed heads",
            sql: [
                """
                ALTER TABLE audit DROP COLUMN previous_hash, DROP COLUMN hash,
                    ADD COLUMN leaf_index BIGINT UNIQUE, ADD COLUMN leaf_hash BYTEA
                """,
                "CREATE SEQUENCE audit_seq OWNED BY audit.seq",
                "SELECT setval('audit_seq', (SELECT COALESCE(max(seq), 0) + 1 FROM audit), false)",
                "ALTER TABLE audit ALTER COLUMN seq SET DEFAULT nextval('audit_seq')",
                "CREATE INDEX audit_unsealed ON audit (seq) WHERE leaf_index IS NULL",
                "DROP TABLE audit_head",
                """
                CREATE TABLE audit_tree_head (
                    tree_size BIGINT PRIMARY KEY,
                    note TEXT NOT NULL,
                    frontier BYTEA NOT NULL
                )
                """,
            ]
        ),
        // The separation of duties at enrolment (`EnrolmentApproval`): who enrolled each device, whether its
        // enrolment waits for approval, and who approved it from which device. Devices are found by their user.
        Migration(
            name: "duties: enrolment approval",
            sql: [
                "ALTER TABLE device ADD COLUMN enrolled_by TEXT",
                "ALTER TABLE device ADD COLUMN approval_needed BOOLEAN NOT NULL DEFAULT FALSE",
                "ALTER TABLE device ADD COLUMN approved_at TEXT",
                "ALTER TABLE device ADD COLUMN approved_by TEXT",
                "ALTER TABLE device ADD COLUMN approved_by_device TEXT",
                "CREATE INDEX device_user ON device (user_id)",
            ]
        ),
        // Section 34 dispersal authorisations are records (`DispersalAuthorisation`): the type's CHECK admits them.
        Migration(
            name: "dispersal: authorisation records",
            sql: [
                "ALTER TABLE record DROP CONSTRAINT IF EXISTS record_type_check",
                """
                ALTER TABLE record ADD CONSTRAINT record_type_check
                    CHECK (type IN ('sighting', 'intervention', 'note', 'authorisation'))
                """,
            ]
        ),
        // Anonymous StreetSafe reports (`StreetSafeStore`): their own table, linked to nothing.
        Migration(
            name: "streetsafe: anonymous reports",
            sql: [
                """
                CREATE TABLE streetsafe_report (
                    id BIGSERIAL PRIMARY KEY,
                    reported_at BIGINT NOT NULL,
                    latitude DOUBLE PRECISION NOT NULL,
                    longitude DOUBLE PRECISION NOT NULL,
                    reasons TEXT NOT NULL CHECK (reasons <> '')
                )
                """,
                "CREATE INDEX streetsafe_report_time ON streetsafe_report (reported_at)",
            ]
        ),
        // The supervisors' dashboard: facts per sighting and intervention, subject links, sign-in links and
        // sessions (`DashboardSchema`; the same tables as the SQLite store's).
        Migration(name: "dashboard: record facts, subject links, sign-in links, sessions", sql: DashboardSchema.postgres),
        // The identity of the store's history (`HistoryEpochs`): made here, changed by every restore from a backup.
        Migration(
            name: "backup: history epoch",
            sql: [
                "CREATE TABLE history_epoch (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), epoch TEXT NOT NULL)",
                "INSERT INTO history_epoch (singleton, epoch) VALUES (1, md5(random()::text || clock_timestamp()::text))",
            ]
        ),
        // Retention review (docs/records-management.md): the policy adopted last, and one row per daily review.
        Migration(
            name: "retention: adopted policy, daily reviews",
            sql: [
                """
                CREATE TABLE retention_policy (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    body TEXT NOT NULL,
                    adopted_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE retention_review (
                    day TEXT PRIMARY KEY,
                    ran_at TEXT NOT NULL,
                    due_count INTEGER NOT NULL CHECK (due_count >= 0)
                )
                """,
            ]
        ),
    ]

    /// Applies the steps not applied yet, in order, each in its own transaction with its record.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        for migration in migrations {
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    // Under the lock, so instances that start together neither race to create the table nor
                    // apply a step twice.
                    try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger)
                    try await connection.query(
                        """
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            name TEXT PRIMARY KEY,
                            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                        )
                        """,
                        logger: logger
                    )
                    let applied = try await connection.query(
                        "SELECT 1 FROM schema_migrations WHERE name = \(migration.name)",
                        logger: logger
                    ).collect()
                    if applied.isEmpty {
                        for statement in migration.sql {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query(
                            "INSERT INTO schema_migrations (name) VALUES (\(migration.name))",
                            logger: logger
                        )
                    }
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }
}
