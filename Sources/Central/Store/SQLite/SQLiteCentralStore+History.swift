import Foundation
import GRDB
import Models

extension SQLiteCentralStore {
    public func historyEpoch() async throws -> String {
        try await database.read { db in try String.fetchOne(db, sql: "SELECT epoch FROM historyEpoch") ?? "" }
    }

    public func beginHistoryEpoch(restoredBy caller: Caller, from backup: String, now: Date) async throws -> String {
        let epoch = Self.newEpoch()
        try await write { db in
            let previous = try String.fetchOne(db, sql: "SELECT epoch FROM historyEpoch") ?? ""
            try db.execute(sql: "UPDATE historyEpoch SET epoch = ?", arguments: [epoch])
            try Self.appendAudit(
                Self.restoreEntry(caller: caller, backup: backup, previous: previous, epoch: epoch, now: now),
                db: db
            )
        }
        return epoch
    }
}
