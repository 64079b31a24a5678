import GRDB
import SQLiteSupport

/// The SQLite central store's schema, as named migrations that are never edited once shipped.
enum CentralSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: operations, records, venues") { db in
            try db.execute(
                sql: """
                    -- seq is the pull position: AUTOINCREMENT never reuses a value, and SQLite's single writer
                    -- commits positions in order, so a cursor can never skip a later commit.
                    CREATE TABLE operation (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        opId TEXT NOT NULL UNIQUE,
                        recordId TEXT NOT NULL,
                        deviceId TEXT NOT NULL,
                        author TEXT NOT NULL,
                        hlc INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        body TEXT NOT NULL,
                        receivedAt TEXT NOT NULL
                    );
                    CREATE INDEX operation_record ON operation(recordId);
                    CREATE TABLE record (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL CHECK (type IN ('sighting', 'intervention', 'note')),
                        venueId TEXT,
                        parentId TEXT,
                        occurredAt INTEGER NOT NULL,
                        createdOpId TEXT NOT NULL,
                        redacted INTEGER NOT NULL DEFAULT 0 CHECK (redacted IN (0, 1)),
                        -- The merged state, kept only when amendments made it differ from the create
                        -- operation alone (NULL otherwise: the record is the fold of that operation).
                        state TEXT
                    );
                    CREATE INDEX record_venue ON record(venueId, occurredAt);
                    CREATE INDEX record_occurred ON record(occurredAt);
                    CREATE INDEX record_parent ON record(parentId);
                    CREATE TABLE venue (
                        id TEXT PRIMARY KEY NOT NULL,
                        body TEXT NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2: accounts, devices, tokens, audit log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE account (
                        id TEXT PRIMARY KEY NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('officer', 'venue-staff', 'supervisor', 'admin')),
                        venueIds TEXT NOT NULL,
                        createdAt TEXT NOT NULL
                    );
                    CREATE TABLE device (
                        id TEXT PRIMARY KEY NOT NULL,
                        userId TEXT NOT NULL REFERENCES account(id),
                        enrolledAt TEXT NOT NULL,
                        revokedAt TEXT
                    );
                    -- Tokens are kept only as SHA-256 hashes. An enrolment token is used once, to get an access token.
                    CREATE TABLE credential (
                        tokenHash TEXT PRIMARY KEY NOT NULL,
                        deviceId TEXT NOT NULL REFERENCES device(id),
                        kind TEXT NOT NULL CHECK (kind IN ('enrolment', 'access')),
                        issuedAt TEXT NOT NULL,
                        expiresAt TEXT,
                        endedAt TEXT
                    );
                    CREATE INDEX credential_device ON credential(deviceId);
                    -- The audit log: canonical JSON entries, each chained to the one before by its hash.
                    CREATE TABLE audit (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        body TEXT NOT NULL,
                        previousHash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    -- The venue a record was made at (a note: its record's), set once: venue staff see a record's
                    -- every operation or none of them, whatever amendments later do to its venue.
                    ALTER TABLE record ADD COLUMN scopeVenueId TEXT;
                    UPDATE record SET scopeVenueId = venueId WHERE type != 'note';
                    UPDATE record SET scopeVenueId = (SELECT parent.scopeVenueId FROM record AS parent
                        WHERE parent.id = record.parentId) WHERE type = 'note';
                    CREATE INDEX record_scope ON record(scopeVenueId);
                    CREATE TABLE auditHead (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        lastSeq INTEGER NOT NULL,
                        lastHash TEXT NOT NULL
                    );
                    """
            )
        }
        // SQLite checks `type IN ('sighting', 'intervention', 'note')` by building a temporary B-tree of the list
        // for every row written; the same rule as comparisons costs nothing. A CHECK cannot be altered in place,
        // so the table is rebuilt with its rows, and its parent index keeps only the notes.
        migrator.registerMigration("v3: record checks as comparisons, notes' parent index") { db in
            try db.execute(
                sql: """
                    CREATE TABLE record_v3 (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL CHECK (type = 'sighting' OR type = 'intervention' OR type = 'note'),
                        venueId TEXT,
                        parentId TEXT,
                        occurredAt INTEGER NOT NULL,
                        createdOpId TEXT NOT NULL,
                        redacted INTEGER NOT NULL DEFAULT 0 CHECK (redacted = 0 OR redacted = 1),
                        -- The merged state, kept only when amendments made it differ from the create
                        -- operation alone (NULL otherwise: the record is the fold of that operation).
                        state TEXT,
                        -- The venue a record was made at (a note: its record's), set once.
                        scopeVenueId TEXT
                    );
                    INSERT INTO record_v3 (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state, scopeVenueId)
                        SELECT id, type, venueId, parentId, occurredAt, createdOpId, redacted, state, scopeVenueId
                        FROM record;
                    DROP TABLE record;
                    ALTER TABLE record_v3 RENAME TO record;
                    CREATE INDEX record_venue ON record(venueId, occurredAt);
                    CREATE INDEX record_occurred ON record(occurredAt);
                    -- Only notes have a parent.
                    CREATE INDEX record_parent ON record(parentId) WHERE parentId IS NOT NULL;
                    CREATE INDEX record_scope ON record(scopeVenueId);
                    """
            )
        }
        // Scope follows the record (`RecordRow`): a record's scope is the sighting it hangs from (an intervention
        // without one, itself), and that record's current venue. Operations keep the role they were pushed with,
        // for the projection of what venue staff see; moves of scope are kept at the position that made them.
        migrator.registerMigration("v4: scope follows the record, authors' roles, scope moves") { db in
            try db.execute(
                sql: """
                    ALTER TABLE record ADD COLUMN scopeRecordId TEXT;
                    UPDATE record SET scopeRecordId = CASE
                        WHEN type = 'intervention' AND parentId IS NOT NULL THEN parentId ELSE id END
                        WHERE type != 'note';
                    UPDATE record SET scopeRecordId = COALESCE((SELECT parent.scopeRecordId FROM record AS parent
                        WHERE parent.id = record.parentId), id) WHERE type = 'note';
                    UPDATE record SET scopeVenueId = venueId WHERE scopeRecordId = id AND redacted = 0;
                    UPDATE record SET scopeVenueId = (SELECT root.scopeVenueId FROM record AS root
                        WHERE root.id = record.scopeRecordId) WHERE scopeRecordId != id;
                    CREATE INDEX record_scope_record ON record(scopeRecordId);
                    ALTER TABLE operation ADD COLUMN authorRole TEXT;
                    UPDATE operation SET authorRole = (SELECT role FROM account WHERE account.id = operation.author);
                    CREATE TABLE scopeMove (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        recordId TEXT NOT NULL,
                        fromVenueId TEXT,
                        toVenueId TEXT
                    );
                    """
            )
        }
        // A lost or stolen device's remote wipe. Only the last access token the device was issued may learn of
        // it (its hash is kept here, unique, so the lookup of a refused token is one index probe) and confirm it.
        migrator.registerMigration("v5: remote wipe of lost devices") { db in
            try db.execute(
                sql: """
                    CREATE TABLE deviceWipe (
                        deviceId TEXT PRIMARY KEY NOT NULL REFERENCES device(id),
                        tokenHash TEXT NOT NULL UNIQUE REFERENCES credential(tokenHash),
                        orderedAt TEXT NOT NULL,
                        orderedBy TEXT NOT NULL,
                        deliveredAt TEXT,
                        confirmedAt TEXT,
                        CHECK (confirmedAt IS NULL OR deliveredAt IS NOT NULL)
                    );
                    """
            )
        }
        // The audit log as an RFC 9162 Merkle tree (docs/audit.md): an entry is written with no shared row
        // touched, and the sealer gives it its leaf and hash later, in commit order; each seal stores a signed
        // head and the tree's right edge. Entries of the old hash chain become unsealed entries, sealed in order.
        migrator.registerMigration("v6: audit log as a Merkle tree with signed heads") { db in
            try db.execute(
                sql: """
                    ALTER TABLE audit DROP COLUMN previousHash;
                    ALTER TABLE audit DROP COLUMN hash;
                    ALTER TABLE audit ADD COLUMN leafIndex INTEGER;
                    ALTER TABLE audit ADD COLUMN leafHash BLOB;
                    CREATE UNIQUE INDEX audit_leaf ON audit(leafIndex);
                    CREATE INDEX audit_unsealed ON audit(seq) WHERE leafIndex IS NULL;
                    DROP TABLE auditHead;
                    CREATE TABLE auditTreeHead (
                        treeSize INTEGER PRIMARY KEY NOT NULL,
                        note TEXT NOT NULL,
                        frontier BLOB NOT NULL
                    );
                    """
            )
        }
        // The separation of duties at enrolment (`EnrolmentApproval`): who enrolled each device, whether its
        // enrolment waits for approval, and who approved it from which device. Devices are found by their user.
        migrator.registerMigration("duties: enrolment approval") { db in
            try db.execute(
                sql: """
                    ALTER TABLE device ADD COLUMN enrolledBy TEXT;
                    ALTER TABLE device ADD COLUMN approvalNeeded INTEGER NOT NULL DEFAULT 0
                        CHECK (approvalNeeded = 0 OR approvalNeeded = 1);
                    ALTER TABLE device ADD COLUMN approvedAt TEXT;
                    ALTER TABLE device ADD COLUMN approvedBy TEXT;
                    ALTER TABLE device ADD COLUMN approvedByDevice TEXT;
                    CREATE INDEX device_user ON device(userId);
                    """
            )
        }
        // Section 34 dispersal authorisations are records (`DispersalAuthorisation`): the type's CHECK admits them.
        migrator.registerMigration("dispersal: authorisation records") { db in
            try RecordTypeCheck.admitAuthorisations(db)
        }
        // Anonymous StreetSafe reports (`StreetSafeStore`): their own table, linked to nothing; times to the hour
        // (milliseconds since 1970), positions at the centre of a cell of about 100 m, reasons as names joined by ';'.
        migrator.registerMigration("streetsafe: anonymous reports") { db in
            try db.execute(
                sql: """
                    CREATE TABLE streetSafeReport (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        reportedAt INTEGER NOT NULL,
                        latitude REAL NOT NULL,
                        longitude REAL NOT NULL,
                        reasons TEXT NOT NULL CHECK (reasons <> '')
                    );
                    CREATE INDEX streetSafeReport_time ON streetSafeReport(reportedAt);
                    """
            )
        }
        // The supervisors' dashboard (docs/dashboard.md): one row of facts per sighting and intervention
        // (`RecordFacts`), its same-subject links, and the one-time sign-in links and sessions, kept in the store
        // so that they hold across server instances. Table and column names are the PostgreSQL store's, so the
        // dashboard's queries are written once. Existing records get their facts here.
        migrator.registerMigration("dashboard: record facts, subject links, sign-in links, sessions") { db in
            try db.execute(sql: DashboardSchema.sqlite)
            try DashboardFactTable.backfill(db)
        }
        // The identity of the store's history (`HistoryEpochs`): made here, changed by every restore from a backup.
        migrator.registerMigration("backup: history epoch") { db in
            try db.execute(
                sql: """
                    CREATE TABLE historyEpoch (
                        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                        epoch TEXT NOT NULL
                    );
                    INSERT INTO historyEpoch (singleton, epoch) VALUES (1, lower(hex(randomblob(16))));
                    """
            )
        }
        // Retention review (docs/records-management.md): the policy adopted last, and one row per daily review.
        migrator.registerMigration("retention: adopted policy, daily reviews") { db in
            try db.execute(
                sql: """
                    CREATE TABLE retentionPolicy (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        body TEXT NOT NULL,
                        adoptedAt TEXT NOT NULL
                    );
                    CREATE TABLE retentionReview (
                        day TEXT PRIMARY KEY NOT NULL,
                        ranAt TEXT NOT NULL,
                        dueCount INTEGER NOT NULL CHECK (dueCount >= 0)
                    );
                    """
            )
        }
        return migrator
    }
}
