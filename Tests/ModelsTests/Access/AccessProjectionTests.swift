import Foundation
import Models
import Testing

/// What each caller receives of the patrol log, read field by field from `ProjectedField`'s table.
@Suite("Access projection")
struct AccessProjectionTests {
    static let staff = Caller(
        userId: "SIA-1012-0001",
        deviceId: "dev-door-1",
        role: .venueStaff,
        venueIds: [Fixture.venue]
    )
    static let officer = Caller(userId: "PC-4127", deviceId: "dev-pc4127", role: .officer)
    static let supervisor = Caller(userId: "PS-0311", deviceId: "dev-ps0311", role: .supervisor)
    static let admin = Caller(userId: "ADM-0001", deviceId: "adm-console-1", role: .admin)

    /// What the table says venue staff receive of a field whose recorded text is `original`; nil when the
    /// operation is withheld.
    static func expected(_ field: ProjectedField, _ original: String, byStaff: Bool) -> String? {
        switch field.visibility(writtenByVenueStaff: byStaff) {
        case .shown: original
        case .replaced(let value): value
        case .withheld: nil
        }
    }

    static func origin(_ type: RecordType, byStaff: Bool) -> AccessProjection.RecordOrigin {
        AccessProjection.RecordOrigin(type: type, authorRole: byStaff ? .venueStaff : .officer)
    }

    static func project(
        _ operation: LogOperation,
        byStaff: Bool,
        record: AccessProjection.RecordOrigin
    )
        -> LogOperation?
    {
        AccessProjection.project(operation, authorRole: byStaff ? .venueStaff : .officer, record: record, for: staff)
    }

    @Test("docs/access.md shows exactly the table the code applies")
    func documentMatchesTable() throws {
        let document = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/access.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        let start = try #require(
            text.range(of: "-->\n", range: text.range(of: "<!-- projection-table")!.upperBound..<text.endIndex)
        )
        let end = try #require(text.range(of: "\n<!-- end projection-table -->"))
        #expect(String(text[start.upperBound..<end.lowerBound]) == ProjectedField.markdown)
    }

    @Test("officers and supervisors receive every operation whole; administrators nothing", arguments: [true, false])
    func policeRolesSeeAll(byStaff: Bool) {
        let sighting = Fixture.create(.sighting(Fixture.sighting()))
        let register = Fixture.operation(.setRegister(.review(.reviewed)), on: sighting.recordId, hlc: Fixture.stamp())
        for operation in [sighting, register] {
            let record = Self.origin(.sighting, byStaff: byStaff)
            for caller in [Self.officer, Self.supervisor] {
                #expect(
                    AccessProjection.project(operation, authorRole: .officer, record: record, for: caller) == operation
                )
            }
            #expect(AccessProjection.project(operation, authorRole: .officer, record: record, for: Self.admin) == nil)
        }
    }

    @Test("a sighting's fields reach venue staff as the table says", arguments: [true, false])
    func sightingFields(byStaff: Bool) throws {
        let sighting = Fixture.fullSighting()
        let projected = try #require(
            Self.project(
                Fixture.create(.sighting(sighting)),
                byStaff: byStaff,
                record: Self.origin(.sighting, byStaff: byStaff)
            )
        )
        guard case .createSighting(let seen) = projected.payload else {
            Issue.record("not a sighting")
            return
        }
        #expect(seen.reporter == Self.expected(.sightingReporter, sighting.reporter, byStaff: byStaff))
        #expect(seen.narrative == Self.expected(.sightingNarrative, sighting.narrative, byStaff: byStaff))
        #expect(projected.author == Self.expected(.operationAuthor, Fixture.reporter, byStaff: byStaff))
        #expect(projected.deviceId == Self.expected(.operationDevice, Fixture.device, byStaff: byStaff))
        // The event and the observation are shown whoever wrote them.
        #expect(ProjectedField.sightingEvent.visibility(writtenByVenueStaff: byStaff) == .shown)
        #expect(ProjectedField.sightingObservation.visibility(writtenByVenueStaff: byStaff) == .shown)
        #expect(seen.occurredAt == sighting.occurredAt && seen.recordedAt == sighting.recordedAt)
        #expect(seen.location == sighting.location)
        #expect(seen.behaviours == sighting.behaviours && seen.otherBehaviour == sighting.otherBehaviour)
        #expect(seen.subject == sighting.subject && seen.personAtRisk == sighting.personAtRisk)
        #expect(seen.riskLevel == sighting.riskLevel)
    }

    @Test("an intervention's fields reach venue staff as the table says", arguments: [true, false])
    func interventionFields(byStaff: Bool) throws {
        var intervention = Fixture.intervention(sightingId: UUID())
        if byStaff { intervention.actions = [.reunitedWithFriends, .policeCalled, .cctvPreserved] }
        let projected = try #require(
            Self.project(
                Fixture.create(.intervention(intervention)),
                byStaff: byStaff,
                record: Self.origin(.intervention, byStaff: byStaff)
            )
        )
        guard case .createIntervention(let seen) = projected.payload else {
            Issue.record("no intervention")
            return
        }
        #expect(seen.by == Self.expected(.interventionBy, intervention.by, byStaff: byStaff))
        #expect(
            seen.actions.map(\.rawValue).joined(separator: ",")
                == Self.expected(
                    .interventionActions,
                    intervention.actions.map(\.rawValue).joined(separator: ","),
                    byStaff: byStaff
                )
        )
        #expect(
            seen.outcome.rawValue
                == Self.expected(.interventionOutcome, intervention.outcome.rawValue, byStaff: byStaff)
        )
        #expect(seen.notes == Self.expected(.interventionNotes, intervention.notes, byStaff: byStaff))
        #expect(seen.sightingId == intervention.sightingId && seen.occurredAt == intervention.occurredAt)
        #expect(seen.location == intervention.location)
    }

    @Test("the door supervisor of issue 11 sees that police attended, and nothing of their work")
    func officersArrestSeenByDoorSupervisor() throws {
        let sighting = Fixture.sighting()
        var intervention = Fixture.intervention(sightingId: sighting.id)
        intervention.actions = [.stopAndAccount, .arrest]
        intervention.outcome = .arrested
        let roles: (String) -> Role? = { $0 == Fixture.reporter ? .officer : nil }
        let seenSighting = try #require(
            AccessProjection.project(record: [Fixture.create(.sighting(sighting))], roles: roles, for: Self.staff)
        )
        let seen = try #require(
            AccessProjection.project(
                record: [Fixture.create(.intervention(intervention))],
                roles: roles,
                for: Self.staff
            )
        )
        guard case .sighting(let shownSighting) = seenSighting.current,
            case .intervention(let shown) = seen.current
        else {
            Issue.record("wrong kinds")
            return
        }
        #expect(shownSighting.narrative.isEmpty && shownSighting.reporter == AccessProjection.policeUser)
        #expect(shown.by == AccessProjection.policeUser)
        #expect(shown.actions == [.policeAttended])
        #expect(shown.outcome == .notShared)
        #expect(shown.occurredAt == intervention.occurredAt)
        #expect(
            seen.created.author == AccessProjection.policeUser && seen.created.deviceId == AccessProjection.policeDevice
        )
        let text = String(decoding: try WireCoding.encode(seen), as: UTF8.self)
        for secret in ["PC-4127", "arrest", "stop-and-account", Fixture.device] {
            #expect(!text.contains(secret), "the projected record shows \(secret)")
        }
    }

    @Test("notes follow the note rule, registers the registers rule", arguments: [true, false])
    func notesAndRegisters(byStaff: Bool) {
        let note = Fixture.create(.note(Fixture.note()))
        let projected = Self.project(note, byStaff: byStaff, record: Self.origin(.note, byStaff: byStaff))
        #expect((projected != nil) == (ProjectedField.note.visibility(writtenByVenueStaff: byStaff) != .withheld))
        let amendment = Fixture.operation(
            .amend(Amendment(field: .text, value: "Corrected", reason: "Typo")),
            on: note.recordId,
            hlc: Fixture.stamp()
        )
        let amended = Self.project(amendment, byStaff: true, record: Self.origin(.note, byStaff: byStaff))
        #expect((amended != nil) == (ProjectedField.note.visibility(writtenByVenueStaff: byStaff) != .withheld))
        for write in [
            RegisterWrite.review(.reviewed), .grading(IntelligenceGrading(code: "1-A-P")),
            .link(RecordLink(target: UUID(), kind: .sameSubject), present: true),
        ] {
            let register = Fixture.operation(.setRegister(write), on: UUID(), hlc: Fixture.stamp())
            #expect(Self.project(register, byStaff: byStaff, record: Self.origin(.sighting, byStaff: true)) == nil)
        }
    }

    @Test("an amendment's value follows its field's rule for the record's author, its reason its own author's")
    func amendments() throws {
        let narrative = Amendment(
            field: .narrative,
            value: "Corrected narrative",
            reason: "Personal data removed",
            replaced: "Narrative naming the subject"
        )
        let operation = Fixture.operation(.amend(narrative), on: UUID(), hlc: Fixture.stamp())
        for recordByStaff in [true, false] {
            for byStaff in [true, false] {
                let projected = try #require(
                    Self.project(operation, byStaff: byStaff, record: Self.origin(.sighting, byStaff: recordByStaff))
                )
                guard case .amend(let seen) = projected.payload else {
                    Issue.record("not an amendment")
                    continue
                }
                #expect(seen.value == Self.expected(.sightingNarrative, narrative.value, byStaff: recordByStaff))
                // The value it replaced is content of the same field, under the same rule.
                #expect(
                    seen.replaced == Self.expected(.sightingNarrative, narrative.replaced!, byStaff: recordByStaff)
                )
                #expect(seen.reason == Self.expected(.amendmentReason, narrative.reason, byStaff: byStaff))
            }
        }
    }

    @Test("an amendment that said nothing of what it replaced says nothing once projected")
    func amendmentWithoutReplaced() throws {
        let operation = Fixture.amend(UUID(), .narrative, to: "Corrected", hlc: Fixture.stamp())
        let projected = try #require(
            Self.project(operation, byStaff: false, record: Self.origin(.sighting, byStaff: false))
        )
        guard case .amend(let seen) = projected.payload else {
            Issue.record("not an amendment")
            return
        }
        #expect(seen.value == "" && seen.replaced == nil)
    }

    /// Two officers correct an officer's narrative at once, neither seeing the other: the history police see says
    /// so; venue staff see neither narrative, nor that they crossed. A crossing in what venue staff see (the place)
    /// names the police only as police.
    @Test("crossed amendments reach venue staff as the projection says: nothing of police content, no identities")
    func crossedAmendments() throws {
        var sighting = Fixture.sighting()
        sighting.narrative = "Original: named the subject"
        let create = Fixture.create(.sighting(sighting), hlc: Fixture.stamp(1000))
        let square = sighting.location.place!
        let amendments = [
            Fixture.amend(
                sighting.id,
                .narrative,
                to: "First: PNC check",
                replacing: sighting.narrative,
                device: "dev-pc4127",
                author: "PC-4127",
                hlc: Fixture.stamp(2000)
            ),
            Fixture.amend(
                sighting.id,
                .narrative,
                to: "Second: known to police",
                replacing: sighting.narrative,
                device: "dev-ps0311",
                author: "PS-0311",
                hlc: Fixture.stamp(3000)
            ),
            Fixture.amend(
                sighting.id,
                .place,
                to: "Seel Street",
                replacing: square,
                device: "dev-pc4127",
                author: "PC-4127",
                hlc: Fixture.stamp(4000)
            ),
            Fixture.amend(
                sighting.id,
                .place,
                to: "Wood Street",
                replacing: square,
                device: "dev-ps0311",
                author: "PS-0311",
                hlc: Fixture.stamp(5000)
            ),
        ]
        let operations = [create] + amendments
        let roles: (String) -> Role? = { $0.hasPrefix("PS-") ? .supervisor : .officer }
        let full = try #require(AccessProjection.project(record: operations, roles: roles, for: Self.supervisor))
        #expect(full.amendments.map { $0.crossing != nil } == [false, true, false, true])
        #expect(full.amendments[1].replacedValue == sighting.narrative)

        let seen = try #require(AccessProjection.project(record: operations, roles: roles, for: Self.staff))
        #expect(seen.amendments.count == 4)
        #expect(seen.amendments[0].crossing == nil && seen.amendments[1].crossing == nil)
        #expect(seen.amendments[0...1].allSatisfy { $0.replacedValue == "" && $0.amendment.value == "" })
        #expect(seen.amendments[3].replacedValue == square)
        #expect(seen.amendments[3].crossing?.unseen?.author == AccessProjection.policeUser)
        #expect(seen.amendments[3].crossing?.unseen?.deviceId == AccessProjection.policeDevice)
        let text = String(decoding: try WireCoding.encode(seen), as: UTF8.self)
        for secret in [
            "named the subject", "PNC", "known to police", "PC-4127", "PS-0311", "dev-pc4127", Fixture.device,
        ] {
            #expect(!text.contains(secret), "venue staff see \(secret)")
        }
    }

    @Test("projecting commutes with a redaction's removal of content", arguments: [true, false])
    func projectionCommutesWithRedaction(byStaff: Bool) {
        let sighting = Fixture.create(.sighting(Fixture.sighting()))
        let operations = [
            sighting,
            Fixture.create(.intervention(Fixture.intervention())),
            Fixture.create(.note(Fixture.note())),
            Fixture.operation(
                .amend(Amendment(field: .place, value: "Wood Street", reason: "Wrong street", replaced: "Seel Street")),
                on: sighting.recordId,
                hlc: Fixture.stamp()
            ),
            Fixture.operation(
                .amend(Amendment(field: .narrative, value: "Shorter", reason: "Tidy", replaced: "Longer")),
                on: sighting.recordId,
                hlc: Fixture.stamp()
            ),
        ]
        for operation in operations {
            for recordByStaff in [true, false] {
                let record = AccessProjection.RecordOrigin(
                    type: operation.kind.createdType ?? .sighting,
                    authorRole: recordByStaff ? .venueStaff : .supervisor
                )
                let thenStripped = Self.project(operation, byStaff: byStaff, record: record)?.withoutContent
                let strippedThen = Self.project(operation.withoutContent, byStaff: byStaff, record: record)
                #expect(thenStripped == strippedThen, "\(operation.kind)")
            }
        }
    }

    @Test("nobody can record the values that only the projection produces")
    func projectionOnlyValuesRefused() {
        var intervention = Fixture.intervention()
        intervention.actions = [.policeAttended]
        #expect(throws: ValidationError.self) {
            try Fixture.create(.intervention(intervention)).validate(now: Fixture.now)
        }
        intervention.actions = [.engagement]
        intervention.outcome = .notShared
        #expect(throws: ValidationError.self) {
            try Fixture.create(.intervention(intervention)).validate(now: Fixture.now)
        }
        let amendment = Fixture.operation(
            .amend(Amendment(field: .outcome, value: "not-shared", reason: "x")),
            on: UUID(),
            hlc: Fixture.stamp()
        )
        #expect(throws: ValidationError.self) { try amendment.validate(now: Fixture.now) }
    }
}
