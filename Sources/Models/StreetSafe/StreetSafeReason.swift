import Foundation

/// Why someone felt unsafe, in a StreetSafe report: one of a fixed list, never free text.
///
/// Raw values are the stable names of import files and open data.
public enum StreetSafeReason: String, Codable, Sendable, CaseIterable, Hashable {
    case poorLighting = "poor-lighting"
    case isolatedArea = "isolated-area"
    case beingFollowed = "being-followed"
    case verbalHarassment = "verbal-harassment"
    case intimidatingGroup = "intimidating-group"
    case other = "other"

    /// Whether a reason is about how people behaved or about the place itself.
    public enum Kind: String, Codable, Sendable, CaseIterable, Hashable {
        /// Someone's behaviour: following, harassment, an intimidating group.
        case behavioural
        /// The street itself: lighting, isolation.
        case environmental
        /// Neither said.
        case other
    }

    public var kind: Kind {
        switch self {
        case .beingFollowed, .verbalHarassment, .intimidatingGroup: .behavioural
        case .poorLighting, .isolatedArea: .environmental
        case .other: .other
        }
    }

    /// A short label for people.
    public var label: String {
        switch self {
        case .poorLighting: "Poor lighting"
        case .isolatedArea: "Isolated area"
        case .beingFollowed: "Being followed"
        case .verbalHarassment: "Verbal harassment"
        case .intimidatingGroup: "Intimidating group"
        case .other: "Other"
        }
    }
}
