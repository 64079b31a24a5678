import Foundation
import Models
import Testing

@Suite("Dispersal rule")
struct DispersalRuleTests {
    private let authorisation = Fixture.authorisation()

    /// A dispersal direction at `location`, `minutes` before the fixture clock.
    private func direction(
        citing id: UUID? = nil,
        outside: Bool? = nil,
        at location: Location = Location(venueId: Fixture.venue),
        minutesAgo: Double = 10
    ) -> Intervention {
        Intervention(
            occurredAt: Fixture.now.addingTimeInterval(-minutesAgo * 60),
            recordedAt: Fixture.now,
            by: Fixture.reporter,
            location: location,
            actions: [.engagement, .dispersalDirection],
            outcome: .dispersed,
            authorisationId: id,
            outsideAuthorisation: outside
        )
    }

    private var authorisationState: RecordState {
        RecordFold.fold([Fixture.create(.authorisation(authorisation))])!
    }

    /// Checks the create of `intervention` against `authorisation`; the code of the refusal, or nil.
    private func refusal(_ intervention: Intervention, against authorisation: RecordState?) -> String? {
        let create = Fixture.create(.intervention(intervention))
        do throws(ValidationError) {
            try DispersalRule.check(create, merged: RecordFold.fold([create]), authorisation: authorisation)
            return nil
        } catch {
            return error.code
        }
    }

    @Test(
        "a locality covers a listed venue, a place naming a listed street, and a position inside its area",
        arguments: [
            (Location(venueId: Fixture.venue), true),
            (Location(venueId: "venue-bold-st-09"), false),
            (Location(place: "SEEL STREET, by the taxi rank"), true),
            (Location(place: "Bold Street"), false),
            (Location(place: "Concert Square", latitude: 53.4020, longitude: -2.9815), true),
            (Location(place: "Concert Square", latitude: 53.4040, longitude: -2.9815), false),
            (Location(place: "Wood Street", latitude: 53.4020, longitude: -2.9790), false),
        ]
    )
    func localityCoverage(_ location: Location, _ covered: Bool) {
        #expect(authorisation.locality.covers(location) == covered)
    }

    @Test("a direction inside the authorisation it cites passes; elsewhere, at another time or citing none, not")
    func directions() {
        let id = authorisation.id
        #expect(refusal(direction(citing: id), against: authorisationState) == nil)
        #expect(refusal(direction(), against: nil) == "dispersal-unauthorised")
        #expect(refusal(direction(citing: id), against: nil) == "unknown-authorisation")
        #expect(
            refusal(direction(citing: id, at: Location(place: "Bold Street")), against: authorisationState)
                == "authorisation-not-here"
        )
        // The authorisation started 5 h 40 min before the fixture clock.
        #expect(
            refusal(direction(citing: id, minutesAgo: 6 * 60), against: authorisationState)
                == "authorisation-not-in-force"
        )
        // Marked as outside any: recorded, and flagged for supervision.
        let outside = direction(outside: true, at: Location(place: "Bold Street"))
        #expect(refusal(outside, against: nil) == nil)
        #expect(DispersalRule.needsSupervision(outside))
        #expect(!DispersalRule.needsSupervision(direction(citing: id)))
        // An intervention without a dispersal direction is not the rule's business.
        #expect(refusal(Fixture.intervention(), against: nil) == nil)
    }

    @Test("a redacted authorisation is cited by nothing")
    func redactedAuthorisation() {
        let redaction = Fixture.operation(
            .redact(Redaction(reason: .recordedInError, explanation: "Wrong locality")),
            on: authorisation.id,
            author: Fixture.supervisor,
            hlc: Fixture.stamp(counter: 5)
        )
        let redacted = RecordFold.fold([Fixture.create(.authorisation(authorisation)), redaction])
        #expect(refusal(direction(citing: authorisation.id), against: redacted) == "unknown-authorisation")
    }

    @Test("an intervention cites an authorisation or says it is outside any, never both")
    func notBoth() {
        #expect(throws: ValidationError.self) {
            try direction(citing: UUID(), outside: true).validate(now: Fixture.now)
        }
    }

    @Test("an amendment is judged as the intervention stands after it, against the authorisation in force then")
    func amendments() throws {
        let create = Fixture.create(.intervention(direction(citing: authorisation.id)))
        func check(_ field: AmendableField, _ value: String) -> String? {
            let amend = Fixture.amend(
                create.recordId,
                field,
                to: value,
                reason: "Corrected",
                hlc: Fixture.stamp(counter: 3)
            )
            do throws(ValidationError) {
                try DispersalRule.check(
                    amend,
                    merged: RecordFold.fold([create, amend]),
                    authorisation: authorisationState
                )
                return nil
            } catch {
                return error.code
            }
        }
        let beforeStart = WireCoding.formatDate(authorisation.startsAt.addingTimeInterval(-60))
        #expect(check(.occurredAt, beforeStart) == "authorisation-not-in-force")
        #expect(check(.place, "Hardman Street") == nil, "the venue still covers it")
        #expect(check(.venue, "venue-bold-st-09") == "authorisation-not-here")
        #expect(check(.notes, "Gave the direction in writing") == nil)
    }

    @Test("an authorisation lasts at most 48 hours, states grounds and names a locality")
    func authorisationRules() {
        func code(_ change: (inout DispersalAuthorisation) -> Void) -> String? {
            var changed = authorisation
            change(&changed)
            do throws(ValidationError) {
                try changed.validate(now: Fixture.now)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code { _ in } == nil)
        #expect(code { $0.endsAt = $0.startsAt.addingTimeInterval(48 * 3600) } == nil)
        #expect(code { $0.endsAt = $0.startsAt.addingTimeInterval(48 * 3600 + 1) } == "authorisation-duration")
        #expect(code { $0.endsAt = $0.startsAt } == "authorisation-duration")
        #expect(code { $0.grounds = "  " } == "missing-grounds")
        #expect(code { $0.locality = DispersalLocality() } == "empty-locality")
        #expect(code { $0.locality.polygon = Array($0.locality.polygon.prefix(2)) } == "bad-polygon")
        #expect(code { $0.locality.venueIds = ["Not A Venue"] } != nil)
    }

    @Test("only a supervisor records an authorisation, and venue staff receive nothing of one")
    func permissionAndProjection() throws {
        let create = Fixture.create(.authorisation(authorisation))
        let officer = Caller(userId: Fixture.reporter, deviceId: Fixture.device, role: .officer)
        let supervisor = Caller(userId: Fixture.supervisor, deviceId: "dev-ps0311", role: .supervisor)
        let staff = Caller(userId: "SIA-1012-0001", deviceId: "dev-door", role: .venueStaff, venueIds: [Fixture.venue])
        #expect(throws: ValidationError.self) {
            try OperationPermission.check(
                create,
                by: officer,
                target: nil,
                targetScope: nil,
                referenced: nil,
                referencedScope: nil
            )
        }
        try OperationPermission.check(
            create,
            by: supervisor,
            target: nil,
            targetScope: nil,
            referenced: nil,
            referencedScope: nil
        )
        let origin = AccessProjection.RecordOrigin(type: .authorisation, authorRole: .supervisor)
        #expect(AccessProjection.project(create, authorRole: .supervisor, record: origin, for: staff) == nil)
        #expect(AccessProjection.project(create, authorRole: .supervisor, record: origin, for: officer) == create)
    }
}
