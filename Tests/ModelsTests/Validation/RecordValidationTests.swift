import Foundation
import Models
import Testing

/// A record that breaks exactly one rule, and the code it must be refused with.
struct BadRecord: Sendable, CustomTestStringConvertible {
    let name: String
    let record: PatrolRecord
    let code: String

    var testDescription: String { "\(name) → \(code)" }
}

/// A record on the edge of a rule, which must still pass.
struct EdgeRecord: Sendable, CustomTestStringConvertible {
    let name: String
    let record: PatrolRecord

    var testDescription: String { name }
}

private let day: TimeInterval = 24 * 60 * 60
private let now = Fixture.now

private func sighting(_ change: (inout Sighting) -> Void) -> PatrolRecord {
    var sighting = Fixture.sighting()
    change(&sighting)
    return .sighting(sighting)
}

private func intervention(_ change: (inout Intervention) -> Void) -> PatrolRecord {
    var intervention = Fixture.intervention()
    change(&intervention)
    return .intervention(intervention)
}

private func note(_ change: (inout Note) -> Void) -> PatrolRecord {
    var note = Fixture.note()
    change(&note)
    return .note(note)
}

private func text(_ count: Int, _ character: Character = "x") -> String {
    String(repeating: character, count: count)
}

let badRecords: [BadRecord] = [
    // Behaviours.
    BadRecord(name: "sighting without behaviours", record: sighting { $0.behaviours = [] }, code: "no-behaviour"),
    BadRecord(
        name: "behaviour listed twice",
        record: sighting { $0.behaviours = [.following, .leering, .following] },
        code: "repeated-behaviour"
    ),
    BadRecord(
        name: "'other' without a description",
        record: sighting { $0.behaviours = [.other] },
        code: "other-behaviour-missing"
    ),
    BadRecord(
        name: "'other' with a blank description",
        record: sighting {
            $0.behaviours = [.loitering, .other]
            $0.otherBehaviour = "   "
        },
        code: "other-behaviour-missing"
    ),
    BadRecord(
        name: "other-behaviour description without 'other'",
        record: sighting { $0.otherBehaviour = "Filming women on a phone" },
        code: "other-behaviour-unexpected"
    ),
    BadRecord(
        name: "empty other-behaviour description without 'other'",
        record: sighting { $0.otherBehaviour = "" },
        code: "other-behaviour-unexpected"
    ),
    // Actions.
    BadRecord(name: "intervention without actions", record: intervention { $0.actions = [] }, code: "no-action"),
    BadRecord(
        name: "action listed twice",
        record: intervention { $0.actions = [.engagement, .arrest, .engagement] },
        code: "repeated-action"
    ),
    // Place and position.
    BadRecord(
        name: "sighting with no venue and no place",
        record: sighting { $0.location = Location() },
        code: "no-place"
    ),
    BadRecord(
        name: "sighting with a blank place and no venue",
        record: sighting { $0.location = Location(place: "   ") },
        code: "no-place"
    ),
    BadRecord(
        name: "intervention with no venue and no place",
        record: intervention { $0.location = Location(latitude: 53.4, longitude: -2.98) },
        code: "no-place"
    ),
    BadRecord(
        name: "latitude without longitude",
        record: sighting { $0.location.latitude = 53.4 },
        code: "half-position"
    ),
    BadRecord(
        name: "longitude without latitude",
        record: intervention { $0.location.longitude = -2.98 },
        code: "half-position"
    ),
    BadRecord(
        name: "latitude above 90",
        record: sighting {
            $0.location.latitude = 90.0001
            $0.location.longitude = 0
        },
        code: "position-out-of-range"
    ),
    BadRecord(
        name: "longitude below -180",
        record: intervention {
            $0.location.latitude = 0
            $0.location.longitude = -180.5
        },
        code: "position-out-of-range"
    ),
    BadRecord(
        name: "latitude that is not a number",
        record: sighting {
            $0.location.latitude = .nan
            $0.location.longitude = 0
        },
        code: "position-out-of-range"
    ),
    // Times.
    BadRecord(
        name: "sighting occurring over five minutes after it was recorded",
        record: sighting { $0.occurredAt = now.addingTimeInterval(301) },
        code: "occurred-in-future"
    ),
    BadRecord(
        name: "intervention occurring over five minutes after it was recorded",
        record: intervention { $0.occurredAt = now.addingTimeInterval(301) },
        code: "occurred-in-future"
    ),
    BadRecord(
        name: "sighting recorded over 366 days after it occurred",
        record: sighting { $0.occurredAt = now.addingTimeInterval(-366 * day - 1) },
        code: "occurred-too-long-ago"
    ),
    BadRecord(
        name: "intervention recorded over 366 days after it occurred",
        record: intervention { $0.occurredAt = now.addingTimeInterval(-400 * day) },
        code: "occurred-too-long-ago"
    ),
    BadRecord(
        name: "sighting recorded over five minutes ahead of the clock",
        record: sighting {
            $0.recordedAt = now.addingTimeInterval(301)
            $0.occurredAt = now.addingTimeInterval(301)
        },
        code: "recorded-in-future"
    ),
    BadRecord(
        name: "intervention recorded a day ahead of the clock",
        record: intervention {
            $0.recordedAt = now.addingTimeInterval(day)
            $0.occurredAt = now
        },
        code: "recorded-in-future"
    ),
    BadRecord(
        name: "note recorded over five minutes ahead of the clock",
        record: note { $0.recordedAt = now.addingTimeInterval(301) },
        code: "recorded-in-future"
    ),
    // Notes.
    BadRecord(name: "empty note", record: note { $0.text = "" }, code: "empty-note"),
    BadRecord(name: "note of only whitespace", record: note { $0.text = " \n\t \r\n " }, code: "empty-note"),
    // Identifiers.
    BadRecord(name: "lower-case reporter", record: sighting { $0.reporter = "pc-4127" }, code: "malformed-id"),
    BadRecord(name: "reporter starting with '-'", record: sighting { $0.reporter = "-PC4127" }, code: "malformed-id"),
    BadRecord(name: "one-character reporter", record: sighting { $0.reporter = "P" }, code: "malformed-id"),
    BadRecord(name: "33-character reporter", record: sighting { $0.reporter = text(33, "A") }, code: "malformed-id"),
    BadRecord(name: "reporter with a space", record: sighting { $0.reporter = "PC 4127" }, code: "malformed-id"),
    BadRecord(
        name: "reporter with a non-ASCII letter",
        record: sighting { $0.reporter = "PÇ-4127" },
        code: "malformed-id"
    ),
    BadRecord(name: "empty intervener", record: intervention { $0.by = "" }, code: "malformed-id"),
    BadRecord(name: "lower-case note author", record: note { $0.author = "sia-1012" }, code: "malformed-id"),
    BadRecord(
        name: "upper-case venue id",
        record: sighting { $0.location.venueId = "Venue-Concert-Sq" },
        code: "malformed-id"
    ),
    BadRecord(
        name: "venue id with an underscore",
        record: intervention { $0.location.venueId = "venue_seel_st" },
        code: "malformed-id"
    ),
    BadRecord(
        name: "65-character venue id",
        record: sighting { $0.location.venueId = text(65, "v") },
        code: "malformed-id"
    ),
    // Text length.
    BadRecord(
        name: "narrative over 4000 characters",
        record: sighting { $0.narrative = text(4001) },
        code: "text-too-long"
    ),
    BadRecord(
        name: "place over 200 characters",
        record: sighting { $0.location.place = text(201) },
        code: "text-too-long"
    ),
    BadRecord(
        name: "clothing over 200 characters",
        record: sighting { $0.subject.clothing = text(201) },
        code: "text-too-long"
    ),
    BadRecord(
        name: "distinguishing features over 200 characters",
        record: sighting { $0.subject.distinguishingFeatures = text(201) },
        code: "text-too-long"
    ),
    BadRecord(
        name: "perceived ethnicity over 40 characters",
        record: sighting { $0.subject.perceivedEthnicity = text(41) },
        code: "text-too-long"
    ),
    BadRecord(
        name: "other-behaviour description over 200 characters",
        record: sighting {
            $0.behaviours = [.other]
            $0.otherBehaviour = text(201)
        },
        code: "text-too-long"
    ),
    BadRecord(
        name: "intervention notes over 4000 characters",
        record: intervention { $0.notes = text(4001) },
        code: "text-too-long"
    ),
    BadRecord(name: "note over 4000 characters", record: note { $0.text = text(4001) }, code: "text-too-long"),
    // Control characters.
    BadRecord(
        name: "NUL in the narrative",
        record: sighting { $0.narrative = "Seen at\u{0} the bar" },
        code: "control-characters"
    ),
    BadRecord(
        name: "newline in the place (a single-line field)",
        record: sighting { $0.location.place = "Concert Square\nby the fountain" },
        code: "control-characters"
    ),
    BadRecord(
        name: "tab in the clothing (a single-line field)",
        record: sighting { $0.subject.clothing = "Black\tjacket" },
        code: "control-characters"
    ),
    BadRecord(
        name: "C1 control in the distinguishing features",
        record: sighting { $0.subject.distinguishingFeatures = "Scar\u{85}" },
        code: "control-characters"
    ),
    BadRecord(
        name: "DEL in the other-behaviour description",
        record: sighting {
            $0.behaviours = [.other]
            $0.otherBehaviour = "Filming\u{7F}"
        },
        code: "control-characters"
    ),
    BadRecord(
        name: "bell in the intervention notes",
        record: intervention { $0.notes = "Advised\u{7}" },
        code: "control-characters"
    ),
    BadRecord(
        name: "escape sequence in a note",
        record: note { $0.text = "\u{1B}[31mCCTV preserved" },
        code: "control-characters"
    ),
]

let edgeRecords: [EdgeRecord] = [
    EdgeRecord(name: "a sighting with every field filled", record: .sighting(Fixture.fullSighting())),
    EdgeRecord(
        name: "an intervention following a sighting",
        record: intervention { $0.sightingId = UUID() }
    ),
    EdgeRecord(
        name: "occurred exactly five minutes after it was recorded",
        record: sighting { $0.occurredAt = now.addingTimeInterval(300) }
    ),
    EdgeRecord(
        name: "recorded exactly five minutes ahead of the clock",
        record: intervention {
            $0.recordedAt = now.addingTimeInterval(300)
            $0.occurredAt = now
        }
    ),
    EdgeRecord(
        name: "recorded exactly 366 days after it occurred",
        record: sighting { $0.occurredAt = now.addingTimeInterval(-366 * day) }
    ),
    EdgeRecord(name: "a venue and no place", record: sighting { $0.location = Location(venueId: "venue-seel-st-03") }),
    EdgeRecord(name: "a place and no venue", record: intervention { $0.location = Location(place: "Bold Street") }),
    EdgeRecord(
        name: "a position on the edge of the globe",
        record: sighting {
            $0.location.latitude = -90
            $0.location.longitude = 180
        }
    ),
    EdgeRecord(
        name: "a 32-character SIA reporter",
        record: sighting { $0.reporter = "SIA-1012-3344-5566-7788-9900-112" }
    ),
    EdgeRecord(name: "a two-character reporter", record: sighting { $0.reporter = "P1" }),
    EdgeRecord(name: "a 64-character venue id", record: sighting { $0.location.venueId = text(64, "v") }),
    EdgeRecord(
        name: "a narrative of exactly 4000 characters with newlines, tabs and CRLF",
        record: sighting { $0.narrative = text(3994) + "\n\t\r\nab" }
    ),
    EdgeRecord(
        name: "a narrative of 4000 emoji, each one character however many scalars",
        record: sighting { $0.narrative = text(4000, "👩🏽‍🦰") }
    ),
    EdgeRecord(name: "a place of exactly 200 characters", record: sighting { $0.location.place = text(200) }),
    EdgeRecord(
        name: "a perceived ethnicity of exactly 40 characters",
        record: sighting { $0.subject.perceivedEthnicity = text(40) }
    ),
    EdgeRecord(name: "a note of exactly 4000 characters", record: note { $0.text = text(3999) + "\n" }),
    EdgeRecord(name: "an intervention with empty notes", record: intervention { $0.notes = "" }),
]

@Suite("Record validation")
struct RecordValidationTests {
    @Test("a good sighting passes")
    func goodSighting() throws {
        try Fixture.sighting().validate(now: now)
        try PatrolRecord.sighting(Fixture.sighting()).validate(now: now)
    }

    @Test("a good intervention passes")
    func goodIntervention() throws {
        try Fixture.intervention().validate(now: now)
        try PatrolRecord.intervention(Fixture.intervention()).validate(now: now)
    }

    @Test("a good note passes")
    func goodNote() throws {
        try Fixture.note().validate(now: now)
        try PatrolRecord.note(Fixture.note()).validate(now: now)
    }

    @Test("a record made just now on the system clock passes")
    func madeNow() throws {
        let now = Date().truncatedToMilliseconds
        try Fixture.sighting(occurredAt: now, recordedAt: now).validate(now: Date())
    }

    @Test("a bad record is refused with the code of the rule it breaks", arguments: badRecords)
    func refused(_ bad: BadRecord) {
        #expect(validationCode { try bad.record.validate(now: now) } == bad.code)
    }

    @Test("a record on the edge of a rule passes", arguments: edgeRecords)
    func edgePasses(_ edge: EdgeRecord) throws {
        try edge.record.validate(now: now)
    }

    @Test("each kind of record checks its own rules through PatrolRecord.validate")
    func dispatch() {
        var sighting = Fixture.sighting()
        sighting.behaviours = []
        var intervention = Fixture.intervention()
        intervention.actions = []
        var note = Fixture.note()
        note.text = ""
        #expect(validationCode { try PatrolRecord.sighting(sighting).validate(now: now) } == "no-behaviour")
        #expect(validationCode { try PatrolRecord.intervention(intervention).validate(now: now) } == "no-action")
        #expect(validationCode { try PatrolRecord.note(note).validate(now: now) } == "empty-note")
    }

    @Test("a refusal message never repeats the refused content")
    func messagesDoNotRepeatContent() {
        let secret = "07700900123 Flat 4B"
        var sighting = Fixture.sighting()
        sighting.narrative = secret + "\u{0}"
        let error = #expect(throws: ValidationError.self) { try sighting.validate(now: now) }
        #expect(error?.code == "control-characters")
        #expect(error?.message.contains(secret) == false)

        var byId = Fixture.sighting()
        byId.reporter = "JOHN SMITH"
        let idError = #expect(throws: ValidationError.self) { try byId.validate(now: now) }
        #expect(idError?.code == "malformed-id")
        #expect(idError?.message.contains("JOHN SMITH") == false)
    }
}
