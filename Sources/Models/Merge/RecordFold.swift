import Foundation

/// Folds the operations of one record into its merged state.
///
/// The fold is a pure function of the *set* of operations: it removes duplicates by `opId` and orders
/// by (hlc, deviceId, opId) before anything else, so arrival order, repeats and batching never change the
/// result. Any two replicas holding the same operations hold the same `RecordState`.
///
/// - The first create (in that order) is the original; later creates never overwrite it.
/// - Amendments are last-writer-wins per field, with the whole history kept; an amendment whose amender
///   replaced another value than the one before it in merge order is marked as crossing the amendment that
///   set that value.
/// - Registers are last-writer-wins per register.
/// - A redaction dominates: the content and the amendment history are gone, whatever else arrives, and the
///   result depends only on operation metadata, so replicas that hold content-stripped copies of the same
///   operations agree with those that do not.
public enum RecordFold {
    /// Merges the operations of one record; nil while no create operation for it is known.
    ///
    /// - Parameter operations: operations whose `recordId` is the record's id, in any order, repeats allowed.
    public static func fold(_ operations: some Sequence<LogOperation>) -> RecordState? {
        var seen = Set<UUID>()
        let ordered = operations.sorted { $0.orderKey < $1.orderKey }.filter { seen.insert($0.opId).inserted }
        guard let createIndex = ordered.firstIndex(where: { $0.kind.isCreate }) else { return nil }
        let create = ordered[createIndex]

        var registers = RecordRegisters()
        var refusedCreates: [OperationStamp] = []
        var redaction: Tombstone?
        for (index, operation) in ordered.enumerated() where index != createIndex {
            switch operation.payload {
            case .setRegister(let write): registers.apply(write)
            case .redact(let erasure) where redaction == nil:
                redaction = Tombstone(stamp: OperationStamp(operation), redaction: erasure)
            case _ where operation.kind.isCreate: refusedCreates.append(OperationStamp(operation))
            default: break
            }
        }

        guard redaction == nil, let original = create.payload.createdRecord else {
            let remains = PatrolRecord.redacted(
                RedactedRecord(
                    id: create.recordId,
                    type: create.kind.createdType ?? .sighting,
                    author: create.author,
                    recordedAt: create.hlc.date
                )
            )
            return RecordState(
                id: create.recordId,
                original: remains,
                current: remains,
                created: OperationStamp(create),
                amendments: [],
                refusedCreates: refusedCreates,
                registers: registers,
                redaction: redaction
            )
        }

        var current = original
        var amendments: [AmendmentEntry] = []
        var winnerByField: [AmendableField: Int] = [:]
        for operation in ordered {
            guard case .amend(let amendment) = operation.payload else { continue }
            let previousValue = amendment.field.value(in: current)
            var entry = AmendmentEntry(
                stamp: OperationStamp(operation),
                amendment: amendment,
                previousValue: previousValue,
                standing: .current
            )
            if let replaced = amendment.replaced, replaced != previousValue {
                entry.crossing = AmendmentEntry.Crossing(
                    unseen: winnerByField[amendment.field].map { amendments[$0].stamp }
                )
            }
            do throws(ValidationError) {
                try amendment.validate(against: current)
                current = try amendment.field.apply(amendment.value, to: current)
                if let earlier = winnerByField[amendment.field] { amendments[earlier].standing = .superseded }
                winnerByField[amendment.field] = amendments.count
            } catch {
                entry.standing = .refused(code: error.code, message: error.message)
            }
            amendments.append(entry)
        }
        return RecordState(
            id: original.id,
            original: original,
            current: current,
            created: OperationStamp(create),
            amendments: amendments,
            refusedCreates: refusedCreates,
            registers: registers
        )
    }
}
