import Foundation
import Models
import PropertyBased
import TestSupport
import Testing

/// One record's operations — a create and random amendments from a few devices, with clashing clock stamps —
/// and several arrivals of the same set: shuffled, with random repeats.
struct FoldScenario: Sendable, CustomTestStringConvertible {
    let operations: [LogOperation]
    let arrivals: [[LogOperation]]

    var testDescription: String {
        let lines = operations.map { operation in
            let what =
                switch operation.payload {
                case .amend(let amendment):
                    "amend \(amendment.field.rawValue)=\(amendment.value.debugDescription) reason=\(amendment.reason.debugDescription)"
                default: "\(operation.kind.rawValue)"
                }
            let stamp = "\(operation.hlc.wallMilliseconds).\(operation.hlc.counter)"
            return "  \(what) by \(operation.deviceId) @\(stamp) op \(operation.opId.uuidString.prefix(8))"
        }
        return "\(operations.count) operations, \(arrivals.count) arrivals:\n" + lines.joined(separator: "\n")
    }

    static let generator = Generator<FoldScenario, Shrink.None<FoldScenario>> { rng in random(using: &rng) }

    /// Values for each field: some valid, some that never parse, some valid only after other amendments.
    private static let values: [(AmendableField, [String])] = [
        (.riskLevel, ["low", "medium", "high", "extreme"]),
        (.behaviours, ["following", "loitering,leering", "other", "following,other", "", "following,following"]),
        (.otherBehaviour, ["", "Filming women on a phone"]),
        (.narrative, ["Left at 23:45.", "Seen twice.\nStaff told.", "Bell\u{7}", ""]),
        (.venue, ["venue-seel-st-03", "", "Not A Venue"]),
        (.place, ["Bold Street", ""]),
        (.subjectSex, ["male", "female", "man"]),
        (.subjectBuild, ["slim", "heavy"]),
        (.subjectClothing, ["Grey hoodie", ""]),
        (
            .occurredAt,
            [
                WireCoding.formatDate(Fixture.now.addingTimeInterval(-3600)),
                WireCoding.formatDate(Fixture.now.addingTimeInterval(-60.25)),
                WireCoding.formatDate(Fixture.now.addingTimeInterval(3600)),
                "yesterday",
            ]
        ),
        (.text, ["Not a note"]),
        (.outcome, ["arrested"]),
    ]

    static func random(using rng: inout some RandomNumberGenerator) -> FoldScenario {
        let devices = Array(["dev-a", "dev-b", "dev-c", "dev-d", "dev-e"].prefix(Int.random(in: 2...5, using: &rng)))
        func stamp() -> HLCTimestamp {
            HLCTimestamp(
                wallMilliseconds: Int64.random(in: 1000...1003, using: &rng),
                counter: UInt16.random(in: 0...2, using: &rng)
            )
        }
        func uuid() -> UUID {
            var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let (high, low) = (rng.next(), rng.next())
            withUnsafeMutableBytes(of: &bytes) { buffer in
                buffer.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
                buffer.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
            }
            return UUID(uuid: bytes)
        }

        let sighting = Fixture.sighting(id: uuid())
        var operations = [
            Fixture.create(.sighting(sighting), device: devices.randomElement(using: &rng)!, hlc: stamp(), opId: uuid())
        ]
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            let (field, choices) = values.randomElement(using: &rng)!
            operations.append(
                Fixture.amend(
                    sighting.id,
                    field,
                    to: choices.randomElement(using: &rng)!,
                    reason: Int.random(in: 0..<10, using: &rng) == 0 ? " " : "Corrected",
                    device: devices.randomElement(using: &rng)!,
                    hlc: stamp(),
                    opId: uuid()
                )
            )
        }

        var arrivals: [[LogOperation]] = []
        for _ in 0..<4 {
            var arrival = operations.shuffled(using: &rng)
            for _ in 0..<Int.random(in: 0...operations.count, using: &rng) {
                let repeated = operations.randomElement(using: &rng)!
                arrival.insert(repeated, at: Int.random(in: 0...arrival.count, using: &rng))
            }
            arrivals.append(arrival)
        }
        return FoldScenario(operations: operations, arrivals: arrivals)
    }
}

/// The cases are generated from a fixed seed, so that the same commit always gives the same result; PropertyBased's
/// `propertyCheck` draws a fresh system seed for every run (its `.fixedSeed` trait runs a single case and always
/// records an issue), so the cases are drawn here from its generator with a seeded `Xoshiro`.
///
/// Environment: `EMPOWER_FOLD_SEED` (decimal, or `random` for a fresh run by hand) and `EMPOWER_FOLD_CASES`
/// (default 500). A failure names the seed of its case: replay it with `EMPOWER_FOLD_SEED=` that seed.
@Suite("Record fold properties")
struct RecordFoldPropertyTests {
    static let baseSeed: UInt64 = {
        switch ProcessInfo.processInfo.environment["EMPOWER_FOLD_SEED"] {
        case nil, "": return 0xF01D_5EED_0000_0001
        case "random": return UInt64.random(in: 0...UInt64.max)
        case let text?:
            guard let seed = UInt64(text) else { fatalError("EMPOWER_FOLD_SEED=\(text): a decimal number or random") }
            return seed
        }
    }()

    static let cases = ProcessInfo.processInfo.environment["EMPOWER_FOLD_CASES"].flatMap { Int($0) } ?? 500

    /// The generator's input for one seed: the four words of Xoshiro's state drawn from SeededGenerator.
    static func rng(seed: UInt64) -> Xoshiro {
        var words = SeededGenerator(seed: seed)
        return Xoshiro(seed: (words.next(), words.next(), words.next(), words.next()))
    }

    @Test("folding any arrival order of the same operations, with repeats, gives an identical state")
    func orderAndRepeatsDoNotMatter() {
        print("RecordFoldPropertyTests: EMPOWER_FOLD_SEED=\(Self.baseSeed), \(Self.cases) cases")
        for caseNumber in 0..<Self.cases {
            let seed = Self.baseSeed &+ UInt64(caseNumber)
            var rng = Self.rng(seed: seed)
            let scenario = FoldScenario.generator.run(using: &rng)
            let problems = Self.problems(in: scenario)
            #expect(
                problems.isEmpty,
                "EMPOWER_FOLD_SEED=\(seed): \(problems.joined(separator: "; "))\n\(scenario.testDescription)"
            )
            if !problems.isEmpty { return }
        }
    }

    /// What is wrong with folding the scenario's arrivals; empty when nothing is.
    static func problems(in scenario: FoldScenario) -> [String] {
        guard let reference = RecordFold.fold(scenario.operations) else { return ["the operations fold to nothing"] }
        var problems: [String] = []
        for (index, arrival) in scenario.arrivals.enumerated() where RecordFold.fold(arrival) != reference {
            problems.append("arrival \(index) folds to another state")
        }

        // The state itself is consistent: every amendment is listed once, in merge order, and the field
        // value of each amendment that stands as current is the field's current value.
        if reference.amendments.count != scenario.operations.count - 1 {
            problems.append("\(reference.amendments.count) amendments listed of \(scenario.operations.count - 1)")
        }
        let byId = Dictionary(scenario.operations.map { ($0.opId, $0) }, uniquingKeysWith: { first, _ in first })
        let keys = reference.amendments.compactMap { byId[$0.stamp.opId]?.orderKey }
        if keys.count != reference.amendments.count || keys != keys.sorted() {
            problems.append("the amendments are not listed once each in merge order")
        }
        for field in AmendableField.allCases {
            let standing = reference.amendments.filter { $0.amendment.field == field && $0.standing == .current }
            if standing.count > 1 { problems.append("\(standing.count) current amendments of \(field.rawValue)") }
            if let winner = standing.first, field.value(in: reference.current) != winner.amendment.value {
                problems.append("\(field.rawValue) is not its current amendment's value")
            }
        }
        return problems
    }
}
