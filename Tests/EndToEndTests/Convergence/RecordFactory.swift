import Foundation
import Models
import TestSupport

/// Random records, amendments and register writes for the convergence property: valid on the whole, with
/// some amendments that the rules refuse, so refusals are exercised too.
enum RecordFactory {
    static let places = [
        "Concert Square, by the steps", "Seel Street, outside the taxi rank", "Bold Street, corner of Wood Street",
        "Wood Street, by the cash machine", "Slater Street, bus stop",
    ]
    static let positions: [(Double, Double)] = [(53.4034, -2.981), (53.4021, -2.9815), (53.4046, -2.9789)]
    static let narratives = [
        "Approached at least four women; rejected each time.",
        "Stood by the bar watching women who were alone.\nMoved on when staff approached.",
        "Bought drinks for a woman who was clearly intoxicated and tried to lead her out.",
        "",
        "Followed a group from the club to the taxi rank.",
    ]
    static let texts = [
        "CCTV from the front door preserved", "Door staff briefed", "Friends located and reunited",
        "Subject known to licensing team", "Taxi marshal informed",
    ]
    static let clothing = ["Navy bomber jacket", "Grey hoodie", "White shirt, dark jeans", "Black puffer coat"]
    static let otherBehaviours = ["Filming women on a phone", "Blocking the exit"]
    static let reasons = [
        "Street name mistyped", "Time corrected from CCTV", "Clarified after briefing", "Wrong option chosen",
    ]

    private static func time(_ milliseconds: Int64) -> Date { Date(millisecondsSince1970: milliseconds) }

    static func location(venueId: String?, rng: inout SeededGenerator) -> Location {
        let place = venueId == nil || rng.chance(0.5) ? rng.pick(places) : nil
        let position = rng.chance(0.3) ? rng.pick(positions) : nil
        return Location(venueId: venueId, place: place, latitude: position?.0, longitude: position?.1)
    }

    static func sighting(
        id: UUID,
        reporter: String,
        now: Date,
        venueId: String?,
        rng: inout SeededGenerator
    ) -> Sighting {
        let recordedAt = now.millisecondsSince1970
        var behaviours = rng.subset(of: Behaviour.allCases.filter { $0 != .other }, count: 1...3)
        var otherBehaviour: String?
        if rng.chance(0.15) {
            behaviours.append(.other)
            otherBehaviour = rng.pick(otherBehaviours)
        }
        return Sighting(
            id: id,
            occurredAt: time(recordedAt - rng.int64(0...3 * 3_600_000)),
            recordedAt: time(recordedAt),
            reporter: reporter,
            location: location(venueId: venueId, rng: &rng),
            behaviours: behaviours,
            otherBehaviour: otherBehaviour,
            subject: SubjectDescription(
                sex: rng.pick(SubjectDescription.Sex.allCases),
                ageBand: rng.pick(SubjectDescription.AgeBand.allCases),
                heightBand: rng.pick(SubjectDescription.HeightBand.allCases),
                build: rng.pick(SubjectDescription.Build.allCases),
                clothing: rng.chance(0.6) ? rng.pick(clothing) : nil,
                distinguishingFeatures: rng.chance(0.2) ? "Scar on left cheek" : nil
            ),
            personAtRisk: PersonAtRisk(
                ageBand: rng.pick(SubjectDescription.AgeBand.allCases),
                appearedIntoxicated: rng.chance(0.3) ? nil : rng.chance(0.5),
                wasAlone: rng.chance(0.3) ? nil : rng.chance(0.3)
            ),
            riskLevel: rng.pick(RiskLevel.allCases),
            narrative: rng.pick(narratives)
        )
    }

    /// Whether an amended list of actions (as an amendment's value) names a police action.
    static func includesPoliceAction(_ value: String) -> Bool {
        value.split(separator: ",").contains { InterventionAction(rawValue: String($0))?.isPoliceAction == true }
    }

    /// Actions a user in this role may record without more: a dispersal direction also needs an authorisation
    /// or the mark that it had none (`DispersalRule`), which `intervention` gives it.
    static func actions(for role: Role) -> [InterventionAction] {
        (role == .venueStaff
            ? InterventionAction.recordable.filter { !$0.isPoliceAction } : InterventionAction.recordable)
            .filter { $0 != .dispersalDirection }
    }

    /// Police actions other than a dispersal direction (which `DispersalRule` judges apart).
    static let policeActions = InterventionAction.allCases.filter { $0.isPoliceAction && $0 != .dispersalDirection }

    static func intervention(
        id: UUID,
        by user: String,
        role: Role,
        following sightingId: UUID?,
        now: Date,
        venueId: String?,
        rng: inout SeededGenerator
    ) -> Intervention {
        let recordedAt = now.millisecondsSince1970
        var actions = rng.subset(of: actions(for: role), count: 1...3)
        // Now and then a dispersal direction with no authorisation to cite, recorded as such (flagged).
        let dispersal = role != .venueStaff && rng.chance(0.1)
        if dispersal { actions.append(.dispersalDirection) }
        return Intervention(
            id: id,
            sightingId: sightingId,
            occurredAt: time(recordedAt - rng.int64(0...2 * 3_600_000)),
            recordedAt: time(recordedAt),
            by: user,
            location: location(venueId: venueId, rng: &rng),
            actions: actions,
            outcome: rng.pick(Outcome.recordable),
            notes: rng.chance(0.5) ? rng.pick(texts) : "",
            outsideAuthorisation: dispersal ? true : nil
        )
    }

    static func note(id: UUID, about recordId: UUID, author: String, now: Date, rng: inout SeededGenerator) -> Note {
        Note(id: id, recordId: recordId, author: author, recordedAt: now.truncatedToMilliseconds, text: rng.pick(texts))
    }

    /// An amendment of one field of the record as it currently stands on the device: a valid value mostly,
    /// sometimes one the rules refuse (a value that does not parse, a record left invalid, an empty reason,
    /// a field the record does not have).
    /// - Parameter now: the time the amender tells (a time they give is never later, whatever the record says).
    static func amendment(
        of current: PatrolRecord,
        role: Role,
        venueId: String?,
        now: Date,
        rng: inout SeededGenerator
    ) -> Amendment {
        let fields =
            rng.chance(0.04)
            ? AmendableField.allCases : AmendableField.allCases.filter { $0.recordTypes.contains(current.type) }
        let field = rng.pick(fields)
        let invalid = rng.chance(0.12)
        let reason = rng.chance(0.03) ? " " : rng.pick(reasons)
        return Amendment(
            field: field,
            value: value(of: field, in: current, role: role, venueId: venueId, now: now, invalid: invalid, rng: &rng),
            reason: reason
        )
    }

    private static func value(
        of field: AmendableField,
        in current: PatrolRecord,
        role: Role,
        venueId: String?,
        now: Date,
        invalid: Bool,
        rng: inout SeededGenerator
    ) -> String {
        func names<T: RawRepresentable & CaseIterable>(_: T.Type, invalid bad: String) -> String
        where T.RawValue == String {
            invalid ? bad : rng.pick(T.allCases).rawValue
        }
        let recordedAt = current.recordedAt.millisecondsSince1970
        switch field {
        case .occurredAt:
            if invalid {
                return rng.chance(0.5) ? "last night" : WireCoding.formatDate(time(recordedAt + 30 * 60_000))
            }
            let latest = min(recordedAt, now.millisecondsSince1970)
            return WireCoding.formatDate(time(latest - rng.int64(0...5 * 3_600_000)))
        case .venue:
            if invalid { return "Not A Venue" }
            if role == .venueStaff { return rng.chance(0.9) ? venueId ?? "" : rng.pick(ConvergencePlan.venues) }
            return rng.chance(0.2) ? "" : rng.pick(ConvergencePlan.venues)
        case .place:
            if invalid { return String(repeating: "x", count: TextLimits.place + 1) }
            return rng.chance(0.2) ? "" : rng.pick(places)
        case .behaviours:
            if invalid { return rng.pick(["", "leering,leering", "staring"]) }
            let chosen = rng.subset(of: Behaviour.allCases, count: 1...3)
            return chosen.map(\.rawValue).joined(separator: ",")
        case .otherBehaviour:
            return rng.chance(0.3) ? "" : rng.pick(otherBehaviours)
        case .riskLevel:
            return names(RiskLevel.self, invalid: "extreme")
        case .narrative:
            return invalid ? "Bell\u{7}" : rng.pick(narratives)
        case .subjectSex:
            return names(SubjectDescription.Sex.self, invalid: "man")
        case .subjectAgeBand:
            return names(SubjectDescription.AgeBand.self, invalid: "thirties")
        case .subjectHeightBand:
            return names(SubjectDescription.HeightBand.self, invalid: "tall")
        case .subjectBuild:
            return names(SubjectDescription.Build.self, invalid: "stocky")
        case .subjectClothing, .subjectFeatures:
            return rng.chance(0.25) ? "" : rng.pick(clothing)
        case .actions:
            if invalid { return rng.pick(["", "teleport", "arrest,arrest"]) }
            var chosen = rng.subset(of: actions(for: role), count: 1...3)
            // Venue staff sometimes try a police action, which the rules refuse.
            if role == .venueStaff && rng.chance(0.1) {
                chosen.append(rng.pick(policeActions))
            }
            return chosen.map(\.rawValue).joined(separator: ",")
        case .outcome:
            return invalid ? "vanished" : rng.pick(Outcome.recordable).rawValue
        case .notes:
            return rng.pick(texts + [""])
        case .text:
            return invalid ? "" : rng.pick(texts)
        }
    }

    /// A register write on a record; `linkable` are the other records a link may point to.
    static func registerWrite(linkable: [UUID], now: Date, rng: inout SeededGenerator) -> RegisterWrite {
        let kind = rng.weighted([("review", 4), ("grading", 3), ("retention", 2), ("link", linkable.isEmpty ? 0 : 4)])
        switch kind {
        case "review":
            return .review(rng.pick(ReviewStatus.allCases))
        case "grading":
            guard rng.chance(0.85) else { return .grading(nil) }
            return .grading(
                IntelligenceGrading(
                    source: rng.pick(IntelligenceGrading.SourceEvaluation.allCases),
                    intelligence: rng.pick(IntelligenceGrading.IntelligenceAssessment.allCases),
                    handling: rng.pick(IntelligenceGrading.HandlingCode.allCases)
                )
            )
        case "retention":
            guard rng.chance(0.85) else { return .retentionReview(nil) }
            let days = rng.int64(30...400)
            return .retentionReview(time(now.millisecondsSince1970 + days * 86_400_000))
        default:
            return .link(
                RecordLink(target: rng.pick(linkable), kind: rng.pick(RecordLink.LinkKind.allCases)),
                present: rng.chance(0.75)
            )
        }
    }

    static func redaction(rng: inout SeededGenerator) -> Redaction {
        rng.chance(0.5)
            ? Redaction(reason: .recordedInError, explanation: "Personal data recorded in error")
            : Redaction(reason: .retentionExpired, explanation: "Retention period ended")
    }
}
