import Foundation
import Models
import Testing

/// A change to a valid encoded operation that must make decoding fail.
struct CorruptedJSON: Sendable, CustomTestStringConvertible {
    let name: String
    let replace: String
    let with: String

    var testDescription: String { name }
}

/// One operation of each kind, with a stamp whose counter is not zero so that the packed integer is exact.
private func operation(of kind: OperationKind) -> LogOperation {
    let hlc = Fixture.stamp(counter: 7)
    return switch kind {
    case .createSighting: Fixture.create(.sighting(Fixture.fullSighting()), hlc: hlc)
    case .createIntervention:
        Fixture.create(
            .intervention(
                Intervention(
                    sightingId: UUID(),
                    occurredAt: Fixture.now.addingTimeInterval(-60),
                    recordedAt: Fixture.now,
                    by: Fixture.reporter,
                    location: Location(venueId: Fixture.venue, latitude: 53.4021, longitude: -2.9815),
                    actions: [.engagement, .dispersalDirection],
                    outcome: .dispersed,
                    authorisationId: UUID(),
                    outsideAuthorisation: false
                )
            ),
            hlc: hlc
        )
    case .createNote: Fixture.create(.note(Fixture.note()), hlc: hlc)
    case .createAuthorisation: Fixture.create(.authorisation(Fixture.authorisation()), hlc: hlc)
    case .amend: Fixture.amend(UUID(), .riskLevel, to: "high", reason: "Rechecked with the supervisor", hlc: hlc)
    case .setRegister:
        Fixture.operation(
            .setRegister(
                .grading(IntelligenceGrading(source: .reliable, intelligence: .corroborated, handling: .permitted))
            ),
            on: UUID(),
            hlc: hlc
        )
    case .redact:
        Fixture.operation(
            .redact(Redaction(reason: .retentionExpired, explanation: "Review period ended")),
            on: UUID(),
            hlc: hlc
        )
    }
}

private let corruptions: [CorruptedJSON] = [
    CorruptedJSON(
        name: "unknown operation kind",
        replace: #""kind":"create-sighting""#,
        with: #""kind":"delete-record""#
    ),
    CorruptedJSON(
        name: "kind that does not match the payload",
        replace: #""kind":"create-sighting""#,
        with: #""kind":"amend""#
    ),
    CorruptedJSON(name: "unknown risk level", replace: #""riskLevel":"medium""#, with: #""riskLevel":"extreme""#),
    CorruptedJSON(
        name: "unknown behaviour",
        replace: #""behaviours":["repeated-approaches""#,
        with: #""behaviours":["flirting""#
    ),
    CorruptedJSON(
        name: "date in a local format",
        replace: #""recordedAt":"2026-11-21T23:40:00.000Z""#,
        with: #""recordedAt":"21/11/2026 23:40""#
    ),
    CorruptedJSON(
        name: "date without a time zone",
        replace: #""recordedAt":"2026-11-21T23:40:00.000Z""#,
        with: #""recordedAt":"2026-11-21T23:40:00""#
    ),
    CorruptedJSON(
        name: "date that does not exist",
        replace: #""occurredAt":"2026-11-21T23:30:00.000Z""#,
        with: #""occurredAt":"2026-02-30T23:30:00.000Z""#
    ),
    CorruptedJSON(
        name: "date as a number",
        replace: #""recordedAt":"2026-11-21T23:40:00.000Z""#,
        with: #""recordedAt":1795304400"#
    ),
    CorruptedJSON(
        name: "negative clock stamp",
        replace: #""hlc":\#(Fixture.stamp(counter: 7).rawValue)"#,
        with: #""hlc":-1"#
    ),
    CorruptedJSON(
        // A string of the digits is protocol version 2's form (`ClockStampFormTests`); a signed one is no stamp.
        name: "clock stamp as a signed string",
        replace: #""hlc":\#(Fixture.stamp(counter: 7).rawValue)"#,
        with: #""hlc":"+\#(Fixture.stamp(counter: 7).rawValue)""#
    ),
    CorruptedJSON(name: "malformed operation id", replace: #""opId":""#, with: #""opId":"x"#),
]

@Suite("Wire coding")
struct WireCodingTests {
    // MARK: Round trips

    @Test("a sighting survives a JSON round trip")
    func sighting() throws {
        let full = Fixture.fullSighting(recordedAt: Date().truncatedToMilliseconds)
        #expect(try roundTrip(full) == full)
        let minimal = Fixture.sighting()
        #expect(try roundTrip(minimal) == minimal)
    }

    @Test("an intervention survives a JSON round trip")
    func intervention() throws {
        let now = Date().truncatedToMilliseconds
        let intervention = Fixture.intervention(
            sightingId: UUID(),
            occurredAt: now.addingTimeInterval(-60.5).truncatedToMilliseconds,
            recordedAt: now
        )
        #expect(try roundTrip(intervention) == intervention)
        let alone = Fixture.intervention()
        #expect(try roundTrip(alone) == alone)
    }

    @Test("a note survives a JSON round trip")
    func note() throws {
        let note = Fixture.note(recordedAt: Date().truncatedToMilliseconds)
        #expect(try roundTrip(note) == note)
    }

    @Test("every record kind survives a JSON round trip as a PatrolRecord")
    func patrolRecord() throws {
        let records: [PatrolRecord] = [
            .sighting(Fixture.fullSighting()), .intervention(Fixture.intervention()), .note(Fixture.note()),
        ]
        #expect(try roundTrip(records) == records)
        let object = try jsonObject(records[0])
        #expect(Set(object.keys) == ["type", "record"])
        #expect(object["type"] as? String == "sighting")
    }

    @Test("an operation of each kind survives a JSON round trip", arguments: OperationKind.allCases)
    func operationRoundTrip(_ kind: OperationKind) throws {
        let original = operation(of: kind)
        let decoded = try roundTrip(original)
        #expect(decoded == original)
        #expect(decoded.kind == kind)
        #expect(decoded.hlc.counter == 7)
    }

    @Test("a push request survives a JSON round trip")
    func pushRequest() throws {
        let request = PushRequest(deviceId: Fixture.device, operations: OperationKind.allCases.map(operation(of:)))
        let decoded = try roundTrip(request)
        #expect(decoded == request)
        #expect(decoded.protocolVersion == WireCoding.protocolVersion)
        #expect(Set(try jsonObject(request).keys) == ["protocolVersion", "deviceId", "operations"])
    }

    @Test("a push response survives a JSON round trip")
    func pushResponse() throws {
        let response = PushResponse(
            accepted: [UUID(), UUID()],
            rejected: [
                RejectedOperation(opId: UUID(), code: "clock-ahead", message: "The operation is stamped ahead.")
            ],
            serverClock: Fixture.stamp(counter: 3)
        )
        #expect(try roundTrip(response) == response)
        let object = try jsonObject(response)
        #expect(Set(object.keys) == ["accepted", "rejected", "serverClock"])
        let rejected = try #require((object["rejected"] as? [[String: Any]])?.first)
        #expect(Set(rejected.keys) == ["opId", "code", "message"])
    }

    @Test("a pull response survives a JSON round trip")
    func pullResponse() throws {
        let operations = OperationKind.allCases.enumerated().map { index, kind in
            SequencedOperation(seq: Int64(index) + 41, operation: operation(of: kind))
        }
        let response = PullResponse(
            operations: operations,
            cursor: 44,
            hasMore: true,
            serverClock: Fixture.stamp(counter: 9)
        )
        #expect(try roundTrip(response) == response)
        let empty = PullResponse(operations: [], cursor: 0, hasMore: false, serverClock: .zero)
        #expect(try roundTrip(empty) == empty)
        let object = try jsonObject(response)
        #expect(Set(object.keys) == ["operations", "cursor", "hasMore", "serverClock"])
        let first = try #require((object["operations"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["seq", "operation"])
    }

    @Test("a pull page read by a device keeps each operation's JSON exactly as the server sent it")
    func pullPageKeepsEncodedOperations() throws {
        let operations = OperationKind.allCases.map { operation(of: $0) }
        let encoded = operations.map(WireCoding.encodeOperation)
        let body = WireAssembly.pullResponse(
            operations: encoded.enumerated().map { (seq: Int64($0.offset) + 7, encodedOperation: $0.element) },
            cursor: 7 + Int64(encoded.count) - 1,
            hasMore: false,
            serverClock: Fixture.stamp(counter: 3)
        )
        let page = try WireCoding.decodePullResponse(body)
        #expect(page.operations.map(\.encoded) == encoded.map { String(decoding: $0, as: UTF8.self) })
        #expect(page.operations.map(\.operation) == operations)
        // Not part of equality or of the JSON: a page read back equals the one written.
        #expect(page.operations.map { SequencedOperation(seq: $0.seq, operation: $0.operation) } == page.operations)
    }

    @Test("a pull page's enrolment notices: assembled as encoded, read alike by both decoders, absent when empty")
    func pullPageEnrolmentNotices() throws {
        let notices = [
            EnrolmentNotice(
                deviceId: "dev-ps2201-extra",
                enrolledAt: Date(timeIntervalSince1970: 1_800_000_060),
                enrolledBy: "ADM-0001",
                status: .pendingApproval
            ),
            EnrolmentNotice(
                deviceId: "dev-ps2201-tablet",
                enrolledAt: Date(timeIntervalSince1970: 1_800_000_000),
                enrolledBy: nil,
                status: .enrolled,
                approvedBy: "PS-2201"
            ),
        ]
        let operation = operation(of: .createNote)
        let page = PullResponse(
            operations: [SequencedOperation(seq: 3, operation: operation)],
            cursor: 3,
            hasMore: false,
            serverClock: Fixture.stamp(counter: 4),
            serverTime: Date(timeIntervalSince1970: 1_800_000_100),
            enrolments: notices
        )
        let assembled = WireAssembly.pullResponse(
            operations: [(seq: 3, encodedOperation: WireCoding.encodeOperation(operation))],
            cursor: 3,
            hasMore: false,
            serverClock: Fixture.stamp(counter: 4),
            serverTime: Date(timeIntervalSince1970: 1_800_000_100),
            enrolments: notices
        )
        #expect(assembled == (try WireCoding.encode(page)), "the assembled body is the encoder's, byte for byte")
        #expect(try WireCoding.decodePullResponse(assembled) == page)
        #expect(try WireCoding.decode(PullResponse.self, from: assembled) == page)
        #expect(try roundTrip(page) == page)
        let object = try jsonObject(page)
        let first = try #require((object["enrolments"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["deviceId", "enrolledAt", "enrolledBy", "status"])
        #expect(first["status"] as? String == "pending-approval")
        let none = PullResponse(operations: [], cursor: 0, hasMore: false, serverClock: .zero)
        #expect(try jsonObject(none)["enrolments"] == nil)
        #expect(
            !String(
                decoding: WireAssembly.pullResponse(operations: [], cursor: 0, hasMore: false, serverClock: .zero),
                as: UTF8.self
            ).contains("enrolments")
        )
    }

    @Test("a folded record state with amendments survives a JSON round trip")
    func recordState() throws {
        let sighting = Fixture.sighting()
        let state = try #require(
            RecordFold.fold([
                Fixture.create(.sighting(sighting), hlc: Fixture.stamp(1000)),
                Fixture.amend(sighting.id, .riskLevel, to: "low", device: "dev-a", hlc: Fixture.stamp(2000)),
                Fixture.amend(sighting.id, .riskLevel, to: "high", device: "dev-b", hlc: Fixture.stamp(3000)),
                Fixture.amend(sighting.id, .riskLevel, to: "extreme", device: "dev-b", hlc: Fixture.stamp(4000)),
                Fixture.create(.sighting(sighting), device: "dev-c", hlc: Fixture.stamp(5000)),
            ])
        )
        #expect(state.amendments.map(\.standing).contains(.superseded))
        #expect(state.amendments.map(\.standing).contains(.current))
        #expect(state.amendments.contains { if case .refused = $0.standing { true } else { false } })
        #expect(state.refusedCreates.count == 1)
        #expect(try roundTrip(state) == state)
        #expect(try roundTrip(RecordList(records: [state])) == RecordList(records: [state]))
        let object = try jsonObject(state)
        #expect(Set(object.keys) == ["id", "original", "current", "created", "amendments", "refusedCreates"])
        let entry = try #require((object["amendments"] as? [[String: Any]])?.first)
        #expect(Set(entry.keys) == ["stamp", "amendment", "previousValue", "standing"])
    }

    // MARK: Wire names

    @Test("an encoded operation has stable field names, kind and payload")
    func operationFieldNames() throws {
        let sighting = Fixture.sighting()
        let create = Fixture.create(.sighting(sighting), hlc: Fixture.stamp(counter: 7))
        let object = try jsonObject(create)
        #expect(Set(object.keys) == ["opId", "deviceId", "author", "hlc", "recordId", "kind", "payload"])
        #expect(object["kind"] as? String == "create-sighting")
        #expect(object["opId"] as? String == create.opId.uuidString)
        #expect(object["recordId"] as? String == sighting.id.uuidString)
        #expect(object["deviceId"] as? String == Fixture.device)
        #expect(object["author"] as? String == Fixture.reporter)
        let payload = try #require(object["payload"] as? [String: Any])
        #expect(
            Set(payload.keys) == [
                "id", "occurredAt", "recordedAt", "reporter", "location", "behaviours", "subject", "personAtRisk",
                "riskLevel", "narrative",
            ]
        )
        #expect(payload["behaviours"] as? [String] == ["repeated-approaches", "targeting-intoxicated"])
        #expect(payload["riskLevel"] as? String == "medium")
    }

    @Test("the kind of each operation has its stable wire name", arguments: OperationKind.allCases)
    func kindNames(_ kind: OperationKind) throws {
        let expected: [OperationKind: String] = [
            .createSighting: "create-sighting", .createIntervention: "create-intervention", .createNote: "create-note",
            .createAuthorisation: "create-authorisation", .amend: "amend", .setRegister: "set-register",
            .redact: "redact",
        ]
        #expect(try jsonObject(operation(of: kind))["kind"] as? String == expected[kind])
    }

    @Test("an amendment's payload has field, value and reason, with the field's wire name")
    func amendmentFieldNames() throws {
        let object = try jsonObject(operation(of: .amend))
        let payload = try #require(object["payload"] as? [String: Any])
        #expect(Set(payload.keys) == ["field", "value", "reason"])
        #expect(payload["field"] as? String == "risk-level")
        #expect(payload["value"] as? String == "high")
    }

    @Test("the clock stamp is a JSON integer holding the packed value exactly")
    func hlcIsInteger() throws {
        struct StampOnly: Decodable { let hlc: Int64 }
        let create = operation(of: .createNote)
        let data = try WireCoding.encode(create)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains(#""hlc":\#(create.hlc.rawValue),"#))
        #expect(try JSONDecoder().decode(StampOnly.self, from: data).hlc == create.hlc.rawValue)
        #expect(create.hlc.rawValue > 1 << 53)  // beyond a double's exact integers
    }

    @Test("times are ISO-8601 strings with milliseconds ending in Z")
    func datesAreISO8601() throws {
        let create = Fixture.create(.sighting(Fixture.sighting()))
        let payload = try #require(try jsonObject(create)["payload"] as? [String: Any])
        #expect(payload["recordedAt"] as? String == "2026-11-21T23:40:00.000Z")
        #expect(payload["occurredAt"] as? String == "2026-11-21T23:30:00.000Z")
        let now = Date().truncatedToMilliseconds
        let note = Fixture.note(recordedAt: now)
        let recordedAt = try #require(try jsonObject(note)["recordedAt"] as? String)
        let isoMilliseconds = #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/#
        #expect(try isoMilliseconds.wholeMatch(in: recordedAt) != nil)
        #expect(WireCoding.parseDate(recordedAt) == now)
    }

    @Test("keys are sorted, so equal values encode to equal bytes")
    func sortedKeys() throws {
        let create = operation(of: .createSighting)
        let text = try #require(String(data: try WireCoding.encode(create), encoding: .utf8))
        #expect(text.hasPrefix(#"{"author":"PC-4127","deviceId":"dev-7f3a9c","hlc":"#))
        #expect(try WireCoding.encode(roundTrip(create)) == WireCoding.encode(create))
    }

    // MARK: Refusals

    @Test("an untouched operation decodes (the base of the refusal cases)")
    func baseDecodes() throws {
        let create = Fixture.create(.sighting(Fixture.sighting()), hlc: Fixture.stamp(counter: 7))
        #expect(try WireCoding.decode(LogOperation.self, from: WireCoding.encode(create)) == create)
    }

    @Test("decoding refuses a corrupted operation", arguments: corruptions)
    func refusesCorruption(_ corruption: CorruptedJSON) throws {
        let create = Fixture.create(.sighting(Fixture.sighting()), hlc: Fixture.stamp(counter: 7))
        let text = try #require(String(data: try WireCoding.encode(create), encoding: .utf8))
        try #require(text.contains(corruption.replace), "the base JSON holds \(corruption.replace)")
        let corrupted = text.replacingOccurrences(of: corruption.replace, with: corruption.with)
        #expect(throws: DecodingError.self) {
            try WireCoding.decode(LogOperation.self, from: Data(corrupted.utf8))
        }
    }

    @Test("decoding refuses an unknown amendable field and an unknown record type")
    func refusesUnknownNames() {
        let amendment = #"{"field":"colour","value":"red","reason":"x"}"#
        #expect(throws: DecodingError.self) { try WireCoding.decode(Amendment.self, from: Data(amendment.utf8)) }
        let record = #"{"type":"report","record":{}}"#
        #expect(throws: DecodingError.self) { try WireCoding.decode(PatrolRecord.self, from: Data(record.utf8)) }
    }
}
