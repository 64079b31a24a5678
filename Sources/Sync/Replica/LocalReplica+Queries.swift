import Foundation
import GRDB
import Models

extension LocalReplica {
    /// The merged records that match the filter, oldest event first.
    public func records(matching filter: RecordFilter = RecordFilter()) throws -> [RecordState] {
        let cipher = try contentCipher()
        return try readHealingDamage { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let venueId = filter.venueId {
                conditions.append("venueId = ?")
                _ = arguments.append(contentsOf: [venueId])
            }
            if let since = filter.since {
                conditions.append("occurredAt >= ?")
                _ = arguments.append(contentsOf: [since.millisecondsSince1970])
            }
            if let until = filter.until {
                conditions.append("occurredAt < ?")
                _ = arguments.append(contentsOf: [until.millisecondsSince1970])
            }
            if let types = filter.types {
                conditions.append("type IN (\(types.map { _ in "?" }.joined(separator: ", ")))")
                _ = arguments.append(contentsOf: StatementArguments(types.map(\.rawValue)))
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Self.states(
                db,
                cipher: cipher,
                where: whereClause,
                orderedBy: "occurredAt, id",
                arguments: arguments
            )
        }
    }

    /// One merged record, or nil when it is not on this device.
    public func record(id: UUID) throws -> RecordState? {
        let cipher = try contentCipher()
        return try readHealingDamage { db in try Self.state(of: id, cipher: cipher, db: db) }
    }

    /// The notes and interventions attached to a record, oldest first.
    public func attachments(of id: UUID) throws -> [RecordState] {
        let cipher = try contentCipher()
        return try readHealingDamage { db in
            try Self.states(
                db,
                cipher: cipher,
                where: "WHERE parentId = ?",
                orderedBy: "occurredAt, id",
                arguments: [id.text]
            )
        }
    }

    /// Every operation on this device whose stored copy is sound, in the order they were stored here (damaged
    /// ones are quarantined once found: `parkedOperations` lists them).
    public func allOperations() throws -> [LogOperation] {
        let cipher = try contentCipher()
        return try database.read { db in
            try Row.fetchAll(db, sql: "SELECT opId, body FROM operation ORDER BY localSeq").compactMap { row in
                try? WireCoding.decodeOperation(
                    cipher.open(row["body"], as: .operationBody, of: try Self.id(row["opId"]))
                )
            }
        }
    }

    /// Operations the server refused, with its reasons.
    public func parkedOperations() throws -> [RejectedOperation] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT opId, parkedCode, parkedMessage FROM operation
                    WHERE outbox = '\(OutboxState.parked.rawValue)' ORDER BY localSeq
                    """
            ).map { row in
                RejectedOperation(
                    opId: UUID(text: row["opId"] as String)!,
                    code: row["parkedCode"] ?? "",
                    message: row["parkedMessage"] ?? ""
                )
            }
        }
    }

    /// The venues known to this device.
    public func venues() throws -> [Venue] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM venue ORDER BY id")
                .map { try WireCoding.decode(Venue.self, from: Data($0.utf8)) }
        }
    }

    /// What waits to be synced, and when the device last synced.
    public func status() throws -> ReplicaStatus {
        try database.read { db in
            let counts = try Row.fetchOne(
                db,
                sql: """
                    SELECT
                        (SELECT COUNT(*) FROM operation WHERE outbox = '\(OutboxState.pending.rawValue)') AS pending,
                        (SELECT COUNT(*) FROM operation WHERE outbox = '\(OutboxState.parked.rawValue)') AS parked,
                        (SELECT COUNT(*) FROM record) AS records,
                        pullCursor, lastSyncAt
                    FROM syncState
                    """
            )!
            return ReplicaStatus(
                identity: storedIdentity,
                pending: counts["pending"],
                parked: counts["parked"],
                records: counts["records"],
                pullCursor: counts["pullCursor"],
                lastSyncAt: (counts["lastSyncAt"] as String?).flatMap(WireCoding.parseDate)
            )
        }
    }
}
