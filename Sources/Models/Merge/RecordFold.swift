import Foundation

/// Folds the operations of one record into its merged state.
///
/// The fold is a pure function of the *set* of operations: it removes duplicates by `opId` and orders
/// by (hlc, deviceId, opId) before anything else, so arrival order, repeats and batching never change the
/// result. Any two replicas holding the same operations hold the same `RecordState`.
public enum RecordFold {
    /// Merges the operations of one record; nil while no create operation for it is known.
    ///
    /// - Parameter operations: operations whose `recordId` is the record's id, in any order, repeats allowed.
    public static func fold(_ operations: some Sequence<LogOperation>) -> RecordState? {
        var seen = Set<UUID>()
        let ordered = operations.sorted { $0.orderKey < $1.orderKey }.filter { seen.insert($0.opId).inserted }
        guard let createIndex = ordered.firstIndex(where: { $0.payload.createdRecord != nil }),
            let original = ordered[createIndex].payload.createdRecord
        else { return nil }

        var current = original
        var amendments: [AmendmentEntry] = []
        var refusedCreates: [OperationStamp] = []
        var winnerByField: [AmendableField: Int] = [:]

        for (index, operation) in ordered.enumerated() where index != createIndex {
            switch operation.payload {
            case .createSighting, .createIntervention, .createNote:
                refusedCreates.append(OperationStamp(operation))
            case .amend(let amendment):
                let previousValue = amendment.field.value(in: current)
                var entry = AmendmentEntry(
                    stamp: OperationStamp(operation),
                    amendment: amendment,
                    previousValue: previousValue,
                    standing: .current
                )
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
        }
        return RecordState(
            id: original.id,
            original: original,
            current: current,
            created: OperationStamp(ordered[createIndex]),
            amendments: amendments,
            refusedCreates: refusedCreates
        )
    }
}
