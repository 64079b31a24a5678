import Foundation

/// What the supervisors' dashboard counts of one sighting or intervention, one row a record, decided here
/// once so that both central stores only persist it and aggregate it in SQL.
///
/// Multi-valued fields (behaviours, actions) are bit sets: bit `n` is the `n`th case of the list
/// (`Behaviour.allCases`, `InterventionAction.allCases`), so one scan counts every value.
public struct RecordFacts: Sendable, Hashable {
    public var recordId: UUID
    /// `.sighting` or `.intervention`.
    public var type: RecordType
    /// When it happened, in milliseconds since 1970.
    public var occurredAt: Int64
    /// Its operational night (`DashboardNight`), nil between 06:00 and 18:00.
    public var night: String?
    /// Its local hour, 0–23.
    public var hour: Int
    public var venueId: String?
    /// The hotspot cell of the record's own position, nil when it has none (the venue's is used).
    public var cell: HotspotGrid.Cell?
    /// The behaviours of a sighting, as bits of `Behaviour.allCases`.
    public var behaviours: Int64
    /// The actions of an intervention, as bits of `InterventionAction.allCases`.
    public var actions: Int64
    /// A sighting's risk level.
    public var riskLevel: RiskLevel?
    /// An intervention's outcome.
    public var outcome: Outcome?
    /// The sighting an intervention follows.
    public var sightingId: UUID?
    public var review: ReviewStatus
    /// The records linked to this one as the same subject.
    public var sameSubject: [UUID]

    public init(
        recordId: UUID,
        type: RecordType,
        occurredAt: Int64,
        night: String?,
        hour: Int,
        venueId: String?,
        cell: HotspotGrid.Cell?,
        behaviours: Int64 = 0,
        actions: Int64 = 0,
        riskLevel: RiskLevel? = nil,
        outcome: Outcome? = nil,
        sightingId: UUID? = nil,
        review: ReviewStatus = .awaitingReview,
        sameSubject: [UUID] = []
    ) {
        self.recordId = recordId
        self.type = type
        self.occurredAt = occurredAt
        self.night = night
        self.hour = hour
        self.venueId = venueId
        self.cell = cell
        self.behaviours = behaviours
        self.actions = actions
        self.riskLevel = riskLevel
        self.outcome = outcome
        self.sightingId = sightingId
        self.review = review
        self.sameSubject = sameSubject
    }

    /// The facts of a merged record: nil for a note, an authorisation or a redacted record (the dashboard counts none).
    public static func make(_ state: RecordState) -> RecordFacts? {
        guard state.redaction == nil else { return nil }
        let occurredAt: Date
        let location: Location
        var facts: RecordFacts
        switch state.current {
        case .sighting(let sighting):
            occurredAt = sighting.occurredAt
            location = sighting.location
            facts = RecordFacts(
                recordId: state.id,
                type: .sighting,
                occurredAt: 0,
                night: nil,
                hour: 0,
                venueId: nil,
                cell: nil,
                behaviours: bits(sighting.behaviours, of: Behaviour.allCases),
                riskLevel: sighting.riskLevel
            )
        case .intervention(let intervention):
            occurredAt = intervention.occurredAt
            location = intervention.location
            facts = RecordFacts(
                recordId: state.id,
                type: .intervention,
                occurredAt: 0,
                night: nil,
                hour: 0,
                venueId: nil,
                cell: nil,
                actions: bits(intervention.actions, of: InterventionAction.allCases),
                outcome: intervention.outcome,
                sightingId: intervention.sightingId
            )
        case .note, .authorisation, .redacted:
            return nil
        }
        facts.occurredAt = occurredAt.millisecondsSince1970
        facts.night = DashboardNight.night(of: occurredAt)
        facts.hour = DashboardNight.hour(of: occurredAt)
        facts.venueId = location.venueId
        if let latitude = location.latitude, let longitude = location.longitude {
            facts.cell = HotspotGrid.Cell(latitude: latitude, longitude: longitude)
        }
        facts.review = state.registers.review
        facts.sameSubject = state.registers.links.filter { $0.kind == .sameSubject }.map(\.target)
        return facts
    }

    /// The bit set of `values`, bit `n` standing for `all[n]`.
    public static func bits<Value: Equatable>(_ values: [Value], of all: [Value]) -> Int64 {
        values.reduce(Int64(0)) { set, value in
            guard let index = all.firstIndex(of: value) else { return set }
            return set | (Int64(1) << Int64(index))
        }
    }
}
