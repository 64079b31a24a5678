import Central
import Foundation
import GRDB
import Models
import PostgresNIO

/// The limit to compare pushes with: the same operation rows inserted straight into the database, with the
/// columns and indexes of the central store's `operation` table, no HTTP, no checks, no records, no audit.
struct RawInsertBench {
    let workspace: URL

    /// The columns of one `operation` row, as the central stores write them.
    struct Row {
        var opId: String
        var recordId: String
        var deviceId: String
        var author: String
        var hlc: Int64
        var kind: String
        var body: String
        var receivedAt: String

        init(_ operation: LogOperation, receivedAt: String) {
            opId = operation.opId.text
            recordId = operation.recordId.text
            deviceId = operation.deviceId
            author = operation.author
            hlc = Int64(operation.hlc.rawValue)
            kind = operation.kind.rawValue
            body = String(decoding: WireCoding.encodeOperation(operation), as: UTF8.self)
            self.receivedAt = receivedAt
        }
    }

    /// Rows per transaction (SQLite) or per multi-row INSERT (PostgreSQL).
    static let rowsPerTransaction = 500

    /// Rows per second into a new SQLite file (GRDB, WAL, synchronous = FULL), one transaction per 500 rows.
    func sqlite(_ rows: [Row], name: String) throws -> Double {
        let directory = workspace.appendingPathComponent("raw-\(name)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try DatabasePool(path: directory.appendingPathComponent("raw.sqlite").path)
        try database.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    PRAGMA synchronous = FULL;
                    CREATE TABLE operation (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, opId TEXT NOT NULL UNIQUE, recordId TEXT NOT NULL,
                        deviceId TEXT NOT NULL, author TEXT NOT NULL, hlc INTEGER NOT NULL, kind TEXT NOT NULL,
                        body TEXT NOT NULL, receivedAt TEXT NOT NULL);
                    CREATE INDEX operation_record ON operation(recordId);
                    """
            )
        }
        let seconds = try BenchCommand.time {
            for start in stride(from: 0, to: rows.count, by: Self.rowsPerTransaction) {
                try database.write { db in
                    let insert = try db.cachedStatement(
                        sql: """
                            INSERT INTO operation (opId, recordId, deviceId, author, hlc, kind, body, receivedAt)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """
                    )
                    for row in rows[start..<min(start + Self.rowsPerTransaction, rows.count)] {
                        try insert.execute(arguments: [
                            row.opId, row.recordId, row.deviceId, row.author, row.hlc, row.kind, row.body,
                            row.receivedAt,
                        ])
                    }
                }
            }
        }
        return Double(rows.count) / seconds
    }

    /// Rows per second into a new PostgreSQL database (PostgresNIO, one connection), one multi-row INSERT of
    /// 500 rows per statement, each statement its own transaction.
    func postgres(_ rows: [Row], on kind: BenchStore, name: String) async throws -> Double {
        try await kind.withScratch(in: workspace, named: "raw-\(name)") { store in
            try await BenchStore.withConnection(to: store.database!) { connection in
                let logger = BenchStore.logger
                try await connection.query(
                    """
                    CREATE TABLE operation (
                        seq BIGSERIAL PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, record_id TEXT NOT NULL,
                        device_id TEXT NOT NULL, author TEXT NOT NULL, hlc BIGINT NOT NULL, kind TEXT NOT NULL,
                        body TEXT NOT NULL, received_at TEXT NOT NULL)
                    """,
                    logger: logger
                )
                try await connection.query("CREATE INDEX operation_record ON operation (record_id)", logger: logger)
                let start = ContinuousClock.now
                for first in stride(from: 0, to: rows.count, by: Self.rowsPerTransaction) {
                    let chunk = rows[first..<min(first + Self.rowsPerTransaction, rows.count)]
                    var bindings = PostgresBindings(capacity: chunk.count * 8)
                    var tuples: [String] = []
                    for row in chunk {
                        let base = bindings.count
                        tuples.append("(" + (1...8).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
                        bindings.append(row.opId)
                        bindings.append(row.recordId)
                        bindings.append(row.deviceId)
                        bindings.append(row.author)
                        bindings.append(row.hlc)
                        bindings.append(row.kind)
                        bindings.append(row.body)
                        bindings.append(row.receivedAt)
                    }
                    let sql =
                        "INSERT INTO operation (op_id, record_id, device_id, author, hlc, kind, body, received_at) "
                        + "VALUES " + tuples.joined(separator: ", ")
                    try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                }
                return Double(rows.count) / BenchCommand.seconds(ContinuousClock.now - start)
            }
        }
    }
}
