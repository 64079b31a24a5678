/// The pages of the supervisors' dashboard.
public enum DashboardPage: String, Sendable, CaseIterable {
    case hotspots
    case places
    case times
    case behaviours
    case interventions
    case subjects
    case actionRequired = "action-required"
    case streetSafe = "streetsafe"

    /// The page's path (`/dashboard` for the first).
    public var path: String { self == .hotspots ? "/dashboard" : "/dashboard/\(rawValue)" }

    public var title: String {
        switch self {
        case .hotspots: "Hotspots"
        case .places: "Venues and streets"
        case .times: "Nights and hours"
        case .behaviours: "Behaviours"
        case .interventions: "Interventions and outcomes"
        case .subjects: "Repeat subjects"
        case .actionRequired: "Action required"
        case .streetSafe: "StreetSafe"
        }
    }
}
