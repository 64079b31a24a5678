import Foundation
import GRDB
import Models
import SQLiteSupport
import Testing

@Suite("Prepared statement")
struct PreparedStatementTests {
    @Test("values are stored exactly as bound: ids as their text, text, integers and NULL")
    func bindsValues() throws {
        let id = UUID()
        let row = try DatabaseQueue().write { db in
            try db.execute(sql: "CREATE TABLE t (id TEXT, text TEXT, number INTEGER, absent TEXT)")
            let insert = try PreparedStatement("INSERT INTO t VALUES (?, ?, ?, ?)", in: db)
            #expect(try insert.execute(.id(id), .text("Café “Ø” 🚓"), .integer(-9_007_199_254_740_993), .text(nil)) == 1)
            return try Row.fetchOne(db, sql: "SELECT * FROM t")
        }
        #expect(row?["id"] == id.text)
        #expect(row?["text"] == "Café “Ø” 🚓")
        #expect(row?["number"] == Int64(-9_007_199_254_740_993))
        #expect(row?.hasNull(atIndex: 3) == true)
    }

    @Test("a refused row throws SQLite's error and leaves the statement and the transaction usable")
    func refusalThrows() throws {
        try DatabaseQueue().write { db in
            try db.execute(sql: "CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER CHECK (n > 0))")
            let insert = try PreparedStatement("INSERT INTO t VALUES (?, ?)", in: db)
            try insert.execute(.text("a"), .integer(1))
            let error = try #require(throws: DatabaseError.self) { try insert.execute(.text("a"), .integer(2)) }
            #expect(error.resultCode == .SQLITE_CONSTRAINT)
            #expect(throws: DatabaseError.self) { try insert.execute(.text("b"), .integer(0)) }
            try insert.execute(.text("b"), .integer(2))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 2)
        }
    }

    @Test("SQL that does not compile is refused with SQLite's reason")
    func badSQL() throws {
        try DatabaseQueue().write { db in
            let error = try #require(throws: DatabaseError.self) {
                try PreparedStatement("INSERT INTO nowhere VALUES (?)", in: db)
            }
            #expect(error.message?.contains("no such table") == true)
        }
    }
}
