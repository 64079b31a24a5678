import Foundation
import GRDB

/// Whether this device may ask the server to leave its own operations out of its pulls (`omitOwn`).
///
/// Only when the replica holds, in good form, every operation made under its device id that the server may hold:
/// then nothing the server leaves out is missing here. `syncState.ownOperationsHeld` is 0 while this is not
/// known, 1 once known, and -1 for good once the replica set aside a damaged copy of an operation.
///
/// A replica starts not knowing it (a new one, one repaired from a damaged file, which keeps only its unsent
/// operations, and one made before this was kept) and learns it when a pull that left nothing out reaches the
/// end of the server's log. A damaged copy set aside (`setAsideDamaged`, `quarantine`) may be of one of its own
/// operations that the server holds, and whose copy pulls left out: the replica then pulls again from the start,
/// and never leaves its own out again (a page delivered late could otherwise make it believe it whole again while
/// the server's copy still lies ahead); `device repair` makes a new replica, which learns again.
extension LocalReplica {
    /// Whether the next pull may leave out this device's own operations.
    public func holdsOwnOperations() throws -> Bool {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT ownOperationsHeld FROM syncState") == 1 }
    }

    /// Notes, with a pulled page that left nothing out and ended the server's log, that every own operation is
    /// here (unless a damaged copy was set aside).
    static func noteOwnOperationsHeld(db: Database) throws {
        try db.execute(sql: "UPDATE syncState SET ownOperationsHeld = 1 WHERE ownOperationsHeld = 0")
    }

    /// Notes that a damaged copy was set aside: the replica's pulls never leave its own out again, and if they
    /// did until now, the next one starts over.
    static func forgetOwnOperationsHeld(db: Database) throws {
        try db.execute(
            sql: """
                UPDATE syncState SET pullCursor = CASE WHEN ownOperationsHeld = 1 THEN 0 ELSE pullCursor END,
                    ownOperationsHeld = -1
                """
        )
    }
}
