import Foundation
import GRDB

/// Whether this device may ask the server to leave its own operations out of its pulls (`omitOwn`).
///
/// Only when the replica holds every operation made under its device id that the server may hold: then
/// nothing the server leaves out is missing here. A replica starts not knowing it (a new one, one repaired
/// from a damaged file, which keeps only its unsent operations, and one made before this was kept) and learns
/// it when a pull that left nothing out reaches the end of the server's log. It forgets it when it sets aside
/// a damaged copy of an operation (`setAsideDamaged`, `quarantine`), and then pulls again from the start, since
/// the server's copy may lie behind its cursor.
extension LocalReplica {
    /// Whether the next pull may leave out this device's own operations.
    public func holdsOwnOperations() throws -> Bool {
        try database.read { db in try Bool.fetchOne(db, sql: "SELECT ownOperationsHeld FROM syncState") ?? false }
    }

    /// Notes, with a pulled page that left nothing out and ended the server's log, that every own operation is
    /// here.
    static func noteOwnOperationsHeld(db: Database) throws {
        try db.execute(sql: "UPDATE syncState SET ownOperationsHeld = 1")
    }

    /// Forgets that every own operation is here; if pulls left them out until now, the next pull starts over.
    static func forgetOwnOperationsHeld(db: Database) throws {
        try db.execute(
            sql: """
                UPDATE syncState SET pullCursor = CASE WHEN ownOperationsHeld = 1 THEN 0 ELSE pullCursor END,
                    ownOperationsHeld = 0
                """
        )
    }
}
