import Foundation

/// An observed behaviour indicator: a fact seen by the reporter, never a judgement of intent.
///
/// The list follows published schemes (Operation Empower, Project Vigilant, WAVE training).
/// Raw values are stable wire and command-line names.
public enum Behaviour: String, Codable, Sendable, CaseIterable, Hashable {
    case loitering = "loitering"
    case following = "following"
    case repeatedApproaches = "repeated-approaches"
    case unwantedAttention = "unwanted-attention"
    case sexualisedComments = "sexualised-comments"
    case leering = "leering"
    case unwantedTouching = "unwanted-touching"
    case targetingIntoxicated = "targeting-intoxicated"
    case targetingAlone = "targeting-alone"
    case separatingFromFriends = "separating-from-friends"
    case plyingWithDrink = "plying-with-drink"
    case suspectedSpiking = "suspected-spiking"
    case leadingAway = "leading-away"
    case offencePreparationItems = "offence-preparation-items"
    case other = "other"

    /// A short label for people reading a log.
    public var label: String {
        switch self {
        case .loitering: "Loitering without apparent purpose"
        case .following: "Following or stalking"
        case .repeatedApproaches: "Repeated approaches after rejection"
        case .unwantedAttention: "Unwanted attention"
        case .sexualisedComments: "Sexualised or misogynistic comments"
        case .leering: "Leering"
        case .unwantedTouching: "Unwanted touching"
        case .targetingIntoxicated: "Targeting women who are intoxicated"
        case .targetingAlone: "Targeting women alone or separated from friends"
        case .separatingFromFriends: "Separating a woman from her friends"
        case .plyingWithDrink: "Plying with drink"
        case .suspectedSpiking: "Suspected drink spiking"
        case .leadingAway: "Leading an intoxicated stranger away"
        case .offencePreparationItems: "Items indicative of preparing an offence"
        case .other: "Other"
        }
    }
}
