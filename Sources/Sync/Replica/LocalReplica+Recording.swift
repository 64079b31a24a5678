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
    ///   - payload: what to record; a create's record must carry this user as its reporter. An amendment's
    ///     `replaced` is set here, to the field's value in the record as this device holds it.
    ///   - recordId: the record it touches (the new record's id for a create).
    ///   - now: the device's clocks; the operation is stamped at the time they tell by the server's clock
    ///     (`estimatedTime`).
    /// - Returns: the stored operation.
    @discardableResult
    public func append(
        _ payload: OperationPayload,
        recordId: UUID,
        now: DeviceTime = DeviceClock.now()
    ) throws -> LogOperation {
        try append(contentsOf: [(payload, recordId)], now: now)[0]
    }

    /// Records several operations in one transaction, as `append(_:recordId:now:)` records one: all are
    /// stored, or (on the first refusal) none. For imports and bulk loads.
    @discardableResult
    public func append(
        contentsOf entries: [(OperationPayload, UUID)],
        now time: DeviceTime = DeviceClock.now()
    ) throws -> [LogOperation] {
        let identity = storedIdentity
        let cipher = try contentCipher()
        let write = { @Sendable (db: Database) throws -> [LogOperation] in
            let stamping = try Self.stampingClock(at: time, db: db)
            var clock = stamping.clock
            let now = stamping.now
            let upsert = try RecordTable.prepareUpsert(db)
            // The venue list pulled from the server, read at the first operation that names a venue, once.
            var knownVenues: Set<String>?
            let operations = try entries.map { payload, recordId in
                try Self.record(
                    payload,
                    recordId: recordId,
                    now: now,
                    boot: time.boot,
                    identity: identity,
                    clock: &clock,
                    knownVenues: &knownVenues,
                    upsert: upsert,
                    cipher: cipher,
                    db: db
                )
            }
            try db.cachedStatement(sql: "UPDATE syncState SET clock = ?").execute(arguments: [clock.latest.rawValue])
            return operations
        }
        let operations: [LogOperation]
        do {
            operations = try database.write(write)
        } catch ReplicaError.damagedContent {
            // A record it is checked against is damaged: merged again from what is readable, then tried again.
            try healDamagedContent()
            operations = try database.write(write)
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
        boot: BootInstant?,
        identity: DeviceIdentity,
        clock: inout HybridLogicalClock,
        knownVenues: inout Set<String>?,
        upsert: PreparedStatement,
        cipher: ContentCipher,
        db: Database
    ) throws -> LogOperation {
        var payload = payload
        if case .amend(var amendment) = payload, let target = try state(of: recordId, cipher: cipher, db: db) {
            // What this user had in front of them, so the history can say what each person saw.
            amendment.replaced = amendment.field.value(in: target.current)
            payload = .amend(amendment)
        }
        let operation = LogOperation(
            deviceId: identity.deviceId,
            author: identity.userId,
            hlc: clock.tick(wallMilliseconds: now.millisecondsSince1970),
            recordId: recordId,
            payload: payload
        )
        try checkScope(
            of: operation,
            identity: identity,
            now: now,
            knownVenues: &knownVenues,
            cipher: cipher,
            db: db
        )
        try insert(operation, outbox: .pending, madeAt: boot, cipher: cipher, db: db)
        try rematerialise([operation], upsert: upsert, cipher: cipher, db: db)
        if case .redact = payload { try removeRedactedContent(of: [recordId], cipher: cipher, db: db) }
        if case .amend = payload, let state = try state(of: recordId, cipher: cipher, db: db),
            let entry = state.amendments.first(where: { $0.stamp.opId == operation.opId }),
            case .refused(let code, let message) = entry.standing
        {
            throw ReplicaError.invalid(ValidationError(code: code, message: message))
        }
        try checkDispersal(operation, cipher: cipher, db: db)
        return operation
    }

    /// Refuses what this device's user may not record: what the server's intake refuses (`OperationAdmission`:
    /// the operation's own rules, records created once, notes, interventions, amendments, registers and links
    /// of records that exist; `VenueReference`: venues in the venue list last pulled, if any;
    /// `OperationPermission`: venues of venue staff, police actions, who amends, reviews and redacts), judged
    /// against the records on this device — and, here only, anything more on a redacted record.
    private static func checkScope(
        of operation: LogOperation,
        identity: DeviceIdentity,
        now: Date,
        knownVenues: inout Set<String>?,
        cipher: ContentCipher,
        db: Database
    ) throws {
        let target = operation.kind.isCreate ? nil : try state(of: operation.recordId, cipher: cipher, db: db)
        let referencedId = OperationAdmission.referencedRecordId(of: operation)
        let referenced = try referencedId.flatMap { try state(of: $0, cipher: cipher, db: db) }
        do throws(ValidationError) {
            // The stamp has absorbed faster clocks seen in pulls; only the server judges it against real time.
            try OperationAdmission.check(
                operation,
                target: target,
                referenced: referenced,
                now: max(now, operation.hlc.date)
            )
        } catch  where error.code == "unknown-record" {
            throw ReplicaError.unknownRecord(referencedId ?? operation.recordId)
        } catch {
            throw ReplicaError.invalid(error)
        }
        // A venue outside the list pulled from the server is refused now, as the server would refuse it at the
        // push; a device that has pulled no list yet leaves it to the server (`VenueReference`).
        if !VenueReference.venueIds(in: operation).isEmpty {
            let known = try knownVenues ?? Set(String.fetchAll(db.cachedStatement(sql: "SELECT id FROM venue")))
            knownVenues = known
            do throws(ValidationError) { try VenueReference.check(operation, known: known) } catch {
                throw ReplicaError.invalid(error)
            }
        }
        var linked: RecordState?
        if case .setRegister(.link(let link, _)) = operation.payload {
            linked = try state(of: link.target, cipher: cipher, db: db)
            guard linked != nil else { throw ReplicaError.unknownRecord(link.target) }
        }
        for record in [target, referenced, linked].compactMap(\.self) { try refuseRedacted(record) }
        // Every record on a device is in its user's scope: the server sends venue staff only the records in
        // theirs.
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

    /// Refuses a dispersal direction that this device cannot place inside the section 34 authorisation it cites
    /// (`DispersalRule`), as the record stands with the operation: the server checks it again.
    private static func checkDispersal(_ operation: LogOperation, cipher: ContentCipher, db: Database) throws {
        guard operation.kind == .createIntervention || operation.kind == .amend else { return }
        let merged = try state(of: operation.recordId, cipher: cipher, db: db)
        let cited = try DispersalRule.citedAuthorisationId(of: operation, target: merged)
            .flatMap { try state(of: $0, cipher: cipher, db: db) }
        do throws(ValidationError) {
            try DispersalRule.check(operation, merged: merged, authorisation: cited)
        } catch {
            throw ReplicaError.invalid(error)
        }
    }

    /// A record can arrive without its content before its redaction does (the server strips a redacted
    /// record's operations): it is redacted all the same, and a device records nothing more on it.
    private static func refuseRedacted(_ record: RecordState) throws {
        guard record.redaction == nil else { throw ReplicaError.invalid(.recordRedacted) }
        if case .redacted = record.current { throw ReplicaError.invalid(.recordRedacted) }
    }

    static func clock(_ db: Database) throws -> HLCTimestamp {
        HLCTimestamp(rawValue: try Int64.fetchOne(db.cachedStatement(sql: "SELECT clock FROM syncState")) ?? 0)
    }

    /// Stores an operation made here, with the boot clock's reading when it was made (`madeAt`).
    static func insert(
        _ operation: LogOperation,
        outbox: OutboxState,
        madeAt boot: BootInstant?,
        cipher: ContentCipher,
        db: Database
    ) throws {
        let body = try cipher.seal(WireCoding.encodeOperation(operation), as: .operationBody, of: operation.opId)
        try db.cachedStatement(
            sql:
                "INSERT INTO operation (opId, recordId, hlc, body, outbox, bootId, bootTime) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            operation.opId.text, operation.recordId.text, operation.hlc.rawValue, body, outbox, boot?.bootId,
            boot?.milliseconds,
        ])
    }
}
