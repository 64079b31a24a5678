import Foundation

/// How long records are kept before their retention is reviewed (MoPI: records are reviewed, and kept only while
/// still necessary). The force sets it in a configuration file (`serve --retention-config`); these are its
/// documented defaults: six years for every record type, no period by grading, retention decided at most ten
/// years ahead.
public struct RetentionPolicy: Sendable, Hashable {
    /// The review period of each record type, from the day the record was made (in London).
    public var periods: [RecordType: RetentionPeriod]
    /// The review period of graded intelligence by the intelligence assessment of its 3x5x2 grading (A to E),
    /// which, when given, replaces its type's.
    public var gradedPeriods: [IntelligenceGrading.IntelligenceAssessment: RetentionPeriod]
    /// The furthest ahead a decision to retain may set the next review.
    public var maximum: RetentionPeriod

    public init(
        periods: [RecordType: RetentionPeriod] = RetentionPolicy.defaultPeriods,
        gradedPeriods: [IntelligenceGrading.IntelligenceAssessment: RetentionPeriod] = [:],
        maximum: RetentionPeriod = RetentionPolicy.defaultMaximum
    ) {
        self.periods = periods
        self.gradedPeriods = gradedPeriods
        self.maximum = maximum
    }

    /// Six years for sightings, interventions and notes alike.
    public static let defaultPeriods: [RecordType: RetentionPeriod] = Dictionary(
        uniqueKeysWithValues: RecordType.allCases.map { ($0, RetentionPeriod(years: 6)) }
    )
    /// Ten years.
    public static let defaultMaximum = RetentionPeriod(years: 10)
    /// The documented defaults.
    public static let defaults = RetentionPolicy()

    /// The review period of a record of this type and grading.
    public func period(of type: RecordType, grading: IntelligenceGrading?) -> RetentionPeriod {
        if let grading, let period = gradedPeriods[grading.intelligence] { return period }
        return periods[type] ?? RetentionPeriod(years: 6)
    }

    /// The review the policy plans for a record: its period after the day it was made.
    public func plannedReview(of record: RecordState) -> CalendarDay {
        CalendarDay(londonDayOf: record.created.hlc.date)
            .adding(period(of: record.type, grading: record.registers.grading))
    }

    /// When a record is next reviewed: the date set for it (`retain`, or a decision to retain), else the planned
    /// one.
    public func review(of record: RecordState) -> (day: CalendarDay, planned: Bool) {
        if let explicit = record.registers.retentionReviewOn { return (CalendarDay(londonDayOf: explicit), false) }
        return (plannedReview(of: record), true)
    }

    /// The latest next review a decision taken on `today` may set.
    public func latestNextReview(from today: CalendarDay) -> CalendarDay { today.adding(maximum) }

    /// The policy as one canonical line, such as `intervention=6 years; note=6 years; sighting=6 years;
    /// graded E=1 year; maximum=10 years`: to compare the policy in force with the one adopted before, and to
    /// say in the audit log what changed.
    public var canonicalText: String {
        let types = RecordType.allCases.map { "\($0.rawValue)=\(period(of: $0, grading: nil))" }
        let graded = IntelligenceGrading.IntelligenceAssessment.allCases.compactMap { assessment in
            gradedPeriods[assessment].map { "graded \(assessment.rawValue)=\($0)" }
        }
        return (types + graded + ["maximum=\(maximum)"]).joined(separator: "; ")
    }

    /// Reads `canonicalText` back; nil if it is not one.
    public init?(canonicalText: String) {
        var policy = RetentionPolicy(periods: [:])
        for part in canonicalText.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let period = RetentionPeriod(text: pair[1]) else { return nil }
            if pair[0] == "maximum" {
                policy.maximum = period
            } else if let type = RecordType(rawValue: pair[0]) {
                policy.periods[type] = period
            } else if pair[0].hasPrefix("graded "),
                let assessment = IntelligenceGrading.IntelligenceAssessment(rawValue: String(pair[0].dropFirst(7)))
            {
                policy.gradedPeriods[assessment] = period
            } else {
                return nil
            }
        }
        self = policy
    }
}
