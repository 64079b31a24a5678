import Foundation
import GRDB
import Models

extension LocalReplica {
    /// Rebuilds the merged rows of these records from all of their stored operations.
    ///
    /// Merging from the whole set every time (rather than patching) is what makes the result independent of
    /// the order operations arrived in.
    static func rematerialise(recordIds: some Collection<UUID>, db: Database) throws {
        let decoder = WireCoding.makeDecoder()
        let encoder = WireCoding.makeEncoder()
        for recordId in Set(recordIds) {
            let bodies = try String.fetchAll(
                db,
                sql: "SELECT body FROM operation WHERE recordId = ?",
                arguments: [recordId.uuidString]
            )
            let operations = try bodies.map { try decoder.decode(LogOperation.self, from: Data($0.utf8)) }
            guard let state = RecordFold.fold(operations) else { continue }
            let parentId = state.parentId
            var venueId = state.current.location?.venueId
            if case .note = state.original, let parentId {
                venueId = try String.fetchOne(
                    db,
                    sql: "SELECT venueId FROM record WHERE id = ?",
                    arguments: [parentId.uuidString]
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO record (id, type, venueId, parentId, occurredAt, state) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET
                        venueId = excluded.venueId, parentId = excluded.parentId,
                        occurredAt = excluded.occurredAt, state = excluded.state
                    """,
                arguments: [
                    recordId.uuidString, state.type.rawValue, venueId, parentId?.uuidString,
                    state.current.occurredAt.millisecondsSince1970,
                    String(decoding: try encoder.encode(state), as: UTF8.self),
                ]
            )
        }
    }

    static func state(of recordId: UUID, db: Database) throws -> RecordState? {
        guard
            let body = try String.fetchOne(
                db,
                sql: "SELECT state FROM record WHERE id = ?",
                arguments: [recordId.uuidString]
            )
        else { return nil }
        return try WireCoding.decode(RecordState.self, from: Data(body.utf8))
    }
}
