import GRDB
import SQLiteSupport

/// The device database's schema, as named migrations that are never edited once shipped.
enum DeviceSchema {
    /// The first migration: a file that has not had it is not a device database.
    static let firstMigration = "v1: identity, operations, records, venues"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(firstMigration) { db in
            try db.execute(
                sql: """
                    CREATE TABLE deviceIdentity (
                        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                        deviceId TEXT NOT NULL,
                        userId TEXT NOT NULL,
                        role TEXT NOT NULL,
                        venueId TEXT,
                        serverURL TEXT NOT NULL
                    );
                    CREATE TABLE syncState (
                        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                        pullCursor INTEGER NOT NULL DEFAULT 0 CHECK (pullCursor >= 0),
                        clock INTEGER NOT NULL DEFAULT 0,
                        lastSyncAt TEXT
                    );
                    INSERT INTO syncState (singleton) VALUES (1);
                    -- Every operation this device knows: its own (the outbox) and those pulled from the server.
                    CREATE TABLE operation (
                        localSeq INTEGER PRIMARY KEY AUTOINCREMENT,
                        opId TEXT NOT NULL UNIQUE,
                        recordId TEXT NOT NULL,
                        hlc INTEGER NOT NULL,
                        body TEXT NOT NULL,
                        outbox TEXT NOT NULL CHECK (outbox IN ('pending', 'acknowledged', 'parked', 'pulled')),
                        parkedCode TEXT,
                        parkedMessage TEXT
                    );
                    CREATE INDEX operation_outbox ON operation(outbox, localSeq);
                    CREATE INDEX operation_record ON operation(recordId);
                    -- Records as merged from their operations; rebuilt whenever an operation of theirs arrives.
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
                    CREATE INDEX record_redacted ON record(id) WHERE redacted = 1;
                    CREATE TABLE venue (
                        id TEXT PRIMARY KEY NOT NULL,
                        body TEXT NOT NULL
                    );
                    """
            )
        }
        // Storing a pulled operation, cheaper:
        // - SQLite checks `x IN ('a', 'b', 'c')` by building a temporary B-tree of the list for every row written
        //   (a tenth of the time of storing a pulled operation); the same rules as comparisons cost nothing. A
        //   CHECK cannot be altered in place, so the two tables are rebuilt with their rows and positions.
        // - Indexes hold only the rows their queries look for: the outbox's operations, the notes' parents.
        migrator.registerMigration("v2: checks as comparisons, partial indexes") { db in
            let lastLocalSeq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'operation'")
            try db.execute(
                sql: """
                    CREATE TABLE operation_v2 (
                        localSeq INTEGER PRIMARY KEY AUTOINCREMENT,
                        opId TEXT NOT NULL UNIQUE,
                        recordId TEXT NOT NULL,
                        hlc INTEGER NOT NULL,
                        body TEXT NOT NULL,
                        outbox TEXT NOT NULL CHECK (
                            outbox = 'pending' OR outbox = 'acknowledged' OR outbox = 'parked' OR outbox = 'pulled'
                        ),
                        parkedCode TEXT,
                        parkedMessage TEXT
                    );
                    INSERT INTO operation_v2 (localSeq, opId, recordId, hlc, body, outbox, parkedCode, parkedMessage)
                        SELECT localSeq, opId, recordId, hlc, body, outbox, parkedCode, parkedMessage FROM operation;
                    DROP TABLE operation;
                    ALTER TABLE operation_v2 RENAME TO operation;
                    -- The outbox is what waits for the server, and what it refused: pulled and acknowledged
                    -- operations, nearly all of them, need no entry.
                    CREATE INDEX operation_pending ON operation(localSeq) WHERE outbox = 'pending';
                    CREATE INDEX operation_parked ON operation(localSeq) WHERE outbox = 'parked';
                    CREATE INDEX operation_record ON operation(recordId);
                    CREATE TABLE record_v2 (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL CHECK (type = 'sighting' OR type = 'intervention' OR type = 'note'),
                        venueId TEXT,
                        parentId TEXT,
                        occurredAt INTEGER NOT NULL,
                        createdOpId TEXT NOT NULL,
                        redacted INTEGER NOT NULL DEFAULT 0 CHECK (redacted = 0 OR redacted = 1),
                        state TEXT
                    );
                    INSERT INTO record_v2 (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state)
                        SELECT id, type, venueId, parentId, occurredAt, createdOpId, redacted, state FROM record;
                    DROP TABLE record;
                    ALTER TABLE record_v2 RENAME TO record;
                    CREATE INDEX record_venue ON record(venueId, occurredAt);
                    CREATE INDEX record_occurred ON record(occurredAt);
                    -- Only notes have a parent.
                    CREATE INDEX record_parent ON record(parentId) WHERE parentId IS NOT NULL;
                    CREATE INDEX record_redacted ON record(id) WHERE redacted = 1;
                    """
            )
            // Local positions are never reused, even those of rows no longer there.
            if let lastLocalSeq {
                try db.execute(
                    sql: "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'operation'",
                    arguments: [lastLocalSeq]
                )
            }
        }
        // The scope of a record (`RecordRow`), kept as the central store keeps it, by the same code; and what a
        // withdrawal of records from this device's scope needs.
        migrator.registerMigration("v3: record scope, pulled positions, withdrawals") { db in
            try db.execute(
                sql: """
                    ALTER TABLE record ADD COLUMN scopeRecordId TEXT;
                    ALTER TABLE record ADD COLUMN scopeVenueId TEXT;
                    UPDATE record SET scopeRecordId = CASE
                        WHEN type = 'intervention' AND parentId IS NOT NULL THEN parentId ELSE id END
                        WHERE type != 'note';
                    UPDATE record SET scopeRecordId = COALESCE((SELECT parent.scopeRecordId FROM record AS parent
                        WHERE parent.id = record.parentId), id) WHERE type = 'note';
                    UPDATE record SET scopeVenueId = venueId WHERE scopeRecordId = id;
                    UPDATE record SET scopeVenueId = (SELECT root.scopeVenueId FROM record AS root
                        WHERE root.id = record.scopeRecordId) WHERE scopeRecordId != id;
                    -- The position a pulled operation came at, and the records withdrawn from this device's scope
                    -- with the position of their withdrawal: a page that arrives late never undoes a later one.
                    ALTER TABLE operation ADD COLUMN pulledSeq INTEGER;
                    CREATE TABLE withdrawal (
                        recordId TEXT PRIMARY KEY NOT NULL,
                        seq INTEGER NOT NULL
                    );
                    """
            )
        }
        // Content encrypted at rest (`ContentCipher`): operation bodies and record states become AES-GCM sealed
        // BLOBs, and this table holds what tells the right key (a value sealed with it) and the key itself wrapped
        // by the officer's secret (`WrappedDataKey`; NULL for devices made in-process by tests, the demo and the
        // bench). A device made before this migration has no row: its content stays as it was, unreadable to
        // commands, until `device unlock` encrypts it in place (`LocalReplica.encryptContent`).
        migrator.registerMigration("v4: content key") { db in
            try db.execute(
                sql: """
                    CREATE TABLE contentKey (
                        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                        keyCheck BLOB NOT NULL,
                        salt BLOB,
                        scryptN INTEGER,
                        scryptR INTEGER,
                        scryptP INTEGER,
                        wrappedKey BLOB,
                        CHECK (
                            (salt IS NULL AND scryptN IS NULL AND scryptR IS NULL AND scryptP IS NULL
                                AND wrappedKey IS NULL)
                            OR (salt IS NOT NULL AND scryptN IS NOT NULL AND scryptR IS NOT NULL
                                AND scryptP IS NOT NULL AND wrappedKey IS NOT NULL)
                        )
                    );
                    """
            )
        }
        // The server's time as this device last heard it (`ClockAnchor`): stamps and default times are told by it,
        // so a wrong wall clock cannot stamp ahead of or behind the server's. Each operation made here keeps the boot
        // clock's reading when it was made, so that one refused because the wall clock ran ahead is retimed exactly.
        migrator.registerMigration("v5: clock anchor") { db in
            try db.execute(
                sql: """
                    ALTER TABLE operation ADD COLUMN bootId TEXT;
                    ALTER TABLE operation ADD COLUMN bootTime INTEGER;
                    ALTER TABLE syncState ADD COLUMN anchorServerTime INTEGER;
                    ALTER TABLE syncState ADD COLUMN anchorBootId TEXT;
                    ALTER TABLE syncState ADD COLUMN anchorBootTime INTEGER;
                    ALTER TABLE syncState ADD COLUMN anchorWallOffset INTEGER;
                    """
            )
        }
        // What this device was told of the devices enrolled for its user (`EnrolmentNotice`), so that `sync` tells
        // the user of each once, and of one waiting for their approval every time.
        migrator.registerMigration("duties: enrolment notices") { db in
            try db.execute(
                sql: """
                    CREATE TABLE enrolmentNotice (
                        deviceId TEXT PRIMARY KEY NOT NULL,
                        status TEXT NOT NULL
                    );
                    """
            )
        }
        // Section 34 dispersal authorisations are records (`DispersalAuthorisation`): the type's CHECK admits them.
        migrator.registerMigration("dispersal: authorisation records") { db in
            try RecordTypeCheck.admitAuthorisations(db)
        }
        // The identity of the server's history as this device last heard it (`LocalReplica.adoptHistoryEpoch`).
        migrator.registerMigration("backup: server history epoch") { db in
            try db.execute(sql: "ALTER TABLE syncState ADD COLUMN historyEpoch TEXT")
        }
        // Whether pulls may leave out this device's own operations (`LocalReplica.holdsOwnOperations`): not known
        // until a pull that left nothing out reaches the end.
        migrator.registerMigration("own operations: left out of pulls") { db in
            try db.execute(sql: "ALTER TABLE syncState ADD COLUMN ownOperationsHeld INTEGER NOT NULL DEFAULT 0")
        }
        // Whether the server said it takes gzip request bodies (`LocalReplica.serverTakesGzip`), so that a new
        // process's first push goes gzip too.
        migrator.registerMigration("gzip: the server takes gzip pushes") { db in
            try db.execute(sql: "ALTER TABLE syncState ADD COLUMN serverTakesGzip INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }
}
