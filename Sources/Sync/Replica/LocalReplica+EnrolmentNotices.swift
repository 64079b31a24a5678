import Foundation
import GRDB
import Models

extension LocalReplica {
    /// The notices of `notices` the user should hear now: each device newly enrolled, or whose status changed,
    /// since this device last heard; and every device still waiting for approval. What was heard is kept.
    /// A replica that cannot be written (`isReadOnly`) tells every notice, every time.
    public func enrolmentNoticesToTell(_ notices: [EnrolmentNotice]) throws -> [EnrolmentNotice] {
        guard !notices.isEmpty else { return [] }
        guard !isReadOnly else { return notices }
        return try database.write { db in
            try notices.filter { notice in
                let heard = try String.fetchOne(
                    db,
                    sql: "SELECT status FROM enrolmentNotice WHERE deviceId = ?",
                    arguments: [notice.deviceId]
                )
                try db.execute(
                    sql: "INSERT OR REPLACE INTO enrolmentNotice (deviceId, status) VALUES (?, ?)",
                    arguments: [notice.deviceId, notice.status.rawValue]
                )
                return heard != notice.status.rawValue || notice.status == .pendingApproval
            }
        }
    }
}
