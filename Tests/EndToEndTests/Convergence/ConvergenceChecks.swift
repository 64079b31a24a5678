import Central
import Foundation
import GRDB
import Models
import Sync

/// The checks at the end of a case, after the final sync: every replica of a police role equals the central
/// store; a replica of venue staff equals the projection of it for their user (`AccessProjection`): the records
/// in their scope, field by field, and those records' operations as projected.
extension ConvergenceCase {
    func check(_ store: SQLiteCentralStore, now: Date) async throws {
        let centralRecords = try await store.records(matching: RecordFilter())
        var centralOperations: [LogOperation] = []
        var lastSeq: Int64 = 0
        let reader = Caller(userId: "PS-9000", deviceId: "dev-convergence-check", role: .supervisor)
        while true {
            let page = try await store.pull(after: lastSeq, limit: 1000, for: reader, now: now)
            centralOperations += try page.decodedOperations().map(\.operation)
            lastSeq = page.cursor
            if !page.hasMore { break }
        }
        let centralSet = Set(centralOperations)
        let redacted = Set(centralRecords.filter { $0.redaction != nil }.map(\.id))
        count("final.operations", by: centralOperations.count)
        count("final.records", by: centralRecords.count)
        count("final.redacted-records", by: redacted.count)
        count("final.amendments", by: centralRecords.map(\.amendments.count).reduce(0, +))
        checkFold(of: centralOperations, against: centralRecords, holder: "the central store")
        checkContentRemoved(from: centralOperations, redacted: redacted, holder: "the central store")
        // What the case damaged on its only device is lost, unless the server stored it before (its answer lost):
        // then the server's copy comes back in its place. Records whose create is lost never reach the server, nor
        // what hangs on them.
        let centralIds = Set(centralOperations.map(\.opId))
        let lost = damaged.mapValues { $0.filter { !centralIds.contains($0.opId) }.map(\.content) }
        let lostRecords = Set(lost.values.joined().filter(\.payload.kind.isCreate).map(\.recordId))
        var expectedParked: [String: [RecordedContent]] = [:]

        for (index, device) in devices.enumerated() {
            let holder = "d\(index) (\(device.spec.userId))"
            // What the device may hold: everything, or the projection for its user of the records in its scope
            // (`AccessProjection`), field by field.
            let caller = device.spec.caller
            let isStaff = device.spec.role == .venueStaff
            let expectedRecords = try await store.records(matching: RecordFilter(), for: caller)
            let expectedOperations =
                isStaff ? try await projectedOperations(of: expectedRecords, for: caller, in: store) : centralSet
            if isStaff { count("final.venue-staff-records", by: expectedRecords.count) }
            let status = try device.replica.status()
            if status.pending != 0 {
                fail("outbox", "\(holder) still has \(status.pending) pending operations after the final sync")
            }
            // Venue staff may have recorded on a record that an amendment moved out of their scope before their
            // operation reached the server: the server answers as for a record it does not hold, and the
            // operation stays parked, shown by `status`. Anything else parked is a failure.
            // What the case damaged is quarantined, never sent; what hangs from a record whose create was damaged is
            // refused as for a record the server does not hold.
            let parked = try device.replica.parkedOperations()
            let ownOperations = Dictionary(
                try device.replica.allOperations().map { ($0.opId, $0) },
                uniquingKeysWith: { first, _ in first }
            )
            // Records whose create is lost or parked here: the server holds none of them.
            let notOnServer = lostRecords.union(
                parked.compactMap { ownOperations[$0.opId] }.filter(\.kind.isCreate).map(\.recordId)
            )
            func hangsFromLost(_ opId: UUID) -> Bool {
                guard let operation = ownOperations[opId] else { return false }
                if case .setRegister(.link(let link, _)) = operation.payload, notOnServer.contains(link.target) {
                    return true
                }
                return notOnServer.contains(operation.recordId)
                    || OperationAdmission.referencedRecordId(of: operation).map(notOnServer.contains) == true
            }
            let quarantined = parked.filter { $0.code == LocalReplica.damagedCode }
            if !quarantined.isEmpty { count("final.quarantined", by: quarantined.count) }
            // A time given by an amender who read it off a wall clock that ran ahead is refused for good once the
            // record's own times are set right (`LocalReplica.retimed`): explained in `status`, as it should be.
            let refusedAfterRetime = parked.filter { parked in
                guard parked.code == "occurred-in-future", let operation = ownOperations[parked.opId],
                    operation.kind == .amend
                else { return false }
                // Its field is gone with its content if the record was redacted since.
                if case .amend(let amendment) = operation.payload { return amendment.field == .occurredAt }
                return true
            }
            if !refusedAfterRetime.isEmpty { count("final.refused-after-retime", by: refusedAfterRetime.count) }
            let movedAway =
                parked.filter { $0.code == "unknown-record" && (isStaff || hangsFromLost($0.opId)) }
                + refusedAfterRetime
            if !movedAway.isEmpty { count("final.refused-after-scope-move", by: movedAway.count) }
            expectedParked[device.spec.deviceId] = movedAway.compactMap { ownOperations[$0.opId] }.map(
                RecordedContent.init
            )
            if quarantined.count != (lost[device.spec.deviceId] ?? []).count {
                fail(
                    "quarantine",
                    "\(holder) quarantined \(quarantined.count) operations; the case damaged the only copy of "
                        + "\((lost[device.spec.deviceId] ?? []).count) waiting ones"
                )
            }
            let unexpected = parked.filter { parked in
                parked.code != LocalReplica.damagedCode && !movedAway.contains { $0.opId == parked.opId }
            }
            if !unexpected.isEmpty {
                let reasons = unexpected.map { "\($0.code): \($0.message)" }
                fail("outbox", "\(holder) has operations the server refused: \(reasons.joined(separator: "; "))")
            }
            if status.pullCursor != lastSeq {
                fail("cursor", "\(holder)'s pull cursor is \(status.pullCursor), the store's last position \(lastSeq)")
            }
            let parkedIds = Set(movedAway.map(\.opId) + quarantined.map(\.opId))
            let operations = ownOperations.values.filter { !parkedIds.contains($0.opId) }
                .sorted { $0.opId.uuidString < $1.opId.uuidString }
            // A record that holds a parked operation is folded with it on the device, not on the server.
            let parkedRecords = Set(
                try device.replica.read { db in
                    try String.fetchAll(db, sql: "SELECT recordId FROM operation WHERE outbox = 'parked'")
                }.compactMap { UUID(uuidString: $0) }
            )
            let records = try device.replica.records().filter { !parkedRecords.contains($0.id) }
            compare(records, with: expectedRecords.filter { !parkedRecords.contains($0.id) }, holder: holder)
            compare(operations, with: expectedOperations, holder: holder)
            checkFold(of: operations.filter { !parkedRecords.contains($0.recordId) }, against: records, holder: holder)
            checkContentRemoved(from: operations, redacted: redacted, holder: holder)
            for venue in ConvergencePlan.venues {
                let ids = try device.replica.records(matching: RecordFilter(venueId: venue)).map(\.id)
                    .filter { !parkedRecords.contains($0) }
                let central = try await store.records(matching: RecordFilter(venueId: venue), for: caller)
                    .map(\.id).filter { !parkedRecords.contains($0) }
                if ids != central {
                    fail(
                        "venue-filter",
                        "\(holder) lists other records at \(venue) than the central store: "
                            + "device only \(ids.filter { !central.contains($0) }.map(label)), "
                            + "central only \(central.filter { !ids.contains($0) }.map(label))"
                            + (Set(ids) == Set(central) ? " (same records, other order)" : "")
                    )
                }
            }
        }
        checkRecordedExactlyOnce(
            central: centralOperations,
            redacted: redacted,
            lost: lost,
            expectedParked: expectedParked
        )
    }

    /// Whole merged states, field by field, including amendment histories, registers and redactions.
    private func compare(_ records: [RecordState], with central: [RecordState], holder: String) {
        guard records != central else { return }
        let mine = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let theirs = Dictionary(central.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let missing = central.map(\.id).filter { mine[$0] == nil }.map(label)
        let extra = records.map(\.id).filter { theirs[$0] == nil }.map(label)
        var differing: [String] = []
        var firstDifference = ""
        for record in central {
            guard let local = mine[record.id], local != record else { continue }
            var parts: [String] = []
            if local.original != record.original { parts.append("original") }
            if local.current != record.current { parts.append("current") }
            if local.created != record.created { parts.append("created") }
            if local.amendments != record.amendments { parts.append("amendments") }
            if local.refusedCreates != record.refusedCreates { parts.append("refusedCreates") }
            if local.registers != record.registers { parts.append("registers") }
            if local.redaction != record.redaction { parts.append("redaction") }
            differing.append("\(label(record.id)) (\(parts.joined(separator: ", ")))")
            if firstDifference.isEmpty {
                firstDifference = "\n    device:  \(json(local))\n    central: \(json(record))"
            }
        }
        var message = "\(holder) holds other records than the central store (its scope of it):"
        if !missing.isEmpty { message += " missing \(missing.joined(separator: ", "));" }
        if !extra.isEmpty { message += " extra \(extra.joined(separator: ", "));" }
        if !differing.isEmpty { message += " differing \(differing.joined(separator: "; "))" }
        if missing.isEmpty && extra.isEmpty && differing.isEmpty { message += " the same records in another order" }
        fail("records", message + firstDifference)
    }

    /// The same operations, as values: content removed or kept alike.
    private func compare(
        _ operations: [LogOperation],
        with central: Set<LogOperation>,
        holder: String
    ) {
        let mine = Set(operations)
        guard mine != central else { return }
        let theirs = Dictionary(central.map { ($0.opId, $0) }, uniquingKeysWith: { first, _ in first })
        let local = Dictionary(mine.map { ($0.opId, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        for operation in central where local[operation.opId] == nil {
            lines.append("missing \(describe(operation))")
        }
        for operation in mine where theirs[operation.opId] == nil {
            lines.append("extra \(describe(operation))")
        }
        for operation in mine {
            guard let other = theirs[operation.opId], other != operation else { continue }
            let how =
                operation.withoutContent == other
                ? "the device keeps its content, the central store's copy has none"
                : other.withoutContent == operation
                    ? "the device's copy has no content, the central store's has" : "they differ"
            lines.append("\(describe(operation)): \(how)")
        }
        fail(
            "operations",
            "\(holder) holds other operations than the central store (its scope of it): "
                + lines.sorted().joined(separator: "; ")
        )
    }

    /// The stored records equal the fold of the holder's own operations (no stale incremental merge).
    private func checkFold(of operations: [LogOperation], against records: [RecordState], holder: String) {
        var folded: [UUID: RecordState] = [:]
        for (id, group) in Dictionary(grouping: operations, by: \.recordId) {
            folded[id] = RecordFold.fold(group)
        }
        let stored = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        guard folded != stored else { return }
        let ids = Set(folded.keys).union(stored.keys).filter { folded[$0] != stored[$0] }
        fail(
            "fold",
            "\(holder)'s stored records differ from the fold of its own operations: "
                + ids.map(label).sorted().joined(separator: ", ")
        )
    }

    /// No operation of a redacted record keeps its content.
    private func checkContentRemoved(
        from operations: [LogOperation],
        redacted: Set<UUID>,
        holder: String
    ) {
        let keeping = operations.filter { redacted.contains($0.recordId) && $0 != $0.withoutContent }
        guard !keeping.isEmpty else { return }
        fail(
            "content",
            "\(holder) keeps the content of redacted records in: " + keeping.map(describe).joined(separator: "; ")
        )
    }

    private func json(_ state: RecordState) -> String {
        let text = (try? WireCoding.encode(state)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        return text.count > 1500 ? String(text.prefix(1500)) + "…" : text
    }
}
