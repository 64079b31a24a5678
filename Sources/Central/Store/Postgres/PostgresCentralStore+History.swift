import Foundation
import Logging
import Models
import PostgresNIO

extension PostgresCentralStore {
    public func historyEpoch() async throws -> String {
        let rows = try await client.query("SELECT epoch FROM history_epoch", logger: logger)
        for try await epoch in rows.decode(String.self) { return epoch }
        return ""
    }

    public func beginHistoryEpoch(restoredBy caller: Caller, from backup: String, now: Date) async throws -> String {
        let epoch = Self.newEpoch()
        try await transaction { connection in
            var previous = ""
            let rows = try await connection.query("SELECT epoch FROM history_epoch FOR UPDATE", logger: logger)
            for try await epoch in rows.decode(String.self) { previous = epoch }
            try await connection.query("UPDATE history_epoch SET epoch = \(epoch)", logger: logger)
            try await Self.appendAudit(
                [Self.restoreEntry(caller: caller, backup: backup, previous: previous, epoch: epoch, now: now)],
                on: connection,
                logger: logger
            )
        }
        return epoch
    }
}
