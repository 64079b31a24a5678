import Foundation

/// One thing done in an intervention, by police or by venue staff.
///
/// Raw values are stable wire and command-line names.
public enum InterventionAction: String, Codable, Sendable, CaseIterable, Hashable {
    // By police.
    case engagement = "engagement"
    case stopAndAccount = "stop-and-account"
    case intelligenceChecks = "intelligence-checks"
    case stopAndSearch = "stop-and-search"
    case dispersalDirection = "dispersal-direction"
    case arrest = "arrest"
    case intelligenceSubmission = "intelligence-submission"
    case safeguarding = "safeguarding"
    // By venue staff.
    case refusalOfEntry = "refusal-of-entry"
    case ejection = "ejection"
    case askForAngela = "ask-for-angela"
    case reunitedWithFriends = "reunited-with-friends"
    case taxiOrEscort = "taxi-or-escort"
    case drinkTest = "drink-test"
    case cctvPreserved = "cctv-preserved"
    case radioLinkAlert = "radio-link-alert"
    case policeCalled = "police-called"
    // Shown to venue staff instead of the actions of police (`AccessProjection`); never recorded.
    case policeAttended = "police-attended"

    /// Whether this value stands only in what venue staff are shown of police work, and is never recorded.
    public var isProjectionOnly: Bool { self == .policeAttended }

    /// The actions a person can record (every one but `policeAttended`).
    public static let recordable = allCases.filter { !$0.isProjectionOnly }

    /// Whether only a police officer can take this action (venue staff may not record it).
    public var isPoliceAction: Bool {
        switch self {
        case .engagement, .stopAndAccount, .intelligenceChecks, .stopAndSearch, .dispersalDirection, .arrest,
            .intelligenceSubmission, .safeguarding:
            true
        default:
            false
        }
    }
}

/// How an intervention ended.
public enum Outcome: String, Codable, Sendable, CaseIterable, Hashable {
    case noFurtherAction = "no-further-action"
    case adviceGiven = "advice-given"
    case dispersed = "dispersed"
    case arrested = "arrested"
    case wantedOrBreach = "wanted-or-breach"
    case crimeRecorded = "crime-recorded"
    case personSafeguarded = "person-safeguarded"
    case intelligenceSubmitted = "intelligence-submitted"
    case subjectLeft = "subject-left"
    case notLocated = "not-located"
    /// Shown to venue staff instead of the outcome of police work (`AccessProjection`); never recorded.
    case notShared = "not-shared"

    /// The outcomes a person can record (every one but `notShared`).
    public static let recordable = allCases.filter { $0 != .notShared }
}
