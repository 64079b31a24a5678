import Foundation
import GRDB
import Models
import Sync
import TestSupport

/// What a device recorded, as the server must come to hold it: the record, the content, and who made it — not
/// the operation's id or stamp, which a refusal that passes changes (`LocalReplica.restampPassingRefusals`).
struct RecordedContent: Hashable, Sendable {
    var deviceId: String
    var recordId: UUID
    var payload: OperationPayload

    /// A record's times are left out: a record made by a wall clock that ran ahead is retimed when it is sent
    /// again (`LocalReplica.retimed`), and the server checks them as any record's.
    init(_ operation: LogOperation) {
        deviceId = operation.deviceId
        recordId = operation.recordId
        payload = Self.withoutTimes(operation.payload)
    }

    private static func withoutTimes(_ payload: OperationPayload) -> OperationPayload {
        let none = Date(timeIntervalSince1970: 0)
        switch payload {
        case .createSighting(var sighting):
            (sighting.occurredAt, sighting.recordedAt) = (none, none)
            return .createSighting(sighting)
        case .createIntervention(var intervention):
            (intervention.occurredAt, intervention.recordedAt) = (none, none)
            return .createIntervention(intervention)
        case .createNote(var note):
            note.recordedAt = none
            return .createNote(note)
        default:
            return payload
        }
    }

    /// As a holder of a redacted record keeps it: without content.
    func normalised(redacted: Set<UUID>) -> RecordedContent {
        guard redacted.contains(recordId) else { return self }
        var copy = self
        copy.payload =
            LogOperation(deviceId: deviceId, author: "", hlc: .zero, recordId: recordId, payload: payload)
            .withoutContent.payload
        return copy
    }
}

extension ConvergenceCase {
    /// Changes one byte of one stored value on the device, through a connection of its own, as a failing disk
    /// or another program would: an operation waiting to be sent (its only copy), or a merged record's state.
    func corruptStored(on device: Int, rng: inout SeededGenerator) throws {
        let replica = devices[device].replica
        let file = devices[device].directory.appendingPathComponent(LocalReplica.fileName)
        let queue = try DatabaseQueue(path: file.path)
        defer { try? queue.close() }
        if rng.chance(0.7) {
            let pending = try queue.read { db in
                try String.fetchAll(db, sql: "SELECT opId FROM operation WHERE outbox = 'pending' ORDER BY localSeq")
            }
            guard !pending.isEmpty else { return log("has no operation waiting to damage") }
            let opId = rng.pick(pending)
            // What it held, read while it still can be: it is lost with its only copy.
            if let operation = try replica.allOperations().first(where: { $0.opId.text == opId }) {
                damaged[operation.deviceId, default: []].append((operation.opId, RecordedContent(operation)))
            }
            try flipByte(in: "operation", column: "body", where: "opId", is: opId, queue: queue, rng: &rng)
            count("corrupted.pending")
            log("one byte of its waiting operation \(opId.prefix(8)) changes")
        } else {
            let ids = try queue.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM record WHERE state IS NOT NULL ORDER BY id")
            }
            guard !ids.isEmpty else { return log("has no merged record state to damage") }
            let id = rng.pick(ids)
            try flipByte(in: "record", column: "state", where: "id", is: id, queue: queue, rng: &rng)
            count("corrupted.record-state")
            log("one byte of the merged state of \(label(UUID(uuidString: id) ?? UUID())) changes")
        }
    }

    private func flipByte(
        in table: String,
        column: String,
        where key: String,
        is value: String,
        queue: DatabaseQueue,
        rng: inout SeededGenerator
    ) throws {
        try queue.write { db in
            guard
                var bytes = try Data.fetchOne(
                    db,
                    sql: "SELECT \(column) FROM \(table) WHERE \(key) = ?",
                    arguments: [value]
                )
            else { return }
            let index = rng.int(0...(bytes.count - 1))
            bytes[index] ^= UInt8(rng.int(1...255))
            try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(key) = ?", arguments: [bytes, value])
        }
    }

    /// Every operation a device recorded and kept reached the server exactly once (under whatever id and stamp),
    /// unless the case damaged its only copy or the server refuses it for good (venue staff's record moved away).
    func checkRecordedExactlyOnce(
        central: [LogOperation],
        redacted: Set<UUID>,
        lost: [String: [RecordedContent]],
        expectedParked: [String: [RecordedContent]]
    ) {
        var onServer: [RecordedContent: Int] = [:]
        for operation in central {
            onServer[RecordedContent(operation).normalised(redacted: redacted), default: 0] += 1
        }
        for (deviceId, contents) in recorded {
            var expected: [RecordedContent: Int] = [:]
            for content in contents { expected[content.normalised(redacted: redacted), default: 0] += 1 }
            for content in lost[deviceId] ?? [] { expected[content.normalised(redacted: redacted), default: 0] -= 1 }
            for content in expectedParked[deviceId] ?? [] {
                expected[content.normalised(redacted: redacted), default: 0] -= 1
            }
            for (content, times) in expected where onServer[content, default: 0] != times {
                fail(
                    "exactly-once",
                    "\(deviceName(deviceId)) recorded a \(content.payload.kind.rawValue) of \(label(content.recordId)) "
                        + "\(times) time(s); the server holds it \(onServer[content, default: 0]) time(s)"
                )
            }
        }
    }
}
