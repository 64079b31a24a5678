import Foundation

/// A sighting of predatory behaviour: an immutable event, corrected only by amendments.
public struct Sighting: Codable, Sendable, Hashable, Identifiable {
    public var id: UUID
    /// When the behaviour was seen (UTC).
    public var occurredAt: Date
    /// When the record was made on the device (UTC); later than `occurredAt` for a late entry.
    public var recordedAt: Date
    /// The user id (collar number or SIA licence number) of the person who saw it.
    public var reporter: String
    public var location: Location
    /// The observed indicators: at least one.
    public var behaviours: [Behaviour]
    /// Required when `behaviours` holds `.other`, and only then.
    public var otherBehaviour: String?
    public var subject: SubjectDescription
    public var personAtRisk: PersonAtRisk
    public var riskLevel: RiskLevel
    public var narrative: String

    public init(
        id: UUID = .timeOrdered(),
        occurredAt: Date,
        recordedAt: Date,
        reporter: String,
        location: Location,
        behaviours: [Behaviour],
        otherBehaviour: String? = nil,
        subject: SubjectDescription = SubjectDescription(),
        personAtRisk: PersonAtRisk = PersonAtRisk(),
        riskLevel: RiskLevel,
        narrative: String = ""
    ) {
        self.id = id
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.reporter = reporter
        self.location = location
        self.behaviours = behaviours
        self.otherBehaviour = otherBehaviour
        self.subject = subject
        self.personAtRisk = personAtRisk
        self.riskLevel = riskLevel
        self.narrative = narrative
    }
}
