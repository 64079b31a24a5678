import Foundation
import Models
import Testing

/// A field value that does not parse.
struct BadValue: Sendable, CustomTestStringConvertible {
    let field: AmendableField
    let value: String
    let record: PatrolRecord

    var testDescription: String { "\(field.rawValue) = '\(value)'" }
}

/// A valid value of a field, in its text form.
struct FieldValue: Sendable, CustomTestStringConvertible {
    let field: AmendableField
    let value: String
    let record: PatrolRecord

    var testDescription: String { "\(field.rawValue) = '\(value)'" }
}

private let sighting = PatrolRecord.sighting(Fixture.sighting())
private let intervention = PatrolRecord.intervention(Fixture.intervention())
private let note = PatrolRecord.note(Fixture.note())

let badValues: [BadValue] = [
    BadValue(field: .riskLevel, value: "extreme", record: sighting),
    BadValue(field: .riskLevel, value: "High", record: sighting),
    BadValue(field: .subjectSex, value: "man", record: sighting),
    BadValue(field: .subjectAgeBand, value: "30", record: sighting),
    BadValue(field: .subjectHeightBand, value: "tall", record: sighting),
    BadValue(field: .subjectBuild, value: "", record: sighting),
    BadValue(field: .behaviours, value: "following,flirting", record: sighting),
    BadValue(field: .occurredAt, value: "yesterday", record: sighting),
    BadValue(field: .occurredAt, value: "2026-11-21 23:40", record: intervention),
    BadValue(field: .actions, value: "arrest,telling-off", record: intervention),
    BadValue(field: .outcome, value: "sorted", record: intervention),
]

let fieldValues: [FieldValue] = [
    FieldValue(field: .occurredAt, value: "2026-11-21T23:31:07.250Z", record: sighting),
    FieldValue(field: .venue, value: "venue-seel-st-03", record: sighting),
    FieldValue(field: .venue, value: "", record: sighting),
    FieldValue(field: .place, value: "Bold Street", record: sighting),
    FieldValue(field: .behaviours, value: "following,leering,suspected-spiking", record: sighting),
    FieldValue(field: .riskLevel, value: "low", record: sighting),
    FieldValue(field: .narrative, value: "Corrected:\nhe left at 23:45.", record: sighting),
    FieldValue(field: .subjectSex, value: "male", record: sighting),
    FieldValue(field: .subjectAgeBand, value: "45-54", record: sighting),
    FieldValue(field: .subjectHeightBand, value: "over-185", record: sighting),
    FieldValue(field: .subjectBuild, value: "slim", record: sighting),
    FieldValue(field: .subjectClothing, value: "Grey hoodie", record: sighting),
    FieldValue(field: .subjectFeatures, value: "", record: sighting),
    FieldValue(field: .occurredAt, value: "2026-11-21T23:38:00.000Z", record: intervention),
    FieldValue(field: .place, value: "", record: intervention),
    FieldValue(field: .actions, value: "ejection,police-called", record: intervention),
    FieldValue(field: .outcome, value: "dispersed", record: intervention),
    FieldValue(field: .notes, value: "Left in a taxi.", record: intervention),
    FieldValue(field: .text, value: "CCTV preserved; reference 12/345.", record: note),
]

private let sightingOnlyFields = AmendableField.allCases.filter { $0.recordTypes == [.sighting] }

@Suite("Amendments")
struct AmendmentTests {
    @Test("a value that does not parse is refused with bad-value", arguments: badValues)
    func badValue(_ bad: BadValue) {
        #expect(validationCode { _ = try bad.field.apply(bad.value, to: bad.record) } == "bad-value")
        let amendment = Amendment(field: bad.field, value: bad.value, reason: "Correction")
        #expect(validationCode { try amendment.validate(against: bad.record) } == "bad-value")
    }

    @Test("a sighting field cannot be amended on an intervention", arguments: sightingOnlyFields)
    func sightingFieldOnIntervention(_ field: AmendableField) {
        let value = field.value(in: sighting)
        #expect(validationCode { _ = try field.apply(value, to: intervention) } == "field-not-amendable")
        let amendment = Amendment(field: field, value: value, reason: "Correction")
        #expect(validationCode { try amendment.validate(against: intervention) } == "field-not-amendable")
    }

    @Test("a field of another kind of record cannot be amended")
    func otherKinds() {
        #expect(validationCode { _ = try AmendableField.text.apply("x", to: sighting) } == "field-not-amendable")
        #expect(
            validationCode { _ = try AmendableField.outcome.apply("arrested", to: sighting) } == "field-not-amendable"
        )
        #expect(validationCode { _ = try AmendableField.actions.apply("arrest", to: note) } == "field-not-amendable")
        #expect(
            validationCode { _ = try AmendableField.occurredAt.apply("2026-11-21T23:00:00Z", to: note) }
                == "field-not-amendable"
        )
    }

    @Test("exactly the sighting's own fields are sighting-only")
    func sightingOnlyFieldList() {
        #expect(
            Set(sightingOnlyFields) == [
                .behaviours, .otherBehaviour, .riskLevel, .narrative, .subjectSex, .subjectAgeBand, .subjectHeightBand,
                .subjectBuild, .subjectClothing, .subjectFeatures,
            ]
        )
    }

    @Test("a valid value applies and reads back in the same text form", arguments: fieldValues)
    func applyAndRead(_ item: FieldValue) throws {
        let amended = try item.field.apply(item.value, to: item.record)
        #expect(item.field.value(in: amended) == item.value)
        #expect(amended.id == item.record.id)
        #expect(amended.type == item.record.type)
    }

    @Test("an empty value clears an optional field")
    func emptyClears() throws {
        let amended = try AmendableField.venue.apply("", to: sighting)
        guard case .sighting(let cleared) = amended else {
            Issue.record("The amended record is not a sighting")
            return
        }
        #expect(cleared.location.venueId == nil)
        #expect(cleared.location.place != nil)
    }

    @Test("a list value may have spaces after commas")
    func listWithSpaces() throws {
        let amended = try AmendableField.behaviours.apply("following, leering", to: sighting)
        #expect(AmendableField.behaviours.value(in: amended) == "following,leering")
    }

    @Test("an amendment needs a reason")
    func emptyReason() {
        let amendment = Amendment(field: .riskLevel, value: "high", reason: " \n")
        #expect(validationCode { try amendment.validate(against: sighting) } == "empty-reason")
    }

    @Test("an amendment must leave a valid record")
    func leavesValidRecord() {
        let cases: [(Amendment, String)] = [
            (Amendment(field: .behaviours, value: "", reason: "Wrong"), "no-behaviour"),
            (Amendment(field: .venue, value: "Seel Street", reason: "Wrong"), "malformed-id"),
            (Amendment(field: .place, value: "Bold Street\nupstairs", reason: "Wrong"), "control-characters"),
            (Amendment(field: .occurredAt, value: "2026-11-22T00:00:00Z", reason: "Wrong"), "occurred-in-future"),
            (Amendment(field: .occurredAt, value: "2025-01-01T00:00:00Z", reason: "Wrong"), "occurred-too-long-ago"),
        ]
        for (amendment, code) in cases {
            #expect(validationCode { try amendment.validate(against: sighting) } == code, "\(amendment.field)")
        }
        let noPlace = Amendment(field: .venue, value: "", reason: "Wrong venue")
        #expect(validationCode { try noPlace.validate(against: intervention) } == "no-place")
        let emptyNote = Amendment(field: .text, value: "  ", reason: "Withdrawn")
        #expect(validationCode { try emptyNote.validate(against: note) } == "empty-note")
    }

    @Test("a time is cut to milliseconds when it is applied")
    func timeCutToMilliseconds() throws {
        let amended = try AmendableField.occurredAt.apply("2026-11-21T23:31:07.250999Z", to: sighting)
        #expect(amended.occurredAt == Date(millisecondsSince1970: 1_795_304_400_000 - 532_750))
        #expect(AmendableField.occurredAt.value(in: amended) == "2026-11-21T23:31:07.250Z")
    }
}
