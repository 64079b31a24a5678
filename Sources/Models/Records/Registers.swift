import Foundation

/// Where a supervisor's review of a record stands.
public enum ReviewStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case awaitingReview = "awaiting-review"
    case inReview = "in-review"
    case reviewed = "reviewed"
    case actionRequired = "action-required"
}

/// An intelligence grading on the 3x5x2 model: source evaluation, intelligence assessment, handling code.
public struct IntelligenceGrading: Codable, Sendable, Hashable {
    public var source: SourceEvaluation
    public var intelligence: IntelligenceAssessment
    public var handling: HandlingCode

    public init(source: SourceEvaluation, intelligence: IntelligenceAssessment, handling: HandlingCode) {
        self.source = source
        self.intelligence = intelligence
        self.handling = handling
    }

    /// The grading in a short form for the command line, such as `1-A-P`.
    public var code: String { "\(source.rawValue)-\(intelligence.rawValue)-\(handling.rawValue)" }

    /// Parses the short form `1-A-P`; nil if it is not one.
    public init?(code: String) {
        let parts = code.split(separator: "-").map(String.init)
        guard parts.count == 3, let source = SourceEvaluation(rawValue: parts[0]),
            let intelligence = IntelligenceAssessment(rawValue: parts[1]),
            let handling = HandlingCode(rawValue: parts[2])
        else { return nil }
        self.init(source: source, intelligence: intelligence, handling: handling)
    }

    /// 1 reliable, 2 untested, 3 not reliable.
    public enum SourceEvaluation: String, Codable, Sendable, CaseIterable, Hashable {
        case reliable = "1"
        case untested = "2"
        case notReliable = "3"
    }

    /// A known directly, B known indirectly and corroborated, C known indirectly, D not known, E suspected false.
    public enum IntelligenceAssessment: String, Codable, Sendable, CaseIterable, Hashable {
        case knownDirectly = "A"
        case corroborated = "B"
        case knownIndirectly = "C"
        case notKnown = "D"
        case suspectedFalse = "E"
    }

    /// P lawful sharing permitted, C lawful sharing with conditions.
    public enum HandlingCode: String, Codable, Sendable, CaseIterable, Hashable {
        case permitted = "P"
        case conditions = "C"
    }
}

/// A link from one record to another, made by an analyst.
public struct RecordLink: Codable, Sendable, Hashable, Comparable {
    public var target: UUID
    public var kind: LinkKind

    public init(target: UUID, kind: LinkKind) {
        self.target = target
        self.kind = kind
    }

    public static func < (lhs: RecordLink, rhs: RecordLink) -> Bool {
        (lhs.target.uuidString, lhs.kind.rawValue) < (rhs.target.uuidString, rhs.kind.rawValue)
    }

    /// What a link says.
    public enum LinkKind: String, Codable, Sendable, CaseIterable, Hashable {
        /// Both records describe the same subject (a combination of records, audited as such).
        case sameSubject = "same-subject"
        /// This record follows the target (an intervention after a sighting).
        case follows = "follows"
    }
}

/// A write to one of a record's registers: mutable workflow state merged last-writer-wins.
public enum RegisterWrite: Sendable, Hashable {
    case review(ReviewStatus)
    /// A grading, or nil to clear it.
    case grading(IntelligenceGrading?)
    /// The date the record is next reviewed for retention, or nil for none.
    case retentionReview(Date?)
    /// Adds (`present`) or removes a link.
    case link(RecordLink, present: Bool)

    /// The register written: writes to the same register compete, last writer wins.
    public var register: String {
        switch self {
        case .review: "review"
        case .grading: "grading"
        case .retentionReview: "retention-review"
        case .link(let link, _): "link:\(link.target.uuidString):\(link.kind.rawValue)"
        }
    }
}

extension RegisterWrite: Codable {
    private enum CodingKeys: String, CodingKey {
        case register, review, grading, reviewOn, link, present
    }

    private enum Register: String, Codable {
        case review, grading
        case retentionReview = "retention-review"
        case link
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Register.self, forKey: .register) {
        case .review: self = .review(try container.decode(ReviewStatus.self, forKey: .review))
        case .grading: self = .grading(try container.decodeIfPresent(IntelligenceGrading.self, forKey: .grading))
        case .retentionReview: self = .retentionReview(try container.decodeIfPresent(Date.self, forKey: .reviewOn))
        case .link:
            self = .link(
                try container.decode(RecordLink.self, forKey: .link),
                present: try container.decode(Bool.self, forKey: .present)
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .review(let status):
            try container.encode(Register.review, forKey: .register)
            try container.encode(status, forKey: .review)
        case .grading(let grading):
            try container.encode(Register.grading, forKey: .register)
            try container.encodeIfPresent(grading, forKey: .grading)
        case .retentionReview(let date):
            try container.encode(Register.retentionReview, forKey: .register)
            try container.encodeIfPresent(date, forKey: .reviewOn)
        case .link(let link, let present):
            try container.encode(Register.link, forKey: .register)
            try container.encode(link, forKey: .link)
            try container.encode(present, forKey: .present)
        }
    }
}

/// A record's registers as merged: each the last write by (hlc, deviceId, opId).
public struct RecordRegisters: Codable, Sendable, Hashable {
    public var review: ReviewStatus = .awaitingReview
    public var grading: IntelligenceGrading?
    public var retentionReviewOn: Date?
    /// The links present, in a fixed order.
    public var links: [RecordLink] = []

    public init() {}

    /// Whether every register holds its default.
    public var isDefault: Bool { self == RecordRegisters() }

    mutating func apply(_ write: RegisterWrite) {
        switch write {
        case .review(let status): review = status
        case .grading(let value): grading = value
        case .retentionReview(let date): retentionReviewOn = date
        case .link(let link, let present):
            links.removeAll { $0 == link }
            if present {
                links.append(link)
                links.sort()
            }
        }
    }
}
