import Foundation
import Models

/// Valid records and operations to start each test from; a test changes only what it is about.
enum Fixture {
    /// The checker's clock in every test that needs a fixed one: 2026-11-21T23:40:00.000Z.
    static let now = Date(millisecondsSince1970: 1_795_304_400_000)
    static let reporter = "PC-4127"
    static let venue = "venue-concert-sq-01"
    static let device = "dev-7f3a9c"

    static func sighting(
        id: UUID = UUID(),
        occurredAt: Date = now.addingTimeInterval(-600),
        recordedAt: Date = now,
        reporter: String = reporter
    ) -> Sighting {
        Sighting(
            id: id,
            occurredAt: occurredAt,
            recordedAt: recordedAt,
            reporter: reporter,
            location: Location(venueId: venue, place: "Concert Square, by the fountain"),
            behaviours: [.repeatedApproaches, .targetingIntoxicated],
            riskLevel: .medium,
            narrative: "Approached several women after being turned away."
        )
    }

    /// A sighting with every optional field filled, for round trips.
    static func fullSighting(recordedAt: Date = now) -> Sighting {
        Sighting(
            occurredAt: recordedAt.addingTimeInterval(-1800.123).truncatedToMilliseconds,
            recordedAt: recordedAt,
            reporter: reporter,
            location: Location(
                venueId: venue,
                place: "Seel Street, outside number 42",
                latitude: 53.4013,
                longitude: -2.9827
            ),
            behaviours: [.following, .other],
            otherBehaviour: "Filming women on a phone",
            subject: SubjectDescription(
                sex: .male,
                ageBand: .from25to34,
                heightBand: .from175to185,
                build: .muscular,
                clothing: "Black puffer jacket, white trainers",
                distinguishingFeatures: "Scar over left eyebrow",
                perceivedEthnicity: "White British"
            ),
            personAtRisk: PersonAtRisk(ageBand: .from18to24, appearedIntoxicated: true, wasAlone: true),
            riskLevel: .high,
            narrative: "Followed her from the bar.\nStaff told — “café” door, 2nd floor."
        )
    }

    static func intervention(
        id: UUID = UUID(),
        sightingId: UUID? = nil,
        occurredAt: Date = now.addingTimeInterval(-300),
        recordedAt: Date = now,
        by: String = reporter
    ) -> Intervention {
        Intervention(
            id: id,
            sightingId: sightingId,
            occurredAt: occurredAt,
            recordedAt: recordedAt,
            by: by,
            location: Location(venueId: venue),
            actions: [.engagement, .stopAndAccount],
            outcome: .adviceGiven,
            notes: "Advised to leave the area.\nLeft towards Hanover Street."
        )
    }

    static func note(recordId: UUID = UUID(), recordedAt: Date = now, author: String = reporter) -> Note {
        Note(recordId: recordId, author: author, recordedAt: recordedAt, text: "CCTV preserved by venue manager.")
    }

    static let supervisor = "PS-0311"

    /// A section 34 authorisation for the fixture's night (18:00 to 06:00 around `now`) covering the fixture's
    /// venue, Seel Street and an area around Concert Square.
    static func authorisation(
        id: UUID = UUID(),
        startsAt: Date = now.addingTimeInterval(-5 * 3600 - 40 * 60),
        endsAt: Date = now.addingTimeInterval(6 * 3600 + 20 * 60),
        locality: DispersalLocality = DispersalLocality(
            venueIds: [venue],
            streets: ["Seel Street"],
            polygon: [
                Coordinate(latitude: 53.4030, longitude: -2.9830), Coordinate(latitude: 53.4030, longitude: -2.9800),
                Coordinate(latitude: 53.4010, longitude: -2.9800), Coordinate(latitude: 53.4010, longitude: -2.9830),
            ]
        )
    ) -> DispersalAuthorisation {
        DispersalAuthorisation(
            id: id,
            recordedAt: startsAt,
            authorisedBy: supervisor,
            startsAt: startsAt,
            endsAt: endsAt,
            locality: locality,
            grounds: "Repeated reports of predatory behaviour around Concert Square on Saturday nights."
        )
    }

    static func stamp(_ wallMilliseconds: Int64, _ counter: UInt16 = 0) -> HLCTimestamp {
        HLCTimestamp(wallMilliseconds: wallMilliseconds, counter: counter)
    }

    /// A stamp at the fixture clock, plus a counter.
    static func stamp(counter: UInt16 = 0) -> HLCTimestamp {
        HLCTimestamp(wallMilliseconds: now.millisecondsSince1970, counter: counter)
    }

    static func create(
        _ record: PatrolRecord,
        device: String = device,
        hlc: HLCTimestamp = stamp(),
        opId: UUID = UUID()
    ) -> LogOperation {
        let payload: OperationPayload =
            switch record {
            case .sighting(let sighting): .createSighting(sighting)
            case .intervention(let intervention): .createIntervention(intervention)
            case .note(let note): .createNote(note)
            case .authorisation(let authorisation): .createAuthorisation(authorisation)
            case .redacted(let remains): .redacted(remains.type == .note ? .createNote : .createSighting)
            }
        return LogOperation(
            opId: opId,
            deviceId: device,
            author: record.author,
            hlc: hlc,
            recordId: record.id,
            payload: payload
        )
    }

    /// An operation of any kind without a record of its own (registers, redactions) on `recordId`.
    static func operation(
        _ payload: OperationPayload,
        on recordId: UUID,
        device: String = device,
        author: String = reporter,
        hlc: HLCTimestamp,
        opId: UUID = UUID()
    ) -> LogOperation {
        LogOperation(opId: opId, deviceId: device, author: author, hlc: hlc, recordId: recordId, payload: payload)
    }

    static func amend(
        _ recordId: UUID,
        _ field: AmendableField,
        to value: String,
        reason: String = "Corrected after checking CCTV",
        replacing replaced: String? = nil,
        device: String = device,
        author: String = reporter,
        hlc: HLCTimestamp,
        opId: UUID = UUID()
    ) -> LogOperation {
        LogOperation(
            opId: opId,
            deviceId: device,
            author: author,
            hlc: hlc,
            recordId: recordId,
            payload: .amend(Amendment(field: field, value: value, reason: reason, replaced: replaced))
        )
    }
}

/// The code of the `ValidationError` that `body` throws; nil when it throws nothing.
func validationCode(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as ValidationError {
        return error.code
    } catch {
        return "not a ValidationError: \(error)"
    }
}

/// The JSON object that `value` encodes to with Empower's coder.
func jsonObject(_ value: some Encodable) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: WireCoding.encode(value))
    guard let dictionary = object as? [String: Any] else {
        throw CocoaError(.coderReadCorrupt)
    }
    return dictionary
}

/// Encodes and decodes `value` with Empower's coder.
func roundTrip<Value: Codable>(_ value: Value) throws -> Value {
    try WireCoding.decode(Value.self, from: WireCoding.encode(value))
}
