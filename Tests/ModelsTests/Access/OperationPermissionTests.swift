import Foundation
import Models
import Testing

/// One row of the permission table: who does what to which record, and the refusal expected (nil: allowed).
struct PermissionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let caller: Caller
    let operation: LogOperation
    var target: RecordState? = nil
    var targetScope: String? = nil
    var referenced: RecordState? = nil
    /// The referenced record's scope as the store keeps it; by default where it was made.
    var referencedScope: String? = nil
    let expected: String?

    var testDescription: String { "\(name) -> \(expected ?? "allowed")" }
}

/// The callers of the table, one per role; the venue staff work at `venueA` only.
private enum Who {
    static let venueA = Fixture.venue
    static let venueB = "venue-seel-st-03"
    static let officer = Caller(userId: "PC-4127", deviceId: "dev-officer-1", role: .officer)
    static let otherOfficer = Caller(userId: "PC-5310", deviceId: "dev-officer-2", role: .officer)
    static let supervisor = Caller(userId: "PS-2201", deviceId: "dev-sup-1", role: .supervisor)
    static let staff = Caller(userId: "SIA-1012-0001", deviceId: "dev-staff-1", role: .venueStaff, venueIds: [venueA])
    static let admin = Caller(userId: "ADM-0001", deviceId: "dev-admin-1", role: .admin)
    static let all = [officer, supervisor, staff, admin]
}

/// Operations made by `caller` (their device and user) on records at a venue.
private enum Make {
    static func sighting(by caller: Caller, at venue: String?) -> Sighting {
        var sighting = Fixture.sighting(reporter: caller.userId)
        sighting.location = Location(venueId: venue, place: venue == nil ? "Bold Street, by the bus stop" : nil)
        return sighting
    }

    static func intervention(
        by caller: Caller,
        at venue: String? = Who.venueA,
        actions: [InterventionAction]
    ) -> Intervention {
        var intervention = Fixture.intervention(by: caller.userId)
        intervention.location = Location(venueId: venue)
        intervention.actions = actions
        return intervention
    }

    static func create(_ record: PatrolRecord, by caller: Caller) -> LogOperation {
        Fixture.create(record, device: caller.deviceId)
    }

    /// The merged state of a record created by `caller`, after the given later operations.
    static func state(_ record: PatrolRecord, by caller: Caller, then later: [LogOperation] = []) -> RecordState {
        RecordFold.fold([create(record, by: caller)] + later)!
    }

    static func amend(
        _ recordId: UUID,
        _ field: AmendableField,
        to value: String,
        by caller: Caller
    ) -> LogOperation {
        Fixture.amend(
            recordId,
            field,
            to: value,
            device: caller.deviceId,
            author: caller.userId,
            hlc: Fixture.stamp(counter: 5)
        )
    }

    static func redact(_ recordId: UUID, by caller: Caller) -> LogOperation {
        operation(
            .redact(Redaction(reason: .recordedInError, explanation: "Recorded against the wrong incident")),
            on: recordId,
            by: caller
        )
    }

    static func operation(_ payload: OperationPayload, on recordId: UUID, by caller: Caller) -> LogOperation {
        Fixture.operation(
            payload,
            on: recordId,
            device: caller.deviceId,
            author: caller.userId,
            hlc: Fixture.stamp(counter: 5)
        )
    }
}

/// Creating records: every role but admin at any venue, venue staff at their own venues and without police
/// actions.
private let createCases: [PermissionCase] = {
    var cases: [PermissionCase] = []
    let expectations: [(Caller, atA: String?, atB: String?, nowhere: String?)] = [
        (Who.officer, nil, nil, nil),
        (Who.supervisor, nil, nil, nil),
        (Who.staff, nil, "out-of-scope", "out-of-scope"),
        (Who.admin, "role-not-permitted", "role-not-permitted", "role-not-permitted"),
    ]
    for (caller, atA, atB, nowhere) in expectations {
        let role = caller.role.rawValue
        for (venue, expected) in [(Who.venueA, atA), (Who.venueB, atB), (nil, nowhere)] as [(String?, String?)] {
            cases.append(
                PermissionCase(
                    name: "\(role) creates a sighting at \(venue ?? "no venue")",
                    caller: caller,
                    operation: Make.create(.sighting(Make.sighting(by: caller, at: venue)), by: caller),
                    expected: expected
                )
            )
        }
    }
    let interventions: [(Caller, String, [InterventionAction], String?)] = [
        (Who.officer, Who.venueA, [.engagement, .stopAndAccount], nil),
        (Who.supervisor, Who.venueB, [.arrest], nil),
        (Who.staff, Who.venueA, [.refusalOfEntry, .ejection], nil),
        (Who.staff, Who.venueA, [.ejection, .stopAndSearch], "police-action"),
        (Who.staff, Who.venueA, [.safeguarding], "police-action"),
        (Who.staff, Who.venueB, [.refusalOfEntry], "out-of-scope"),
        (Who.staff, Who.venueB, [.arrest], "out-of-scope"),
        (Who.admin, Who.venueA, [.refusalOfEntry], "role-not-permitted"),
    ]
    for (caller, venue, actions, expected) in interventions {
        cases.append(
            PermissionCase(
                name:
                    "\(caller.role.rawValue) creates an intervention at \(venue) with \(actions.map(\.rawValue).joined(separator: ","))",
                caller: caller,
                operation: Make.create(
                    .intervention(Make.intervention(by: caller, at: venue, actions: actions)),
                    by: caller
                ),
                expected: expected
            )
        )
    }
    return cases
}()

/// Notes: about a record at the caller's venues only, for venue staff.
private let noteCases: [PermissionCase] = {
    let atA = Make.state(.sighting(Make.sighting(by: Who.officer, at: Who.venueA)), by: Who.officer)
    let atB = Make.state(.sighting(Make.sighting(by: Who.officer, at: Who.venueB)), by: Who.officer)
    var cases: [PermissionCase] = []
    let expectations: [(Caller, atA: String?, atB: String?)] = [
        (Who.officer, nil, nil),
        (Who.supervisor, nil, nil),
        (Who.staff, nil, "out-of-scope"),
        (Who.admin, "role-not-permitted", "role-not-permitted"),
    ]
    for (caller, aExpected, bExpected) in expectations {
        for (record, venue, expected) in [(atA, Who.venueA, aExpected), (atB, Who.venueB, bExpected)] {
            let note = Fixture.note(recordId: record.id, author: caller.userId)
            cases.append(
                PermissionCase(
                    name: "\(caller.role.rawValue) adds a note to a record at \(venue)",
                    caller: caller,
                    operation: Make.create(.note(note), by: caller),
                    referenced: record,
                    expected: expected
                )
            )
        }
    }
    // A record made at venue A that a supervisor later moved to venue B: its scope, and its notes', stays A.
    let moved = Make.sighting(by: Who.officer, at: Who.venueA)
    let movedState = Make.state(
        .sighting(moved),
        by: Who.officer,
        then: [Make.amend(moved.id, .venue, to: Who.venueB, by: Who.supervisor)]
    )
    let staffAtB = Caller(userId: "SIA-1012-0002", deviceId: "dev-staff-2", role: .venueStaff, venueIds: [Who.venueB])
    cases.append(
        PermissionCase(
            name: "venue staff add a note to a record made at their venue and since moved away",
            caller: Who.staff,
            operation: Make.create(.note(Fixture.note(recordId: moved.id, author: Who.staff.userId)), by: Who.staff),
            referenced: movedState,
            expected: nil
        )
    )
    cases.append(
        PermissionCase(
            name: "venue staff add a note to a record made at another venue and since moved to theirs",
            caller: staffAtB,
            operation: Make.create(.note(Fixture.note(recordId: moved.id, author: staffAtB.userId)), by: staffAtB),
            referenced: movedState,
            expected: "out-of-scope"
        )
    )
    // A record at venue A redacted meanwhile: its content (its venue too) is gone, its stored scope is not.
    let redacted = Make.sighting(by: Who.staff, at: Who.venueA)
    let redactedState = Make.state(
        .sighting(redacted),
        by: Who.staff,
        then: [Make.redact(redacted.id, by: Who.supervisor)]
    )
    cases.append(
        PermissionCase(
            name: "venue staff add a note to their venue's record that was redacted meanwhile",
            caller: Who.staff,
            operation: Make.create(.note(Fixture.note(recordId: redacted.id, author: Who.staff.userId)), by: Who.staff),
            referenced: redactedState,
            referencedScope: Who.venueA,
            expected: nil
        )
    )
    return cases
}()

/// Amendments: by the author or a supervisor, within the record's scope, never to a police action for
/// venue staff.
private let amendCases: [PermissionCase] = {
    let officersSighting = Make.sighting(by: Who.officer, at: Who.venueA)
    let officersState = Make.state(.sighting(officersSighting), by: Who.officer)
    let staffSighting = Make.sighting(by: Who.staff, at: Who.venueA)
    let staffState = Make.state(.sighting(staffSighting), by: Who.staff)
    let staffIntervention = Make.intervention(by: Who.staff, actions: [.refusalOfEntry])
    let staffInterventionState = Make.state(.intervention(staffIntervention), by: Who.staff)
    let officersIntervention = Make.intervention(by: Who.officer, actions: [.engagement])
    let officersInterventionState = Make.state(.intervention(officersIntervention), by: Who.officer)
    let staffNote = Fixture.note(recordId: staffSighting.id, author: Who.staff.userId)
    let staffNoteState = Make.state(.note(staffNote), by: Who.staff)
    // A record made at venue A that a supervisor later moved to venue B: its scope stays venue A.
    let moved = Make.sighting(by: Who.staff, at: Who.venueA)
    let movedState = Make.state(
        .sighting(moved),
        by: Who.staff,
        then: [Make.amend(moved.id, .venue, to: Who.venueB, by: Who.supervisor)]
    )
    let a = Who.venueA
    return [
        PermissionCase(
            name: "officer amends their own sighting",
            caller: Who.officer,
            operation: Make.amend(officersSighting.id, .riskLevel, to: "high", by: Who.officer),
            target: officersState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "officer amends another officer's sighting",
            caller: Who.otherOfficer,
            operation: Make.amend(officersSighting.id, .riskLevel, to: "high", by: Who.otherOfficer),
            target: officersState,
            targetScope: a,
            expected: "not-author"
        ),
        PermissionCase(
            name: "supervisor amends an officer's sighting",
            caller: Who.supervisor,
            operation: Make.amend(officersSighting.id, .riskLevel, to: "high", by: Who.supervisor),
            target: officersState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "supervisor amends venue staff's intervention to a police action",
            caller: Who.supervisor,
            operation: Make.amend(staffIntervention.id, .actions, to: "refusal-of-entry,arrest", by: Who.supervisor),
            target: staffInterventionState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "supervisor moves a record to another venue",
            caller: Who.supervisor,
            operation: Make.amend(officersSighting.id, .venue, to: Who.venueB, by: Who.supervisor),
            target: officersState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "venue staff amend their own sighting",
            caller: Who.staff,
            operation: Make.amend(staffSighting.id, .riskLevel, to: "low", by: Who.staff),
            target: staffState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "venue staff amend an officer's sighting at their venue",
            caller: Who.staff,
            operation: Make.amend(officersSighting.id, .riskLevel, to: "low", by: Who.staff),
            target: officersState,
            targetScope: a,
            expected: "not-author"
        ),
        PermissionCase(
            name: "venue staff move their own sighting to a venue not theirs",
            caller: Who.staff,
            operation: Make.amend(staffSighting.id, .venue, to: Who.venueB, by: Who.staff),
            target: staffState,
            targetScope: a,
            expected: "out-of-scope"
        ),
        PermissionCase(
            name: "venue staff amend their intervention's actions to venue actions",
            caller: Who.staff,
            operation: Make.amend(staffIntervention.id, .actions, to: "refusal-of-entry,ejection", by: Who.staff),
            target: staffInterventionState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "venue staff amend their intervention's actions to a police action",
            caller: Who.staff,
            operation: Make.amend(staffIntervention.id, .actions, to: "refusal-of-entry,arrest", by: Who.staff),
            target: staffInterventionState,
            targetScope: a,
            expected: "police-action"
        ),
        PermissionCase(
            name: "officer amends their intervention's actions to a police action",
            caller: Who.officer,
            operation: Make.amend(officersIntervention.id, .actions, to: "engagement,arrest", by: Who.officer),
            target: officersInterventionState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "venue staff amend the text of their own note about a record at their venue",
            caller: Who.staff,
            operation: Make.amend(staffNote.id, .text, to: "CCTV handed to the police.", by: Who.staff),
            target: staffNoteState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "venue staff amend their own record made at their venue after a supervisor moved it",
            caller: Who.staff,
            operation: Make.amend(moved.id, .riskLevel, to: "high", by: Who.staff),
            target: movedState,
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "venue staff correct the notes of their intervention after a supervisor added a police action",
            caller: Who.staff,
            operation: Make.amend(staffIntervention.id, .notes, to: "Friends took her home.", by: Who.staff),
            target: Make.state(
                .intervention(staffIntervention),
                by: Who.staff,
                then: [
                    Make.amend(
                        staffIntervention.id,
                        .actions,
                        to: "refusal-of-entry,stop-and-account",
                        by: Who.supervisor
                    )
                ]
            ),
            targetScope: a,
            expected: nil
        ),
        PermissionCase(
            name: "admin amends a record",
            caller: Who.admin,
            operation: Make.amend(officersSighting.id, .riskLevel, to: "high", by: Who.admin),
            target: officersState,
            targetScope: a,
            expected: "role-not-permitted"
        ),
        PermissionCase(
            name: "officer amends a record the store does not hold (left to admission)",
            caller: Who.officer,
            operation: Make.amend(UUID(), .riskLevel, to: "high", by: Who.officer),
            expected: nil
        ),
    ]
}()

/// Registers (review, grading, links) and redactions: supervisors only.
private let supervisorCases: [PermissionCase] = {
    let sighting = Make.sighting(by: Who.officer, at: Who.venueA)
    let state = Make.state(.sighting(sighting), by: Who.officer)
    let other = UUID()
    let payloads: [(String, OperationPayload)] = [
        ("reviews", .setRegister(.review(.reviewed))),
        ("grades", .setRegister(.grading(nil))),
        ("links", .setRegister(.link(RecordLink(target: other, kind: .sameSubject), present: true))),
        ("redacts", .redact(Redaction(reason: .recordedInError, explanation: "Entered against the wrong venue"))),
    ]
    let expectations: [(Caller, String?)] = [
        (Who.officer, "supervisor-only"),
        (Who.staff, "supervisor-only"),
        (Who.supervisor, nil),
        (Who.admin, "role-not-permitted"),
    ]
    return expectations.flatMap { caller, expected in
        payloads.map { verb, payload in
            PermissionCase(
                name: "\(caller.role.rawValue) \(verb) a record",
                caller: caller,
                operation: Make.operation(payload, on: sighting.id, by: caller),
                target: state,
                targetScope: Who.venueA,
                expected: expected
            )
        }
    }
}()

@Suite("OperationPermission")
struct OperationPermissionTests {
    private func outcome(_ row: PermissionCase) -> String? {
        validationCode {
            try OperationPermission.check(
                row.operation,
                by: row.caller,
                target: row.target,
                targetScope: row.targetScope,
                referenced: row.referenced,
                referencedScope: row.referencedScope ?? row.referenced?.original.location?.venueId
            )
        }
    }

    @Test("creating sightings and interventions", arguments: createCases)
    func create(row: PermissionCase) {
        #expect(outcome(row) == row.expected)
    }

    @Test("adding notes", arguments: noteCases)
    func note(row: PermissionCase) {
        #expect(outcome(row) == row.expected)
    }

    @Test("amending records", arguments: amendCases)
    func amend(row: PermissionCase) {
        #expect(outcome(row) == row.expected)
    }

    @Test("reviewing, grading, linking and redacting", arguments: supervisorCases)
    func supervisorOnly(row: PermissionCase) {
        #expect(outcome(row) == row.expected)
    }

    @Test("every refusal carries a message for a person")
    func refusalsHaveMessages() {
        for row in createCases + noteCases + amendCases + supervisorCases where row.expected != nil {
            do {
                try OperationPermission.check(
                    row.operation,
                    by: row.caller,
                    target: row.target,
                    targetScope: row.targetScope,
                    referenced: row.referenced,
                    referencedScope: row.referencedScope ?? row.referenced?.original.location?.venueId
                )
            } catch {
                #expect(!error.message.isEmpty, "\(row.name)")
            }
        }
    }

    @Test("the table covers every role and every refusal code")
    func tableCoverage() {
        let rows = createCases + noteCases + amendCases + supervisorCases
        #expect(Set(rows.map(\.caller.role)) == Set(Role.allCases))
        #expect(
            Set(rows.compactMap(\.expected))
                == ["out-of-scope", "police-action", "not-author", "supervisor-only", "role-not-permitted"]
        )
        #expect(Who.all.count == Role.allCases.count)
    }
}

@Suite("Caller.covers")
struct CallerCoversTests {
    @Test("police roles cover every venue and none; venue staff their own only; admin nothing")
    func covers() {
        for caller in [Who.officer, Who.supervisor] {
            #expect(caller.covers(venueId: Who.venueA))
            #expect(caller.covers(venueId: Who.venueB))
            #expect(caller.covers(venueId: nil))
        }
        #expect(Who.staff.covers(venueId: Who.venueA))
        #expect(!Who.staff.covers(venueId: Who.venueB))
        #expect(!Who.staff.covers(venueId: nil))
        #expect(!Who.admin.covers(venueId: Who.venueA))
        #expect(!Who.admin.covers(venueId: nil))
    }
}
