import Central
import Foundation
import Models
import Testing

/// Section 34 authorisations and section 35 directions (`DispersalRule`): the same test code against every central
/// store.
@Suite("Conformance: dispersal powers")
struct DispersalConformanceTests {
    /// An authorisation over venue A and Seel Street from `start` for `hours`, recorded by the supervisor.
    static func authorisation(
        start: Date = Date().addingTimeInterval(-3600),
        hours: Double = 12,
        by caller: Caller = Conformance.supervisor
    ) -> LogOperation {
        let id = UUID()
        let authorisation = DispersalAuthorisation(
            id: id,
            recordedAt: Date().truncatedToMilliseconds,
            authorisedBy: caller.userId,
            startsAt: start.truncatedToMilliseconds,
            endsAt: start.addingTimeInterval(hours * 3600).truncatedToMilliseconds,
            locality: DispersalLocality(venueIds: [Conformance.venueA], streets: ["Seel Street"]),
            grounds: "Reports of predatory behaviour around the venues tonight."
        )
        return LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: Conformance.stamp(),
            recordId: id,
            payload: .createAuthorisation(authorisation)
        )
    }

    /// A dispersal direction by the officer at `location`, `minutesAgo` before now.
    static func direction(
        citing authorisationId: UUID? = nil,
        outside: Bool = false,
        at location: Location = Location(venueId: Conformance.venueA),
        minutesAgo: Double = 5
    ) -> LogOperation {
        let id = UUID()
        let now = Date().truncatedToMilliseconds
        return LogOperation(
            deviceId: Conformance.officer.deviceId,
            author: Conformance.officer.userId,
            hlc: Conformance.stamp(1),
            recordId: id,
            payload: .createIntervention(
                Intervention(
                    id: id,
                    occurredAt: now.addingTimeInterval(-minutesAgo * 60),
                    recordedAt: now,
                    by: Conformance.officer.userId,
                    location: location,
                    actions: [.engagement, .dispersalDirection],
                    outcome: .dispersed,
                    authorisationId: authorisationId,
                    outsideAuthorisation: outside ? true : nil
                )
            )
        )
    }

    @Test(
        "a direction inside the authorisation it cites is stored; one outside it, or citing none, is refused",
        arguments: StoreKind.tested
    )
    func directionsAreChecked(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let authorisation = Self.authorisation()
            let stored = try await store.push([authorisation], by: Conformance.supervisor, now: Date())
            #expect(stored.rejected.isEmpty, "\(kind): \(stored.rejected)")
            let id = authorisation.recordId

            let inside = Self.direction(citing: id)
            let onTheStreet = Self.direction(citing: id, at: Location(place: "seel street, by the taxi rank"))
            let accepted = try await store.push([inside, onTheStreet], by: Conformance.officer, now: Date())
            #expect(accepted.rejected.isEmpty, "\(kind): \(accepted.rejected)")

            let refusals: [(LogOperation, String)] = [
                (Self.direction(), "dispersal-unauthorised"),
                (Self.direction(citing: UUID()), "unknown-authorisation"),
                (Self.direction(citing: id, at: Location(venueId: Conformance.venueB)), "authorisation-not-here"),
                (Self.direction(citing: id, at: Location(place: "Bold Street")), "authorisation-not-here"),
                // Two hours before it started.
                (Self.direction(citing: id, minutesAgo: 180), "authorisation-not-in-force"),
            ]
            let outcome = try await store.push(refusals.map(\.0), by: Conformance.officer, now: Date())
            #expect(outcome.accepted.isEmpty, "\(kind)")
            #expect(outcome.rejected.map(\.code) == refusals.map(\.1), "\(kind)")
            #expect(try await store.operationCount() == 3, "\(kind): nothing refused is stored")
        }
    }

    @Test(
        "a direction outside any authorisation is stored only when marked so, and is flagged for supervision",
        arguments: StoreKind.tested
    )
    func outsideIsMarkedAndFlagged(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let marked = Self.direction(outside: true, at: Location(place: "Bold Street"))
            let outcome = try await store.push([marked], by: Conformance.officer, now: Date())
            #expect(outcome.rejected.isEmpty, "\(kind): \(outcome.rejected)")
            let record = try #require(try await store.record(id: marked.recordId))
            guard case .intervention(let intervention) = record.current else {
                Issue.record("not an intervention")
                return
            }
            #expect(DispersalRule.needsSupervision(intervention), "\(kind)")
        }
    }

    @Test(
        "a late entry is judged by the authorisation in force at the event, and so is an amendment of its time",
        arguments: StoreKind.tested
    )
    func lateEntriesAndAmendments(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            // In force from 20 hours ago for 12 hours: it ended 8 hours ago.
            let authorisation = Self.authorisation(start: Date().addingTimeInterval(-20 * 3600), hours: 12)
            _ = try await store.push([authorisation], by: Conformance.supervisor, now: Date())
            let late = Self.direction(citing: authorisation.recordId, minutesAgo: 15 * 60)
            let entered = try await store.push([late], by: Conformance.officer, now: Date())
            #expect(entered.rejected.isEmpty, "\(kind): a late entry inside it: \(entered.rejected)")

            // Moving its time to after the authorisation ended is refused; to another time inside it, accepted.
            let afterEnd = WireCoding.formatDate(Date().addingTimeInterval(-3600).truncatedToMilliseconds)
            let insideStill = WireCoding.formatDate(Date().addingTimeInterval(-16 * 3600).truncatedToMilliseconds)
            let moved = try await store.push(
                [Conformance.amend(late.recordId, .occurredAt, to: afterEnd)],
                by: Conformance.officer,
                now: Date()
            )
            #expect(moved.rejected.map(\.code) == ["authorisation-not-in-force"], "\(kind)")
            let corrected = try await store.push(
                [Conformance.amend(late.recordId, .occurredAt, to: insideStill, counter: 3)],
                by: Conformance.officer,
                now: Date()
            )
            #expect(corrected.rejected.isEmpty, "\(kind): \(corrected.rejected)")
            // Adding a dispersal to an intervention that cites nothing is refused like recording one.
            let plain = Conformance.intervention()
            _ = try await store.push([plain], by: Conformance.officer, now: Date())
            let added = try await store.push(
                [Conformance.amend(plain.recordId, .actions, to: "engagement,dispersal-direction")],
                by: Conformance.officer,
                now: Date()
            )
            #expect(added.rejected.map(\.code) == ["dispersal-unauthorised"], "\(kind)")
        }
    }

    @Test(
        "only supervisors record authorisations; officers receive them, venue staff never do",
        arguments: StoreKind.tested
    )
    func whoRecordsAndWhoReceives(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await Conformance.saveVenues(store)
            let byOfficer = Self.authorisation(by: Conformance.officer)
            let refused = try await store.push([byOfficer], by: Conformance.officer, now: Date())
            #expect(refused.rejected.map(\.code) == ["supervisor-only"], "\(kind)")
            let tooLong = Self.authorisation(hours: 49)
            let long = try await store.push([tooLong], by: Conformance.supervisor, now: Date())
            #expect(long.rejected.map(\.code) == ["authorisation-duration"], "\(kind)")

            let authorisation = Self.authorisation()
            _ = try await store.push([authorisation], by: Conformance.supervisor, now: Date())
            let officerSees = try await Conformance.pullAll(store, as: Conformance.officer).operations
            #expect(officerSees.map(\.operation.recordId) == [authorisation.recordId], "\(kind)")
            let staffSees = try await Conformance.pullAll(store, as: Conformance.staffA).operations
            #expect(staffSees.isEmpty, "\(kind): venue staff receive no authorisation")
            let staffSearch = try await store.records(matching: RecordFilter(), for: Conformance.staffA)
            #expect(staffSearch.isEmpty, "\(kind)")

            // A police direction at venue A reaches its staff without the basis of the dispersal.
            let direction = Self.direction(citing: authorisation.recordId)
            _ = try await store.push([direction], by: Conformance.officer, now: Date())
            let projected = try await store.records(matching: RecordFilter(), for: Conformance.staffA)
            guard case .intervention(let seen)? = projected.first?.current else {
                Issue.record("\(kind): venue staff do not see the intervention at their venue")
                return
            }
            #expect(seen.authorisationId == nil && seen.outsideAuthorisation == nil, "\(kind)")
            #expect(seen.actions == [.policeAttended], "\(kind)")
        }
    }
}
