/// The dashboard's tables, the same names and columns on both stores (its queries are written once,
/// `DashboardQueries`). Part of the stores' migrations: never edit a shipped statement; add a step instead.
enum DashboardSchema {
    /// The first step's tables, for the SQLite store.
    static let sqlite = """
        -- Kept in time order (WITHOUT ROWID, keyed by time first): a period's rows are read as one range.
        CREATE TABLE dashboard_fact (
            record_id TEXT NOT NULL,
            type TEXT NOT NULL CHECK (type = 'sighting' OR type = 'intervention'),
            occurred_at INTEGER NOT NULL,
            night TEXT,
            hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
            venue_id TEXT,
            cell_row INTEGER,
            cell_column INTEGER,
            behaviours INTEGER NOT NULL,
            actions INTEGER NOT NULL,
            risk_level TEXT,
            outcome TEXT,
            sighting_id TEXT,
            review TEXT NOT NULL,
            PRIMARY KEY (occurred_at, record_id)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX dashboard_fact_record ON dashboard_fact (record_id);
        CREATE INDEX dashboard_fact_venue ON dashboard_fact (venue_id, occurred_at);
        CREATE INDEX dashboard_fact_action_required ON dashboard_fact (occurred_at)
            WHERE review = 'action-required';
        CREATE TABLE dashboard_subject_link (
            record_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            PRIMARY KEY (record_id, target_id)
        );
        CREATE TABLE dashboard_sign_in (
            token_hash TEXT PRIMARY KEY NOT NULL,
            user_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            role TEXT NOT NULL,
            reason TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER
        );
        CREATE TABLE dashboard_session (
            token_hash TEXT PRIMARY KEY NOT NULL,
            user_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            role TEXT NOT NULL,
            reason TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL,
            ended_at INTEGER
        );
        """

    /// The first step's tables, for the PostgreSQL store (one statement each).
    static let postgres: [String] = [
        """
        CREATE TABLE dashboard_fact (
            record_id TEXT PRIMARY KEY,
            type TEXT NOT NULL CHECK (type = 'sighting' OR type = 'intervention'),
            occurred_at BIGINT NOT NULL,
            night TEXT,
            hour BIGINT NOT NULL CHECK (hour BETWEEN 0 AND 23),
            venue_id TEXT,
            cell_row BIGINT,
            cell_column BIGINT,
            behaviours BIGINT NOT NULL,
            actions BIGINT NOT NULL,
            risk_level TEXT,
            outcome TEXT,
            sighting_id TEXT,
            review TEXT NOT NULL
        )
        """,
        "CREATE INDEX dashboard_fact_time ON dashboard_fact (occurred_at, type)",
        "CREATE INDEX dashboard_fact_venue ON dashboard_fact (venue_id, occurred_at)",
        """
        CREATE INDEX dashboard_fact_action_required ON dashboard_fact (occurred_at)
            WHERE review = 'action-required'
        """,
        """
        CREATE TABLE dashboard_subject_link (
            record_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            PRIMARY KEY (record_id, target_id)
        )
        """,
        """
        CREATE TABLE dashboard_sign_in (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            role TEXT NOT NULL,
            reason TEXT NOT NULL,
            expires_at BIGINT NOT NULL,
            used_at BIGINT
        )
        """,
        """
        CREATE TABLE dashboard_session (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            role TEXT NOT NULL,
            reason TEXT NOT NULL,
            started_at BIGINT NOT NULL,
            last_seen_at BIGINT NOT NULL,
            ended_at BIGINT
        )
        """,
        // Facts of the records stored before this step (SQL cannot fold operations, so the store adds them
        // once the step has run: `PostgresCentralStore.backfillDashboardFacts`).
        "CREATE TABLE dashboard_backfill (pending BOOLEAN NOT NULL)",
        "INSERT INTO dashboard_backfill (pending) VALUES (TRUE)",
    ]
}
