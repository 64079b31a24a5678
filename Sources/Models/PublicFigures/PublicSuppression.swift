/// The rule that keeps small counts out of the public figures.
///
/// 1. **Primary**: every count below the threshold (5 unless `serve --public-threshold` says otherwise), zero
///    included, is hidden and shown as "fewer than 5".
/// 2. **Secondary**: where a group of counts adds up to a published total (a month's interventions by outcome
///    add up to its interventions; its StreetSafe reports by area add up to its reports), a single hidden count
///    could be worked out by subtracting the others from the total. So when the total is shown and exactly one
///    count of its group is hidden, the smallest shown count of the group is hidden too (the first in the
///    table's order among equals). A hidden total needs nothing more: all of its group is then below it.
///
/// No other published counts add up to one another: an intervention may have several actions and a report
/// several reasons, and no total across months is published.
public enum PublicSuppression {
    public static let defaultThreshold = 5

    /// The groups that add up to a total: (total, its parts).
    static let groups: [(total: PublicFigures.Measure, parts: PublicFigures.Measure)] = [
        (.interventions, .interventionsByOutcome),
        (.streetSafeReports, .streetSafeByArea),
    ]

    /// One month's counts with the hidden ones set to nil.
    static func apply(
        _ counts: [PublicFigures.Measure: [(String, Int)]],
        threshold: Int
    ) -> [PublicFigures.Measure: [(String, Int?)]] {
        var hidden: [PublicFigures.Measure: Set<Int>] = [:]
        for (measure, cells) in counts {
            hidden[measure] = Set(cells.indices.filter { cells[$0].1 < threshold })
        }
        for (total, parts) in groups {
            guard let cells = counts[parts], hidden[total]?.isEmpty == true, hidden[parts]?.count == 1 else { continue }
            let shown = cells.indices.filter { !hidden[parts]!.contains($0) }
            if let smallest = shown.min(by: { cells[$0].1 < cells[$1].1 }) { hidden[parts]!.insert(smallest) }
        }
        return Dictionary(
            uniqueKeysWithValues: counts.map { measure, cells in
                let shown = cells.enumerated().map { index, cell in
                    (cell.0, hidden[measure]!.contains(index) ? nil : Optional(cell.1))
                }
                return (measure, shown)
            }
        )
    }
}
