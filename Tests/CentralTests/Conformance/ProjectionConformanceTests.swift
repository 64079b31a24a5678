import Central
import Foundation
import Models
import Testing

/// What venue staff receive from both stores: the projection (`AccessProjection`), a scope that follows the
/// record, and the same answer for a record at another venue as for one that does not exist.
@Suite("Conformance: projection and scope")
struct ProjectionConformanceTests {
    static let staffB = Caller(
        userId: "SIA-1012-0002",
        deviceId: "dev-conf-staff-b",
        role: .venueStaff,
        venueIds: [Conformance.venueB]
    )

    static func push(_ store: any CentralStore, _ operations: [LogOperation], by caller: Caller) async throws {
        let outcome = try await store.push(operations, by: caller, now: Date())
        #expect(outcome.rejected.isEmpty, "\(outcome.rejected)")
    }

    @Test(
        "venue staff receive police work as the projection says, by pull, search and show",
        arguments: StoreKind.tested
    )
    func projectionOnEveryReadPath(kind: StoreKind) async throws {
        try await withConformanceStore(kind) { conformance in
            let store = conformance.store
            let narrative = "Officer's narrative: PNC check on the subject"
            let sighting = Conformance.sighting(narrative: narrative)
            // The officer's correction says what it replaced: the narrative, which venue staff must not see.
            let correction = Conformance.amend(sighting.recordId, .narrative, to: "Corrected", replacing: narrative)
            let arrest = Conformance.intervention(
                following: sighting.recordId,
                by: Conformance.officer,
                actions: [.arrest]
            )
            let policeNote = Conformance.note(about: sighting.recordId, text: "Known to police, see intel log")
            try await Self.push(store, [sighting, correction, arrest, policeNote], by: Conformance.officer)
            let staffNote = Conformance.note(about: sighting.recordId, by: Conformance.staffA, text: "CCTV kept")
            try await Self.push(store, [staffNote], by: Conformance.staffA)
            try await Self.push(store, [Conformance.review(sighting.recordId)], by: Conformance.supervisor)

            let pulled = try await Conformance.pullAll(store, as: Conformance.staffA).operations.map(\.operation)
            let text = String(decoding: try WireCoding.encode(pulled), as: UTF8.self)
            for secret in ["PC-4127", "dev-conf-officer", "arrest", "PNC", "Known to police", "reviewed"] {
                #expect(!text.contains(secret), "a venue-staff pull shows \(secret)")
            }
            #expect(Set(pulled.map(\.recordId)) == [sighting.recordId, arrest.recordId, staffNote.recordId])
            guard case .amend(let seenCorrection)? = pulled.first(where: { $0.opId == correction.opId })?.payload else {
                Issue.record("venue staff do not receive the correction of a record at their venue")
                return
            }
            #expect(seenCorrection.value == "" && seenCorrection.replaced == "")
            // Search, show and export answer exactly what a device folds from its pulls.
            let searched = try await store.records(matching: RecordFilter(), for: Conformance.staffA)
            let folded = Dictionary(grouping: pulled, by: \.recordId).compactMap { RecordFold.fold($0.value) }
            #expect(Set(searched) == Set(folded))
            let searchedText = String(decoding: try WireCoding.encode(searched), as: UTF8.self)
            #expect(!searchedText.contains("PNC"), "a venue-staff search shows the narrative an amendment replaced")
            let shown = try await store.records(
                matching: RecordFilter(recordId: arrest.recordId),
                for: Conformance.staffA
            )
            guard case .intervention(let seen)? = shown.first?.current else {
                Issue.record("venue staff cannot see the intervention at their venue")
                return
            }
            #expect(seen.actions == [.policeAttended] && seen.outcome == .notShared && seen.by == "POLICE")
            // Searching by a police action finds nothing for venue staff: they cannot see the actions.
            #expect(try await store.records(matching: RecordFilter(action: .arrest), for: Conformance.staffA).isEmpty)
            #expect(
                try await store.records(matching: RecordFilter(action: .arrest), for: Conformance.supervisor).count == 1
            )
        }
    }

    @Test(
        "scope follows the record: a move withdraws it from the former venue and brings it whole to the new one",
        arguments: StoreKind.tested
    )
    func scopeFollowsTheRecord(kind: StoreKind) async throws {
        try await withConformanceStore(kind) { conformance in
            let store = conformance.store
            let sighting = Conformance.sighting()
            try await Self.push(store, [sighting], by: Conformance.officer)
            let intervention = Conformance.intervention(
                following: sighting.recordId,
                by: Conformance.staffA,
                actions: [.reunitedWithFriends]
            )
            let note = Conformance.note(about: intervention.recordId, by: Conformance.staffA, text: "Friends found")
            try await Self.push(store, [intervention, note], by: Conformance.staffA)
            let family: Set<UUID> = [sighting.recordId, intervention.recordId, note.recordId]
            let a = try await Conformance.pullAll(store, as: Conformance.staffA)
            let b = try await Conformance.pullAll(store, as: Self.staffB)
            #expect(Set(a.operations.map(\.operation.recordId)) == family)
            #expect(b.operations.isEmpty)

            let move = Conformance.amend(sighting.recordId, .venue, to: Conformance.venueB, by: Conformance.supervisor)
            try await Self.push(store, [move], by: Conformance.supervisor)
            let leaving = try await store.pull(after: a.cursor, limit: 100, for: Conformance.staffA, now: Date())
            #expect(Set(leaving.withdrawn) == family)
            #expect(leaving.operations.isEmpty)
            let entering = try await Conformance.pullAll(store, as: Self.staffB, after: b.cursor)
            #expect(Set(entering.operations.map(\.operation.recordId)) == family)
            #expect(entering.operations.count == 4)
            #expect(try await store.records(matching: RecordFilter(), for: Conformance.staffA).isEmpty)
            #expect(Set(try await store.records(matching: RecordFilter(), for: Self.staffB).map(\.id)) == family)

            // And back: the other way round.
            let back = Conformance.amend(
                sighting.recordId,
                .venue,
                to: Conformance.venueA,
                by: Conformance.supervisor,
                counter: 9
            )
            try await Self.push(store, [back], by: Conformance.supervisor)
            let leavingB = try await store.pull(after: entering.cursor, limit: 100, for: Self.staffB, now: Date())
            #expect(Set(leavingB.withdrawn) == family)
            let returning = try await Conformance.pullAll(store, as: Conformance.staffA, after: leaving.cursor)
            #expect(Set(returning.operations.map(\.operation.recordId)) == family)
            #expect(Set(try await store.records(matching: RecordFilter(), for: Conformance.staffA).map(\.id)) == family)
        }
    }

    @Test("a record at another venue gets the same answer as one that does not exist", arguments: StoreKind.tested)
    func otherVenuesRecordsDoNotExist(kind: StoreKind) async throws {
        try await withConformanceStore(kind) { conformance in
            let store = conformance.store
            let sighting = Conformance.sighting()
            try await Self.push(store, [sighting], by: Conformance.officer)
            func refusal(_ operation: LogOperation) async throws -> RejectedOperation? {
                try await store.push([operation], by: Self.staffB, now: Date()).rejected.first
            }
            let elsewhere = try await refusal(Conformance.note(about: sighting.recordId, by: Self.staffB))
            let nowhere = try await refusal(Conformance.note(about: UUID(), by: Self.staffB))
            #expect(elsewhere != nil)
            #expect(elsewhere?.code == nowhere?.code && elsewhere?.message == nowhere?.message)
            let amendElsewhere = try await refusal(
                Conformance.amend(sighting.recordId, .place, to: "Bar", by: Self.staffB)
            )
            let amendNowhere = try await refusal(Conformance.amend(UUID(), .place, to: "Bar", by: Self.staffB))
            #expect(amendElsewhere != nil)
            #expect(amendElsewhere?.code == amendNowhere?.code && amendElsewhere?.message == amendNowhere?.message)
            #expect(
                try await store.records(matching: RecordFilter(recordId: sighting.recordId), for: Self.staffB).isEmpty
            )
        }
    }
}
