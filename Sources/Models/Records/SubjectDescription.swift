import Foundation

/// A structured, minimal description of the man whose behaviour was seen.
///
/// Fixed lists come before free text; the free-text fields are short and optional.
/// Perceived ethnicity is special category data: optional, and audited like everything else.
public struct SubjectDescription: Codable, Sendable, Hashable {
    public var sex: Sex
    public var ageBand: AgeBand
    public var heightBand: HeightBand
    public var build: Build
    public var clothing: String?
    public var distinguishingFeatures: String?
    public var perceivedEthnicity: String?

    public init(
        sex: Sex = .unknown,
        ageBand: AgeBand = .unknown,
        heightBand: HeightBand = .unknown,
        build: Build = .unknown,
        clothing: String? = nil,
        distinguishingFeatures: String? = nil,
        perceivedEthnicity: String? = nil
    ) {
        self.sex = sex
        self.ageBand = ageBand
        self.heightBand = heightBand
        self.build = build
        self.clothing = clothing
        self.distinguishingFeatures = distinguishingFeatures
        self.perceivedEthnicity = perceivedEthnicity
    }

    /// Sex as perceived by the reporter.
    public enum Sex: String, Codable, Sendable, CaseIterable, Hashable {
        case male, female, unknown
    }

    /// Apparent age band.
    public enum AgeBand: String, Codable, Sendable, CaseIterable, Hashable {
        case under18 = "under-18"
        case from18to24 = "18-24"
        case from25to34 = "25-34"
        case from35to44 = "35-44"
        case from45to54 = "45-54"
        case over55 = "55-plus"
        case unknown = "unknown"
    }

    /// Apparent height band, in centimetres.
    public enum HeightBand: String, Codable, Sendable, CaseIterable, Hashable {
        case under165 = "under-165"
        case from165to175 = "165-175"
        case from175to185 = "175-185"
        case over185 = "over-185"
        case unknown = "unknown"
    }

    /// Apparent build.
    public enum Build: String, Codable, Sendable, CaseIterable, Hashable {
        case slim, medium, heavy, muscular, unknown
    }
}

/// What is recorded of the woman at risk: deliberately minimal, and never her identity.
///
/// Like the subject's description, nothing here defaults to an observation: an age band not given is `unknown`,
/// and `appearedIntoxicated` and `wasAlone` are nil — not recorded — unless the reporter said yes or no.
/// (Operations recorded before these became optional hold `false` where nothing was said.)
public struct PersonAtRisk: Codable, Sendable, Hashable {
    public var ageBand: SubjectDescription.AgeBand
    public var appearedIntoxicated: Bool?
    public var wasAlone: Bool?

    public init(
        ageBand: SubjectDescription.AgeBand = .unknown,
        appearedIntoxicated: Bool? = nil,
        wasAlone: Bool? = nil
    ) {
        self.ageBand = ageBand
        self.appearedIntoxicated = appearedIntoxicated
        self.wasAlone = wasAlone
    }
}

/// The reporter's assessment of risk: an assessment, not a fact (s.38).
public enum RiskLevel: String, Codable, Sendable, CaseIterable, Hashable, Comparable {
    case low, medium, high

    private var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        }
    }

    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool { lhs.rank < rhs.rank }
}
