import Foundation
import GRDB
import GRDBSQLite
import Models

/// A value bound to a `PreparedStatement`'s parameter.
public enum BoundValue {
    case id(UUID)
    case text(String)
    case integer(Int64)
    case blob(Data)
    case null

    /// Text, or NULL for nil.
    public static func text(_ value: String?) -> BoundValue { value.map(BoundValue.text) ?? .null }

    /// Bytes, or NULL for nil.
    public static func blob(_ value: Data?) -> BoundValue { value.map(BoundValue.blob) ?? .null }

    /// An id's text, or NULL for nil.
    public static func id(_ value: UUID?) -> BoundValue { value.map(BoundValue.id) ?? .null }
}

/// A statement prepared on a GRDB connection and run through SQLite's C interface, for the statements run once
/// per operation when a device stores a pulled page or the central store a push.
///
/// GRDB's general argument handling (boxing each value, nested binding closures, a statement cache looked up by
/// the SQL's text) cost as much as SQLite's own work for these small inserts. A `PreparedStatement` binds each
/// value directly (an id's text from the stack). It runs in the caller's transaction on the same connection and
/// is finalized when released, so it must not outlive the database access it was made in.
public final class PreparedStatement {
    private let statement: OpaquePointer
    private let connection: OpaquePointer
    private let sql: String

    /// Prepares `sql` on the connection of `db`.
    /// - Throws: `DatabaseError` with SQLite's reason if it does not compile.
    public init(_ sql: String, in db: Database) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "The database is closed.", sql: sql)
        }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: String(cString: sqlite3_errmsg(connection)),
                sql: sql
            )
        }
        self.statement = statement
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(statement)
    }

    /// Runs the statement once with these values for its parameters, in order.
    /// - Returns: how many rows it inserted, updated or deleted.
    @discardableResult
    public func execute(_ values: BoundValue...) throws -> Int {
        sqlite3_reset(statement)
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            let failure = error(code)
            sqlite3_reset(statement)
            throw failure
        }
        sqlite3_reset(statement)
        return Int(sqlite3_changes(connection))
    }

    private func bind(_ value: BoundValue, at index: Int32) throws {
        let code: Int32
        switch value {
        case .id(let id):
            code = id.withText { text in
                sqlite3_bind_text(statement, index, text.baseAddress, 36, Self.transient)
            }
        case .text(var text):
            code = text.withUTF8 { bytes in
                sqlite3_bind_text(statement, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
            }
        case .integer(let integer):
            code = sqlite3_bind_int64(statement, index, integer)
        case .blob(let data):
            code = data.withUnsafeBytes { bytes in
                sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
            }
        case .null:
            code = sqlite3_bind_null(statement, index)
        }
        guard code == SQLITE_OK else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: String(cString: sqlite3_errmsg(connection)),
            sql: sql
        )
    }

    /// SQLite copies what is bound with this destructor before the call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
