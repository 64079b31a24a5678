import Foundation
import GRDB
import Models
import Testing

@testable import Central

@Suite("SQLite central schema")
struct CentralSchemaTests {
    @Test("v3 keeps a v2 store's records and their scope, refuses what v2 refused, and indexes only notes' parents")
    func migrationKeepsRecords() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("empower-schema-\(UUID().text)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try DatabaseQueue(path: directory.appendingPathComponent("central.sqlite").path)
        try CentralSchema.migrator.migrate(database, upTo: "v2: accounts, devices, tokens, audit log")
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO record (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state, scopeVenueId)
                    VALUES
                        ('REC-1', 'sighting', 'venue-b', NULL, 1000, 'OP-1', 0, '{"moved":true}', 'venue-a'),
                        ('REC-2', 'note', 'venue-b', 'REC-1', 2000, 'OP-2', 0, NULL, 'venue-a'),
                        ('REC-3', 'intervention', NULL, NULL, 3000, 'OP-3', 1, '{"redacted":true}', 'venue-c')
                    """
            )
        }
        let records = { (db: Database) in try Row.fetchAll(db, sql: "SELECT * FROM record ORDER BY id") }
        let before = try database.read(records)

        try CentralSchema.migrator.migrate(database, upTo: "v3: record checks as comparisons, notes' parent index")

        #expect(try database.read(records) == before)
        for refused in [
            "INSERT INTO record (id, type, occurredAt, createdOpId) VALUES ('REC-4', 'memo', 0, 'OP-4')",
            "INSERT INTO record (id, type, occurredAt, createdOpId, redacted) VALUES ('REC-4', 'note', 0, 'OP-4', 2)",
        ] {
            #expect(throws: DatabaseError.self) { try database.write { try $0.execute(sql: refused) } }
        }
        let plan = try database.read { db in
            try Row.fetchAll(
                db,
                sql: "EXPLAIN QUERY PLAN SELECT id FROM record WHERE parentId = 'REC-1' AND type = 'note'"
            )
            .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("record_parent") }, "\(plan)")
        let parentEntries = try database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM record INDEXED BY record_parent WHERE parentId IS NOT NULL")
        }
        #expect(parentEntries == 1)
    }

    @Test("v4 gives every record the scope of the sighting it hangs from, at its current venue, and keeps roles")
    func scopeFollowsTheRecordMigration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("empower-schema-\(UUID().text)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try DatabaseQueue(path: directory.appendingPathComponent("central.sqlite").path)
        try CentralSchema.migrator.migrate(database, upTo: "v3: record checks as comparisons, notes' parent index")
        try database.write { db in
            // A sighting made at A and moved to B, an intervention following it (made at A), a note on that, an
            // intervention on its own, and a redacted sighting (its venue gone, its scope kept).
            try db.execute(
                sql: """
                    INSERT INTO record (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state, scopeVenueId)
                    VALUES
                        ('S-1', 'sighting', 'venue-b', NULL, 1000, 'OP-1', 0, '{}', 'venue-a'),
                        ('I-2', 'intervention', 'venue-a', 'S-1', 2000, 'OP-2', 0, NULL, 'venue-a'),
                        ('N-3', 'note', 'venue-a', 'I-2', 3000, 'OP-3', 0, NULL, 'venue-a'),
                        ('I-4', 'intervention', 'venue-c', NULL, 4000, 'OP-4', 0, NULL, 'venue-c'),
                        ('S-5', 'sighting', NULL, NULL, 5000, 'OP-5', 1, '{}', 'venue-d');
                    INSERT INTO account (id, role, venueIds, createdAt) VALUES ('SIA-1', 'venue-staff', '[]', 'x');
                    INSERT INTO operation (opId, recordId, deviceId, author, hlc, kind, body, receivedAt) VALUES
                        ('OP-1', 'S-1', 'dev-1', 'SIA-1', 1, 'create-sighting', '{}', 'x'),
                        ('OP-2', 'I-2', 'dev-2', 'PC-1', 2, 'create-intervention', '{}', 'x');
                    """
            )
        }
        // Up to v4 only: its rows are stand-ins ('{}'), which later steps that read records (the dashboard's
        // facts) are not meant to decode.
        try CentralSchema.migrator.migrate(database, upTo: "v4: scope follows the record, authors' roles, scope moves")
        let scopes = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, scopeRecordId, scopeVenueId FROM record ORDER BY id").map {
                "\($0["id"] as String) \($0["scopeRecordId"] as String) \($0["scopeVenueId"] as String? ?? "-")"
            }
        }
        #expect(
            scopes == ["I-2 S-1 venue-b", "I-4 I-4 venue-c", "N-3 S-1 venue-b", "S-1 S-1 venue-b", "S-5 S-5 venue-d"]
        )
        let roles = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT opId, authorRole FROM operation ORDER BY opId").map {
                "\($0["opId"] as String) \($0["authorRole"] as String? ?? "-")"
            }
        }
        #expect(roles == ["OP-1 venue-staff", "OP-2 -"])
    }
}
