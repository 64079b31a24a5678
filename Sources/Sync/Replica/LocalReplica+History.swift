import Foundation
import GRDB
import Models

extension LocalReplica {
    /// Notes the identity of the server's history from an answer (`PullResponse.historyEpoch`).
    ///
    /// When it differs from the one heard before, the server was restored from a backup and has forgotten what it
    /// acknowledged since: in one transaction, every operation of this device's that the server acknowledged is
    /// queued again (pushing them again is harmless, `opId` being the idempotency key), and the pull cursor goes
    /// back to the start, with the positions heard before, since the restored server gives its positions anew and
    /// what other devices push again arrives at positions this device already passed. Operations already here
    /// are not stored twice.
    /// - Returns: whether the history changed (false the first time one is heard, and when none is given).
    @discardableResult
    public func adoptHistoryEpoch(_ epoch: String?) throws -> Bool {
        guard let epoch else { return false }
        return try database.write { db in
            let known = try String.fetchOne(db, sql: "SELECT historyEpoch FROM syncState")
            guard known != epoch else { return false }
            try db.execute(sql: "UPDATE syncState SET historyEpoch = ?", arguments: [epoch])
            guard known != nil else { return false }
            try db.execute(
                sql: """
                    UPDATE operation SET outbox = '\(OutboxState.pending.rawValue)'
                    WHERE outbox = '\(OutboxState.acknowledged.rawValue)';
                    UPDATE operation SET pulledSeq = NULL;
                    DELETE FROM withdrawal;
                    UPDATE syncState SET pullCursor = 0;
                    """
            )
            return true
        }
    }
}
