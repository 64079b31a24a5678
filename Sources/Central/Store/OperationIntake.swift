import Foundation
import Models

/// What every central store does with pushed operations and pulls, apart from reading and writing its tables:
/// one set of rules, so the SQLite and PostgreSQL stores cannot drift apart.
enum OperationIntake {
    /// A new operation that passed every check: what to store, and its record merged with it.
    struct Admitted {
        /// The operation as it is stored: without its content when its record is redacted.
        var stored: LogOperation
        /// The record after the operation.
        var merged: RecordState?
    }

    /// Checks one new operation against what the store holds and decides what to store.
    ///
    /// Everything is decided before anything is written, so a refused operation leaves nothing behind. An
    /// operation on a redacted record is kept without its content.
    ///
    /// - Parameters:
    ///   - existing: every stored operation of the operation's record, as stored.
    ///   - scope: the stored scope venue of the record with an id (see `RecordFilter.scopeVenueIds`).
    ///   - state: the stored merged record with an id, or nil.
    /// - Throws: `ValidationError` with the reason for refusal.
    static func admit(
        _ operation: LogOperation,
        by caller: Caller,
        now: Date,
        clockTolerance: TimeInterval,
        existing: [LogOperation],
        scope: (UUID) throws -> String?,
        state: (UUID) throws -> RecordState?
    ) throws -> Admitted {
        let targetScope = try scope(operation.recordId)
        var target = RecordFold.fold(existing)
        let referencedId = OperationAdmission.referencedRecordId(of: operation)
        let referencedScope = try referencedId.flatMap(scope)
        var referenced = try referencedId.flatMap(state)
        // A record outside the caller's scope does not exist for them: the same answer as for one the server
        // does not hold, so venue staff cannot learn what other venues recorded. (A create's id is the
        // device's own choice, so its refusal as a repeat tells nothing.)
        if caller.role == .venueStaff {
            if !operation.kind.isCreate, target != nil, !caller.covers(venueId: targetScope) { target = nil }
            if referenced != nil, !caller.covers(venueId: referencedScope) { referenced = nil }
        }
        try OperationAdmission.check(
            operation,
            target: target,
            referenced: referenced,
            now: now,
            clockTolerance: clockTolerance
        )
        try OperationPermission.check(
            operation,
            by: caller,
            target: target,
            targetScope: targetScope,
            referenced: referenced,
            referencedScope: referencedScope
        )
        if case .setRegister(.link(let link, _)) = operation.payload, try state(link.target) == nil {
            throw ValidationError(code: "unknown-record", message: "The linked record is not held by the server.")
        }
        let stored = target?.redaction != nil ? operation.withoutContent : operation
        let merged = RecordFold.fold(existing + [stored])
        if case .amend = stored.payload,
            let entry = merged?.amendments.first(where: { $0.stamp.opId == operation.opId }),
            case .refused(let code, let message) = entry.standing
        {
            throw ValidationError(code: code, message: message)
        }
        // A dispersal direction is judged by the authorisation it cites, as the intervention stands after the
        // operation (a late entry or an amended time or place by the authorisation in force at the event).
        let cited = try DispersalRule.citedAuthorisationId(of: operation, target: merged).flatMap(state)
        try DispersalRule.check(operation, merged: merged, authorisation: cited)
        return Admitted(stored: stored, merged: merged)
    }

    /// Whether an operation pushed again is the one stored under its `opId` (kept without its content if its
    /// record was redacted since): the idempotency key only holds if it names the same operation.
    static func isSame(_ operation: LogOperation, asStored body: Data) -> Bool {
        body == WireCoding.encodeOperation(operation) || body == WireCoding.encodeOperation(operation.withoutContent)
    }

    /// The records every stored operation of a push touched, each once, in the order first touched.
    static func recordIds(of operations: [LogOperation]) -> [UUID] {
        var recordIds: [UUID] = []
        var seen = Set<UUID>()
        for operation in operations where seen.insert(operation.recordId).inserted {
            recordIds.append(operation.recordId)
        }
        return recordIds
    }

    /// The audit entries of a push: one for what it collected or altered, and one per erasure and per link.
    static func auditEntries(pushed operations: [LogOperation], by caller: Caller, now: Date) -> [AuditEntry] {
        guard !operations.isEmpty else { return [] }
        var entries = [
            AuditEntry(
                at: now,
                caller: caller,
                action: .push,
                recordIds: recordIds(of: operations),
                count: operations.count
            )
        ]
        for operation in operations {
            switch operation.payload {
            case .redact(let redaction):
                entries.append(
                    AuditEntry(
                        at: now,
                        caller: caller,
                        action: .redact,
                        recordIds: [operation.recordId],
                        reason: redaction.reason.rawValue
                    )
                )
            case .setRegister(.link(let link, let present)):
                entries.append(
                    AuditEntry(
                        at: now,
                        caller: caller,
                        action: .link,
                        recordIds: [operation.recordId, link.target],
                        scope: present ? "linked" : "unlinked"
                    )
                )
            default:
                break
            }
        }
        return entries
    }

    /// The scope of a caller's reads, in words, for the audit log.
    static func describeScope(of caller: Caller) -> String {
        switch caller.role {
        case .venueStaff: "venues " + caller.venueIds.sorted().joined(separator: ", ")
        case .officer, .supervisor: "all venues"
        case .admin: "none"
        }
    }
}
