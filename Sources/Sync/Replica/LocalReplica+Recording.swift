import Foundation
import GRDB
import Models
import SQLiteSupport

extension LocalReplica {
    /// Records a new operation made by this device's user, durably, and queues it for the server.
    ///
    /// The operation is stamped with the device's hybrid logical clock, checked against every rule that can
    /// be checked here (including the venue of venue staff and the record an amendment or note refers to),
    /// stored, and merged into its record, all in one transaction: on any error nothing is written.
    ///
    /// - Parameters:
    ///   - payload: what to record; a create's record must carry this user as its reporter.
    ///   - recordId: the record it touches (the new record's id for a create).
    ///   - now: the device's wall clock.
    /// - Returns: the stored operation.
    @discardableResult
    public func append(_ payload: OperationPayload, recordId: UUID, now: Date = Date()) throws -> LogOperation {
        try append(contentsOf: [(payload, recordId)], now: now)[0]
    }

    /// Records several operations in one transaction, as `append(_:recordId:now:)` records one: all are
    /// stored, or (on the first refusal) none. For imports and bulk loads.
    @discardableResult
    public func append(contentsOf entries: [(OperationPayload, UUID)], now: Date = Date()) throws -> [LogOperation] {
        let identity = storedIdentity
        let operations = try database.write { db in
            var clock = HybridLogicalClock(latest: try Self.clock(db))
            let upsert = try Self.prepareRecordUpsert(db)
            let operations = try entries.map { payload, recordId in
                try Self.record(
                    payload,
                    recordId: recordId,
                    now: now,
                    identity: identity,
                    clock: &clock,
                    upsert: upsert,
                    db: db
                )
            }
            try db.execute(sql: "UPDATE syncState SET clock = ?", arguments: [clock.latest.rawValue])
            return operations
        }
        if operations.contains(where: { $0.kind == .redact }) { clearRedactedContentFromLog() }
        return operations
    }

    /// After a redaction has committed: clears the copies of the redacted content's pages that earlier commits
    /// left in the write-ahead log (`RedactionCheckpoint`). Readers on older snapshots can keep it from
    /// completing; then the log is cleared at the next redaction or when the replica is closed, and the
    /// redaction itself stands either way, so this never fails a write that has committed.
    func clearRedactedContentFromLog() {
        _ = try? RedactionCheckpoint.truncateLog(of: database)
    }

    private static func record(
        _ payload: OperationPayload,
        recordId: UUID,
        now: Date,
        identity: DeviceIdentity,
        clock: inout HybridLogicalClock,
        upsert: PreparedStatement,
        db: Database
    ) throws -> LogOperation {
        let operation = LogOperation(
            deviceId: identity.deviceId,
            author: identity.userId,
            hlc: clock.tick(wallMilliseconds: now.millisecondsSince1970),
            recordId: recordId,
            payload: payload
        )
        // The stamp has absorbed faster clocks seen in pulls; only the server judges it against real time.
        do throws(ValidationError) { try operation.validate(now: max(now, operation.hlc.date)) } catch {
            throw ReplicaError.invalid(error)
        }
        try checkScope(of: operation, identity: identity, db: db)
        try insert(operation, outbox: "pending", db: db)
        try rematerialise([operation], upsert: upsert, db: db)
        if case .redact = payload { try removeRedactedContent(of: [recordId], db: db) }
        if case .amend = payload, let state = try state(of: recordId, db: db),
            let entry = state.amendments.first(where: { $0.stamp.opId == operation.opId }),
            case .refused(let code, let message) = entry.standing
        {
            throw ReplicaError.invalid(ValidationError(code: code, message: message))
        }
        return operation
    }

    /// Refuses what this device's user may not record (`OperationPermission`: venues of venue staff, police
    /// actions, who amends, reviews and redacts) and amendments, notes or links of records that are not here.
    private static func checkScope(of operation: LogOperation, identity: DeviceIdentity, db: Database) throws {
        var target: RecordState?
        var referenced: RecordState?
        switch operation.payload {
        case .createSighting:
            break
        case .createIntervention(let intervention):
            if let sightingId = intervention.sightingId {
                referenced = try existingRecord(sightingId, db: db)
                guard referenced?.type == .sighting else { throw ReplicaError.unknownRecord(sightingId) }
            }
        case .createNote(let note):
            referenced = try existingRecord(note.recordId, db: db)
            guard referenced?.type != .note else { throw ReplicaError.unknownRecord(note.recordId) }
        case .amend, .setRegister, .redact:
            target = try existingRecord(operation.recordId, db: db)
            if case .setRegister(.link(let link, _)) = operation.payload {
                _ = try existingRecord(link.target, db: db)
            }
        case .redacted:
            break  // Refused by validation before this point.
        }
        // Every record on a device is in its user's scope: venue staff record only at their venue and the
        // server sends them only the records made there.
        let scope = identity.venueId
        do throws(ValidationError) {
            try OperationPermission.check(
                operation,
                by: identity.caller,
                target: target,
                targetScope: scope,
                referenced: referenced,
                referencedScope: scope
            )
        } catch {
            throw ReplicaError.notAllowed(error.message)
        }
    }

    /// The record, if it is on this device and not redacted.
    private static func existingRecord(_ id: UUID, db: Database) throws -> RecordState {
        guard let record = try state(of: id, db: db) else { throw ReplicaError.unknownRecord(id) }
        // A record can arrive without its content before its redaction does (the server strips a redacted
        // record's operations): it is redacted all the same.
        guard record.redaction == nil else { throw ReplicaError.invalid(.recordRedacted) }
        if case .redacted = record.current { throw ReplicaError.invalid(.recordRedacted) }
        return record
    }

    static func clock(_ db: Database) throws -> HLCTimestamp {
        HLCTimestamp(rawValue: try Int64.fetchOne(db, sql: "SELECT clock FROM syncState") ?? 0)
    }

    static func insert(_ operation: LogOperation, outbox: String, db: Database) throws {
        let body = String(decoding: WireCoding.encodeOperation(operation), as: UTF8.self)
        try db.cachedStatement(
            sql: "INSERT INTO operation (opId, recordId, hlc, body, outbox) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [
            operation.opId.text, operation.recordId.text, operation.hlc.rawValue, body, outbox,
        ])
    }
}
