import Foundation
import Models
import Testing

/// Every free-text field that a person reads (on a device, the dashboard, an export, the audit log) refuses
/// bidirectional overrides and other invisible control characters (issue 16), through the check its own
/// record, operation or venue goes through.
@Suite("Free text fields")
struct FreeTextFieldTests {
    /// A right-to-left override, an isolate, a zero-width space, a byte-order mark and an escape.
    static let hidden: [Unicode.Scalar] = ["\u{202E}", "\u{2067}", "\u{200B}", "\u{FEFF}", "\u{1B}"]

    /// One field: its name and how to check a record or operation carrying `text` in it.
    struct Field: CustomTestStringConvertible, Sendable {
        var name: String
        var check: @Sendable (String) throws(ValidationError) -> Void
        var testDescription: String { name }
    }

    static func sighting(_ change: (inout Sighting) -> Void) -> LogOperation {
        var sighting = Fixture.fullSighting()
        change(&sighting)
        return Fixture.create(.sighting(sighting))
    }

    static func validate(_ operation: LogOperation) throws(ValidationError) {
        try operation.validate(now: Fixture.now)
    }

    static let fields: [Field] = [
        Field(name: "sighting narrative") { text throws(ValidationError) in
            try validate(sighting { $0.narrative = "Seen \(text) at the bar" })
        },
        Field(name: "sighting place") { text throws(ValidationError) in
            try validate(sighting { $0.location.place = "Seel \(text)Street" })
        },
        Field(name: "description of the other behaviour") { text throws(ValidationError) in
            try validate(sighting { $0.otherBehaviour = "Filming \(text)women" })
        },
        Field(name: "clothing") { text throws(ValidationError) in
            try validate(sighting { $0.subject.clothing = "Black \(text)jacket" })
        },
        Field(name: "distinguishing features") { text throws(ValidationError) in
            try validate(sighting { $0.subject.distinguishingFeatures = "Scar \(text)over eyebrow" })
        },
        Field(name: "perceived ethnicity") { text throws(ValidationError) in
            try validate(sighting { $0.subject.perceivedEthnicity = "White \(text)British" })
        },
        Field(name: "intervention notes") { text throws(ValidationError) in
            var intervention = Fixture.intervention()
            intervention.notes = "Spoke to him \(text) outside"
            try validate(Fixture.create(.intervention(intervention)))
        },
        Field(name: "intervention place") { text throws(ValidationError) in
            var intervention = Fixture.intervention()
            intervention.location.place = "Bold \(text)Street"
            try validate(Fixture.create(.intervention(intervention)))
        },
        Field(name: "note text") { text throws(ValidationError) in
            var note = Fixture.note()
            note.text = "Door staff \(text) confirmed"
            try validate(Fixture.create(.note(note)))
        },
        Field(name: "authorisation grounds") { text throws(ValidationError) in
            var authorisation = Fixture.authorisation()
            authorisation.grounds = "Repeated \(text)reports"
            try authorisation.validate(now: Fixture.now)
        },
        Field(name: "authorisation street") { text throws(ValidationError) in
            var authorisation = Fixture.authorisation()
            authorisation.locality.streets = ["Seel \(text)Street"]
            try authorisation.validate(now: Fixture.now)
        },
        Field(name: "amendment reason") { text throws(ValidationError) in
            try validate(
                Fixture.amend(UUID(), .riskLevel, to: "high", reason: "Typo \(text)fixed", hlc: Fixture.stamp())
            )
        },
        Field(name: "amendment's new narrative") { text throws(ValidationError) in
            let amendment = Amendment(field: .narrative, value: "Seen \(text) there", reason: "Clearer")
            try amendment.validate(against: .sighting(Fixture.fullSighting()))
        },
        Field(name: "amendment's new place") { text throws(ValidationError) in
            let amendment = Amendment(field: .place, value: "Seel \(text)Street", reason: "Wrong street")
            try amendment.validate(against: .sighting(Fixture.fullSighting()))
        },
        Field(name: "amendment's replaced value") { text throws(ValidationError) in
            try validate(
                Fixture.amend(UUID(), .place, to: "Seel Street", replacing: "Bold \(text)Street", hlc: Fixture.stamp())
            )
        },
        Field(name: "redaction explanation") { text throws(ValidationError) in
            try validate(
                Fixture.operation(
                    .redact(Redaction(reason: .recordedInError, explanation: "Wrong \(text)incident")),
                    on: UUID(),
                    hlc: Fixture.stamp()
                )
            )
        },
        Field(name: "venue name") { text throws(ValidationError) in
            try Venue(
                id: "venue-seel-st-03",
                name: "Seel \(text)Social",
                licenceNumber: "LIC-0003",
                area: "Liverpool city centre",
                address: "3 Seel Street",
                latitude: 53.4,
                longitude: -2.98
            ).validate()
        },
        Field(name: "venue address") { text throws(ValidationError) in
            try Venue(
                id: "venue-seel-st-03",
                name: "Seel Street Social",
                licenceNumber: "LIC-0003",
                area: "Liverpool city centre",
                address: "3 Seel \(text)Street",
                latitude: 53.4,
                longitude: -2.98
            ).validate()
        },
    ]

    @Test("a hidden or direction-changing character is refused as control-characters", arguments: fields)
    func refused(field: Field) throws {
        for scalar in Self.hidden {
            var code: String?
            do throws(ValidationError) { try field.check(String(Character(scalar))) } catch { code = error.code }
            #expect(code == "control-characters", "\(field.name) with U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test(
        "the same field with plain text, accents and emoji with joiners passes",
        arguments: fields
    )
    func plain(field: Field) throws {
        try field.check("café – 👩‍👩‍👧")
    }

    @Test("a newline passes in a sighting's narrative, where lines are allowed, and is refused in its place")
    func newline() throws {
        try Self.fields[0].check("at the bar,\nthen outside")
        var code: String?
        do throws(ValidationError) { try Self.fields[1].check("\n") } catch { code = error.code }
        #expect(code == "control-characters")
    }
}
