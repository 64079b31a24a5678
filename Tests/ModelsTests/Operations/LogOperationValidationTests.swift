import Foundation
import Models
import Testing

/// An operation that breaks one rule, and the code it must be refused with.
struct BadOperation: Sendable, CustomTestStringConvertible {
    let name: String
    let operation: LogOperation
    let code: String

    var testDescription: String { "\(name) → \(code)" }
}

private func createSighting(_ change: (inout LogOperation) -> Void) -> LogOperation {
    var operation = Fixture.create(.sighting(Fixture.sighting()))
    change(&operation)
    return operation
}

private func amendment(reason: String) -> LogOperation {
    Fixture.amend(UUID(), .riskLevel, to: "high", reason: reason, hlc: Fixture.stamp())
}

let badOperations: [BadOperation] = [
    BadOperation(
        name: "create whose record id is not the record's",
        operation: createSighting { $0.recordId = UUID() },
        code: "record-id-mismatch"
    ),
    BadOperation(
        name: "create of a note whose record id is not the note's",
        operation: {
            var operation = Fixture.create(.note(Fixture.note()))
            operation.recordId = UUID()
            return operation
        }(),
        code: "record-id-mismatch"
    ),
    BadOperation(
        name: "create by a user who is not the reporter",
        operation: createSighting { $0.author = "PC-9999" },
        code: "author-mismatch"
    ),
    BadOperation(
        name: "create of an intervention by a user who is not the intervener",
        operation: {
            var operation = Fixture.create(.intervention(Fixture.intervention()))
            operation.author = "SIA-1012-0001"
            return operation
        }(),
        code: "author-mismatch"
    ),
    BadOperation(
        name: "stamp more than five minutes ahead",
        operation: createSighting {
            $0.hlc = HLCTimestamp(wallMilliseconds: Fixture.now.millisecondsSince1970 + 300_001, counter: 0)
        },
        code: "clock-ahead"
    ),
    BadOperation(
        name: "amendment stamped a day ahead",
        operation: Fixture.amend(
            UUID(),
            .narrative,
            to: "x",
            hlc: HLCTimestamp(wallMilliseconds: Fixture.now.millisecondsSince1970 + 86_400_000, counter: 0)
        ),
        code: "clock-ahead"
    ),
    BadOperation(name: "amendment with an empty reason", operation: amendment(reason: ""), code: "empty-reason"),
    BadOperation(name: "amendment with a blank reason", operation: amendment(reason: "  \n\t "), code: "empty-reason"),
    BadOperation(
        name: "amendment with a reason over 500 characters",
        operation: amendment(reason: String(repeating: "r", count: 501)),
        code: "text-too-long"
    ),
    BadOperation(
        name: "amendment with a control character in the reason",
        operation: amendment(reason: "Typo\u{8}"),
        code: "control-characters"
    ),
    BadOperation(
        name: "amendment with a right-to-left override in the reason",
        operation: amendment(reason: "Typo \u{202E}txet"),
        code: "control-characters"
    ),
    BadOperation(
        name: "redaction whose explanation holds a newline and a forged line",
        operation: Fixture.operation(
            .redact(Redaction(reason: .recordedInError, explanation: "Wrong incident\n#9 forged entry")),
            on: UUID(),
            hlc: Fixture.stamp()
        ),
        code: "control-characters"
    ),
    BadOperation(
        name: "redaction whose explanation holds a bidirectional isolate",
        operation: Fixture.operation(
            .redact(Redaction(reason: .recordedInError, explanation: "Wrong \u{2067}incident")),
            on: UUID(),
            hlc: Fixture.stamp()
        ),
        code: "control-characters"
    ),
    BadOperation(
        name: "amendment replacing a place over 200 characters",
        operation: Fixture.amend(
            UUID(),
            .place,
            to: "Seel Street",
            replacing: String(repeating: "p", count: 201),
            hlc: Fixture.stamp()
        ),
        code: "text-too-long"
    ),
    BadOperation(
        name: "amendment replacing a narrative over 4000 characters",
        operation: Fixture.amend(
            UUID(),
            .narrative,
            to: "Shorter",
            replacing: String(repeating: "n", count: 4001),
            hlc: Fixture.stamp()
        ),
        code: "text-too-long"
    ),
    BadOperation(
        name: "amendment replacing a risk level with a long text",
        operation: Fixture.amend(
            UUID(),
            .riskLevel,
            to: "high",
            replacing: String(repeating: "r", count: 401),
            hlc: Fixture.stamp()
        ),
        code: "text-too-long"
    ),
    BadOperation(
        name: "amendment replacing a value with an escape sequence",
        operation: Fixture.amend(UUID(), .place, to: "Seel Street", replacing: "\u{1B}[2J", hlc: Fixture.stamp()),
        code: "control-characters"
    ),
    BadOperation(
        name: "amendment replacing a one-line field with two lines",
        operation: Fixture.amend(UUID(), .place, to: "Seel Street", replacing: "Wood\nStreet", hlc: Fixture.stamp()),
        code: "control-characters"
    ),
    BadOperation(
        name: "amendment replacing a narrative with a C1 control",
        operation: Fixture.amend(UUID(), .narrative, to: "x", replacing: "Left\u{85}late", hlc: Fixture.stamp()),
        code: "control-characters"
    ),
    BadOperation(
        name: "upper-case device id",
        operation: createSighting { $0.deviceId = "DEV-7F3A9C" },
        code: "malformed-id"
    ),
    BadOperation(
        name: "lower-case author",
        operation: amendment(reason: "x").withAuthor("pc-4127"),
        code: "malformed-id"
    ),
    BadOperation(
        name: "note about itself",
        operation: {
            let id = UUID()
            let note = Note(id: id, recordId: id, author: Fixture.reporter, recordedAt: Fixture.now, text: "Self")
            return Fixture.create(.note(note))
        }(),
        code: "note-on-itself"
    ),
    BadOperation(
        name: "create of a record that breaks its own rules",
        operation: {
            var sighting = Fixture.sighting()
            sighting.behaviours = []
            return Fixture.create(.sighting(sighting))
        }(),
        code: "no-behaviour"
    ),
]

extension LogOperation {
    fileprivate func withAuthor(_ author: String) -> LogOperation {
        var operation = self
        operation.author = author
        return operation
    }
}

@Suite("Log operation validation")
struct LogOperationValidationTests {
    @Test("a good operation of each kind passes", arguments: OperationKind.allCases)
    func good(_ kind: OperationKind) throws {
        let operation =
            switch kind {
            case .createSighting: Fixture.create(.sighting(Fixture.sighting()))
            case .createIntervention: Fixture.create(.intervention(Fixture.intervention()))
            case .createNote: Fixture.create(.note(Fixture.note()))
            case .createAuthorisation: Fixture.create(.authorisation(Fixture.authorisation()))
            case .amend: Fixture.amend(UUID(), .riskLevel, to: "high", hlc: Fixture.stamp())
            case .setRegister: Fixture.operation(.setRegister(.review(.reviewed)), on: UUID(), hlc: Fixture.stamp())
            case .redact:
                Fixture.operation(
                    .redact(Redaction(reason: .recordedInError, explanation: "Wrong incident")),
                    on: UUID(),
                    hlc: Fixture.stamp()
                )
            }
        #expect(operation.kind == kind)
        try operation.validate(now: Fixture.now)
    }

    @Test("an operation stamped exactly five minutes ahead passes")
    func clockAtTheLimit() throws {
        var operation = Fixture.create(.sighting(Fixture.sighting()))
        operation.hlc = HLCTimestamp(wallMilliseconds: Fixture.now.millisecondsSince1970 + 300_000, counter: 999)
        try operation.validate(now: Fixture.now)
    }

    @Test("the value an amendment replaced may be any value the field can hold", arguments: fieldValues)
    func replacedValues(_ example: FieldValue) throws {
        try Fixture.amend(UUID(), example.field, to: example.value, replacing: example.value, hlc: Fixture.stamp())
            .validate(now: Fixture.now)
    }

    @Test("the longest values of coded fields fit their limit: every behaviour, every action")
    func longestCodedValues() throws {
        let longest = [
            (AmendableField.behaviours, Behaviour.allCases.map(\.rawValue).joined(separator: ",")),
            (.actions, InterventionAction.allCases.map(\.rawValue).joined(separator: ",")),
            (.occurredAt, "2026-11-21T23:40:00.000+00:00"),
            (.venue, String(repeating: "v", count: 64)),
        ]
        for (field, value) in longest {
            #expect(value.count <= field.textRule.limit, "\(field.rawValue)")
            try Fixture.amend(UUID(), field, to: "", replacing: value, hlc: Fixture.stamp())
                .validate(now: Fixture.now)
        }
        let narrative = String(repeating: "Line of a long narrative.\n", count: 150)
        try Fixture.amend(UUID(), .narrative, to: "Short", replacing: narrative, hlc: Fixture.stamp())
            .validate(now: Fixture.now)
    }

    @Test("a bad operation is refused with the code of the rule it breaks", arguments: badOperations)
    func refused(_ bad: BadOperation) {
        #expect(validationCode { try bad.operation.validate(now: Fixture.now) } == bad.code)
    }
}
