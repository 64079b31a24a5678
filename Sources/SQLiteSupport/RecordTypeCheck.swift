import Foundation
import GRDB

/// The CHECK on the `record` table's type, which the device and the SQLite central store share.
public enum RecordTypeCheck {
    /// Widens the CHECK to admit section 34 authorisations (`RecordType.authorisation`).
    ///
    /// A CHECK cannot be altered in place, so the table is rebuilt from its own definition, whatever columns and
    /// indexes earlier migrations gave it, with its rows; nothing else changes.
    public static func admitAuthorisations(_ db: Database) throws {
        guard
            let table = try String.fetchOne(
                db,
                sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'record'"
            ),
            let columns = table.firstIndex(of: "(")
        else { return }
        let narrow = "OR type = 'note')"
        guard table.contains(narrow) else { return }
        let indexes = try String.fetchAll(
            db,
            sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'record' AND sql IS NOT NULL"
        )
        let widened = table[columns...].replacingOccurrences(
            of: narrow,
            with: "OR type = 'note' OR type = 'authorisation')"
        )
        try db.execute(sql: "CREATE TABLE record_widened " + widened)
        try db.execute(sql: "INSERT INTO record_widened SELECT * FROM record")
        try db.execute(sql: "DROP TABLE record")
        try db.execute(sql: "ALTER TABLE record_widened RENAME TO record")
        for index in indexes { try db.execute(sql: index) }
    }
}
