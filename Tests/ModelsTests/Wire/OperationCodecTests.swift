import Foundation
import Models
import TestSupport
import Testing

/// The fast operation codec must be indistinguishable from `JSONEncoder`/`JSONDecoder` with the wire settings.
@Suite("Operation codec")
struct OperationCodecTests {
    @Test("random operations of every kind encode to exactly JSONEncoder's bytes and decode back equal")
    func matchesFoundation() throws {
        var random = SeededGenerator(seed: 0xC0DEC)
        for index in 0..<3000 {
            let operation = RandomOperation.make(using: &random)
            let fast = WireCoding.encodeOperation(operation)
            let foundation = try WireCoding.encode(operation)
            guard fast == foundation else {
                Issue.record(
                    "case \(index): \(String(decoding: fast, as: UTF8.self)) != \(String(decoding: foundation, as: UTF8.self))"
                )
                return
            }
            #expect(try WireCoding.decodeOperation(fast) == operation)
        }
    }

    @Test("push and pull bodies decode as JSONDecoder decodes them, whatever the key order and spacing")
    func envelopes() throws {
        var random = SeededGenerator(seed: 0xE7E1)
        let operations = (0..<20).map { _ in RandomOperation.make(using: &random) }
        // A push carries only stamps a client may send (`ClockStampFormTests` has the others refused).
        let push = PushRequest(deviceId: "dev-7f3a9c", operations: operations.filter(\.hlc.isPlausible))
        let pushBody = try WireCoding.encode(push)
        #expect(try WireCoding.decodePushRequest(pushBody) == push)
        let pretty = try WireCoding.makeEncoder(pretty: true).encode(push)
        #expect(try WireCoding.decodePushRequest(pretty) == push)

        let pull = PullResponse(
            operations: operations.enumerated().map {
                SequencedOperation(seq: Int64($0.offset + 1), operation: $0.element)
            },
            cursor: 20,
            hasMore: true,
            serverClock: HLCTimestamp(rawValue: 123_456)
        )
        #expect(try WireCoding.decodePullResponse(try WireCoding.encode(pull)) == pull)
        #expect(try WireCoding.decodePullResponse(try WireCoding.makeEncoder(pretty: true).encode(pull)) == pull)
    }

    @Test("an amendment without the value it replaced (made before devices recorded it) decodes with none")
    func amendmentWithoutReplaced() throws {
        let old =
            #"{"author":"PC-4127","deviceId":"dev-pc4127","hlc":1,"kind":"amend","opId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10","payload":{"field":"place","reason":"Wrong street","value":"Wood Street"},"recordId":"7E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10"}"#
        let withNull = old.replacingOccurrences(
            of: #""reason":"Wrong street","#,
            with: #""reason":"Wrong street","replaced":null,"#
        )
        for text in [old, withNull] {
            let fast = try WireCoding.decodeOperation(Data(text.utf8))
            let foundation = try WireCoding.decode(LogOperation.self, from: Data(text.utf8))
            #expect(fast == foundation)
            #expect(fast.payload == .amend(Amendment(field: .place, value: "Wood Street", reason: "Wrong street")))
        }
        // Encoded again, it is the same bytes as before: an old operation keeps its idempotency key.
        #expect(
            String(decoding: WireCoding.encodeOperation(try WireCoding.decodeOperation(Data(old.utf8))), as: UTF8.self)
                == old
        )
    }

    @Test("the value an amendment replaced goes over the wire, through both coders, push and pull bodies")
    func amendmentWithReplaced() throws {
        let operation = LogOperation(
            deviceId: "dev-pc4127",
            author: "PC-4127",
            hlc: Fixture.stamp(),
            recordId: UUID(),
            payload: .amend(
                Amendment(
                    field: .narrative,
                    value: "Left at 23:45",
                    reason: "Typo",
                    replaced: "Left at\n23:54 \"late\""
                )
            )
        )
        let fast = WireCoding.encodeOperation(operation)
        #expect(fast == (try WireCoding.encode(operation)))
        let payload = try #require(try jsonObject(operation)["payload"] as? [String: Any])
        #expect(payload["replaced"] as? String == "Left at\n23:54 \"late\"")
        #expect(try WireCoding.decodeOperation(fast) == operation)
        #expect(try WireCoding.decode(LogOperation.self, from: fast) == operation)
        let push = try WireAssembly.pushRequest(deviceId: "dev-pc4127", encodedOperations: [fast])
        #expect(try WireCoding.decodePushRequest(push).operations == [operation])
        let pull = WireAssembly.pullResponse(
            operations: [(seq: 1, encodedOperation: fast)],
            cursor: 1,
            hasMore: false,
            serverClock: HLCTimestamp(rawValue: 2)
        )
        #expect(try WireCoding.decodePullResponse(pull).operations.map(\.operation) == [operation])
    }

    @Test(
        "bad input is refused with JSONDecoder's error",
        arguments: [
            "", "{", "[]", "{\"opId\":1}", "null",
            #"{"author":"PC-4127","deviceId":"d","hlc":-1,"kind":"amend","opId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10","payload":{"field":"place","reason":"r","value":"v"},"recordId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10"}"#,
            #"{"author":"PC-4127","deviceId":"d","hlc":1,"kind":"amend","opId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10","payload":{"field":"colour","reason":"r","value":"v"},"recordId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10"}"#,
            #"{"author":"PC-4127","deviceId":"d","hlc":1.5,"kind":"amend","opId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10","payload":{"field":"place","reason":"r","value":"v"},"recordId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10"}"#,
            #"{"author":"PC-4127","deviceId":"d","hlc":1,"kind":"redact","opId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10","redacted":true,"recordId":"6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10"}"#,
        ]
    )
    func badInput(_ text: String) {
        #expect(throws: DecodingError.self) { try WireCoding.decodeOperation(Data(text.utf8)) }
    }
}

/// Random operations that exercise every field, optional or not, and awkward text.
enum RandomOperation {
    static let awkwardTexts = [
        "", "plain", "Seel Street / Bold Street", "quote \" and backslash \\", "new\nline\ttab\r",
        "bell \u{7} and \u{1F} and \u{0}", "é ü ß ł", "emoji 😀 👩🏽‍🦱", "\u{7F} del", "back\u{8}space\u{C}form",
        "<script>", "{\"json\":1}", "\u{2028}\u{2029}",
    ]

    static func make(using random: inout SeededGenerator) -> LogOperation {
        func text() -> String {
            awkwardTexts.randomElement(using: &random)! + String(Int.random(in: 0...999, using: &random))
        }
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &random) ? value() : nil }
        func date() -> Date { Date(millisecondsSince1970: Int64.random(in: 0...4_102_444_800_000, using: &random)) }
        func some<T: CaseIterable>(_ type: T.Type) -> [T] {
            Array(T.allCases.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random)))
        }
        func one<T: CaseIterable>(_ type: T.Type) -> T { T.allCases.randomElement(using: &random)! }
        let location = Location(
            venueId: maybe("venue-" + String(Int.random(in: 0...99, using: &random))),
            place: maybe(text()),
            latitude: maybe(Double.random(in: -90...90, using: &random)),
            longitude: maybe(
                [0.0, 1.0, -2.98, 1e-7, 100.0, Double.random(in: -180...180, using: &random)].randomElement(
                    using: &random
                )!
            )
        )
        let payload: OperationPayload
        switch Int.random(in: 0..<7, using: &random) {
        case 0:
            payload = .createSighting(
                Sighting(
                    occurredAt: date(),
                    recordedAt: date(),
                    reporter: "PC-" + String(Int.random(in: 1...9999, using: &random)),
                    location: location,
                    behaviours: some(Behaviour.self),
                    otherBehaviour: maybe(text()),
                    subject: SubjectDescription(
                        sex: one(SubjectDescription.Sex.self),
                        ageBand: one(SubjectDescription.AgeBand.self),
                        heightBand: one(SubjectDescription.HeightBand.self),
                        build: one(SubjectDescription.Build.self),
                        clothing: maybe(text()),
                        distinguishingFeatures: maybe(text()),
                        perceivedEthnicity: maybe(text())
                    ),
                    personAtRisk: PersonAtRisk(
                        ageBand: one(SubjectDescription.AgeBand.self),
                        appearedIntoxicated: maybe(Bool.random(using: &random)),
                        wasAlone: maybe(Bool.random(using: &random))
                    ),
                    riskLevel: one(RiskLevel.self),
                    narrative: text()
                )
            )
        case 1:
            payload = .createIntervention(
                Intervention(
                    sightingId: maybe(UUID()),
                    occurredAt: date(),
                    recordedAt: date(),
                    by: "SIA-" + String(Int.random(in: 1...9999, using: &random)),
                    location: location,
                    actions: some(InterventionAction.self),
                    outcome: one(Outcome.self),
                    notes: text()
                )
            )
        case 2:
            payload = .createNote(Note(recordId: UUID(), author: "PC-1", recordedAt: date(), text: text()))
        case 3:
            payload = .amend(
                Amendment(field: one(AmendableField.self), value: text(), reason: text(), replaced: maybe(text()))
            )
        case 4:
            let write: RegisterWrite =
                switch Int.random(in: 0..<4, using: &random) {
                case 0: .review(one(ReviewStatus.self))
                case 1:
                    .grading(
                        maybe(
                            IntelligenceGrading(
                                source: one(IntelligenceGrading.SourceEvaluation.self),
                                intelligence: one(IntelligenceGrading.IntelligenceAssessment.self),
                                handling: one(IntelligenceGrading.HandlingCode.self)
                            )
                        )
                    )
                case 2: .retentionReview(maybe(date()))
                default:
                    .link(
                        RecordLink(target: UUID(), kind: one(RecordLink.LinkKind.self)),
                        present: Bool.random(using: &random)
                    )
                }
            payload = .setRegister(write)
        case 5:
            payload = .redact(Redaction(reason: one(RedactionReason.self), explanation: text()))
        default:
            payload = .redacted(
                [OperationKind.createSighting, .createIntervention, .createNote, .amend].randomElement(using: &random)!
            )
        }
        return LogOperation(
            deviceId: "dev-" + String(Int.random(in: 0...999, using: &random)),
            author: "PC-" + String(Int.random(in: 0...999, using: &random)),
            hlc: stamp(using: &random),
            recordId: UUID(),
            payload: payload
        )
    }

    /// Mostly a stamp a client may send (`HLCTimestamp.isPlausible`), else any stamp at all.
    static func stamp(using random: inout SeededGenerator) -> HLCTimestamp {
        guard Int.random(in: 0..<4, using: &random) == 0 else {
            return HLCTimestamp(
                wallMilliseconds: Int64.random(in: HLCTimestamp.plausibleWallMilliseconds, using: &random),
                counter: UInt16.random(in: 0...UInt16.max, using: &random)
            )
        }
        return HLCTimestamp(rawValue: Int64.random(in: 0...Int64.max, using: &random))
    }
}
