import Foundation
import GRDB
import Testing

@testable import Sync

@Suite("Device schema")
struct DeviceSchemaTests {
    @Test("v2 keeps a v1 database's operations, records and local positions, and refuses what v1 refused")
    func migrationKeepsRowsAndRules() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try DatabaseQueue(path: directory.appendingPathComponent("device.sqlite").path)
        try DeviceSchema.migrator.migrate(database, upTo: "v1: identity, operations, records, venues")
        try database.write { db in
            for (index, outbox) in ["acknowledged", "pending", "parked", "pulled"].enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO operation (opId, recordId, hlc, body, outbox, parkedCode, parkedMessage)
                        VALUES (?, 'REC-1', ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        "OP-\(index)", index, "{\"n\":\(index)}", outbox, outbox == "parked" ? "out-of-scope" : nil,
                        outbox == "parked" ? "Not your venue." : nil,
                    ]
                )
            }
            // The last position is gone, and must still never be used again.
            try db.execute(sql: "DELETE FROM operation WHERE opId = 'OP-3'")
            try db.execute(
                sql: """
                    INSERT INTO record (id, type, venueId, parentId, occurredAt, createdOpId, redacted, state) VALUES
                        ('REC-1', 'sighting', 'venue-a', NULL, 1000, 'OP-0', 0, NULL),
                        ('REC-2', 'note', 'venue-a', 'REC-1', 2000, 'OP-1', 1, '{"redacted":true}')
                    """
            )
        }
        let contents = { (db: Database) in
            (
                try Row.fetchAll(db, sql: "SELECT * FROM operation ORDER BY localSeq"),
                try Row.fetchAll(db, sql: "SELECT * FROM record ORDER BY id")
            )
        }
        let before = try database.read(contents)

        try DeviceSchema.migrator.migrate(database, upTo: "v2: checks as comparisons, partial indexes")

        let after = try database.read(contents)
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        try database.write { db in
            try db.execute(
                sql:
                    "INSERT INTO operation (opId, recordId, hlc, body, outbox) VALUES ('OP-4', 'REC-1', 4, '{}', 'pending')"
            )
            #expect(db.lastInsertedRowID == 5)
        }
        for refused in [
            "INSERT INTO operation (opId, recordId, hlc, body, outbox) VALUES ('OP-5', 'REC-1', 5, '{}', 'sent')",
            """
            INSERT INTO record (id, type, occurredAt, createdOpId) VALUES ('REC-3', 'memo', 0, 'OP-0')
            """,
            """
            INSERT INTO record (id, type, occurredAt, createdOpId, redacted) VALUES ('REC-3', 'note', 0, 'OP-0', 2)
            """,
        ] {
            #expect(throws: DatabaseError.self) { try database.write { try $0.execute(sql: refused) } }
        }
    }

    @Test("the outbox and notes' queries use the partial indexes that hold only their rows")
    func queriesUseTheirIndexes() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try DatabaseQueue(path: directory.appendingPathComponent("device.sqlite").path)
        try DeviceSchema.migrator.migrate(database)
        let plans: [(query: String, index: String)] = [
            (
                "SELECT opId FROM operation WHERE outbox = 'pending' AND localSeq > 0 ORDER BY localSeq",
                "operation_pending"
            ),
            ("SELECT COUNT(*) FROM operation WHERE outbox = 'pending'", "operation_pending"),
            ("SELECT opId FROM operation WHERE outbox = 'parked' ORDER BY localSeq", "operation_parked"),
            ("SELECT id FROM record WHERE parentId = 'REC-1'", "record_parent"),
        ]
        for (query, index) in plans {
            let plan = try database.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(query)").map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains(index) }, "\(query): \(plan)")
        }
    }
}
