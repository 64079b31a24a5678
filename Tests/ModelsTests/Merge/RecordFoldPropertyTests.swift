import Foundation
import Models
import PropertyBased
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

@Suite("Record fold properties")
struct RecordFoldPropertyTests {
    @Test("folding any arrival order of the same operations, with repeats, gives an identical state")
    func orderAndRepeatsDoNotMatter() async {
        await propertyCheck(count: 500, input: FoldScenario.generator) { scenario in
            let reference = try #require(RecordFold.fold(scenario.operations))
            for arrival in scenario.arrivals {
                let state = RecordFold.fold(arrival)
                #expect(state == reference)
            }

            // The state itself is consistent: every amendment is listed once, in merge order, and the field
            // value of each amendment that stands as current is the field's current value.
            #expect(reference.amendments.count == scenario.operations.count - 1)
            let byId = Dictionary(scenario.operations.map { ($0.opId, $0) }, uniquingKeysWith: { first, _ in first })
            let keys = try reference.amendments.map { try #require(byId[$0.stamp.opId]).orderKey }
            #expect(keys == keys.sorted())
            for field in AmendableField.allCases {
                let standing = reference.amendments.filter { $0.amendment.field == field && $0.standing == .current }
                #expect(standing.count <= 1)
                if let winner = standing.first {
                    #expect(field.value(in: reference.current) == winner.amendment.value)
                }
            }
        }
    }
}
