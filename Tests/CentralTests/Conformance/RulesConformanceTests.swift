import Central
import Foundation
import Models
import Testing

/// Admission, permissions, redaction and venue scopes: the same test code against every central store.
@Suite("Conformance: rules")
struct RulesConformanceTests {
    @Test("operations the records do not allow are refused and leave nothing behind", arguments: StoreKind.tested)
    func admissionRefusals(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let create = Conformance.sighting()
            _ = try await store.push([create], by: Conformance.officer, now: Date())
            let before = try await store.record(id: create.recordId)
            let auditBefore = try await store.auditEntries(matching: AuditFilter()).count

            var secondCreate = Conformance.sighting(id: create.recordId)
            secondCreate.opId = UUID()
            let cases: [(LogOperation, String)] = [
                (Conformance.amend(UUID()), "unknown-record"),
                (secondCreate, "record-exists"),
                (Conformance.note(about: UUID()), "unknown-record"),
                (Conformance.amend(create.recordId, .riskLevel, to: "extreme"), "bad-value"),
            ]
            let outcome = try await store.push(cases.map(\.0), by: Conformance.officer, now: Date())
            #expect(outcome.accepted.isEmpty)
            #expect(outcome.rejected.map(\.opId) == cases.map(\.0.opId))
            #expect(outcome.rejected.map(\.code) == cases.map(\.1))
            #expect(outcome.rejected.allSatisfy { !$0.message.isEmpty })
            #expect(try await store.operationCount() == 1)
            #expect(try await store.record(id: create.recordId) == before)
            #expect(
                try await store.auditEntries(matching: AuditFilter()).count == auditBefore,
                "nothing stored, nothing audited"
            )
            #expect(
                try await Conformance.pullAll(store, as: Conformance.officer).operations.map(\.operation) == [create]
            )

            // A stamp far ahead of the server's clock.
            var future = Conformance.sighting()
            future.hlc = HLCTimestamp(
                wallMilliseconds: Date().addingTimeInterval(3600).millisecondsSince1970,
                counter: 0
            )
            let late = try await store.push([future], by: Conformance.officer, now: Date())
            #expect(late.accepted.isEmpty && late.rejected.count == 1)
        }
    }

    @Test("what a caller's role and venues do not allow is refused with its code", arguments: StoreKind.tested)
    func permissionRefusals(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await Conformance.saveVenues(store)
            let record = Conformance.sighting(at: Conformance.venueA)
            _ = try await store.push([record], by: Conformance.officer, now: Date())

            let refusals: [(LogOperation, Caller, String)] = [
                (Conformance.sighting(by: Conformance.admin), Conformance.admin, "role-not-permitted"),
                (
                    Conformance.sighting(at: Conformance.venueB, by: Conformance.staffA), Conformance.staffA,
                    "out-of-scope"
                ),
                (
                    Conformance.intervention(at: Conformance.venueA, by: Conformance.staffA, actions: [.arrest]),
                    Conformance.staffA, "police-action"
                ),
                (
                    Conformance.amend(record.recordId, by: Conformance.secondOfficer), Conformance.secondOfficer,
                    "not-author"
                ),
                (Conformance.redact(record.recordId, by: Conformance.officer), Conformance.officer, "supervisor-only"),
                (Conformance.review(record.recordId, by: Conformance.officer), Conformance.officer, "supervisor-only"),
            ]
            for (operation, caller, code) in refusals {
                let outcome = try await store.push([operation], by: caller, now: Date())
                #expect(outcome.accepted.isEmpty, "\(code)")
                #expect(outcome.rejected.map(\.code) == [code])
            }
            #expect(try await store.operationCount() == 1)

            // What the same callers may do.
            let allowed: [(LogOperation, Caller)] = [
                (Conformance.sighting(at: Conformance.venueA, by: Conformance.staffA), Conformance.staffA),
                (
                    Conformance.intervention(at: Conformance.venueA, by: Conformance.staffA, actions: [.ejection]),
                    Conformance.staffA
                ),
                (Conformance.amend(record.recordId, by: Conformance.supervisor), Conformance.supervisor),
                (Conformance.review(record.recordId), Conformance.supervisor),
            ]
            for (operation, caller) in allowed {
                let outcome = try await store.push([operation], by: caller, now: Date())
                #expect(outcome.accepted == [operation.opId], "\(outcome.rejected)")
            }
            #expect(try await store.operationCount() == 5)
        }
    }

    @Test(
        "a redaction strips the content of every operation of the record, stored before or after",
        arguments: StoreKind.tested
    )
    func redactionStripsContent(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let marker = "Wombat-Teapot-5521"
            let create = Conformance.sighting(narrative: "\(marker) narrative")
            let amend = Conformance.amend(create.recordId, .narrative, to: "\(marker) amended")
            let other = Conformance.sighting(narrative: "Kept-Intact-0042")
            _ = try await store.push([create, amend, other], by: Conformance.officer, now: Date())
            #expect(try await harness.count("SELECT count(*) FROM operation WHERE body LIKE '%\(marker)%'") == 2)

            let redaction = Conformance.redact(create.recordId)
            let outcome = try await store.push([redaction], by: Conformance.supervisor, now: Date())
            #expect(outcome.accepted == [redaction.opId])
            #expect(try await harness.count("SELECT count(*) FROM operation WHERE body LIKE '%\(marker)%'") == 0)
            #expect(try await harness.count("SELECT count(*) FROM operation WHERE body LIKE '%Kept-Intact-0042%'") == 1)

            // An amendment made offline before the device heard of the redaction is kept without content.
            let lateAmend = Conformance.amend(create.recordId, .narrative, to: "\(marker) late", counter: 9)
            let late = try await store.push([lateAmend], by: Conformance.officer, now: Date())
            #expect(late.accepted == [lateAmend.opId])
            #expect(try await harness.count("SELECT count(*) FROM operation WHERE body LIKE '%\(marker)%'") == 0)

            // The original create, pushed again with its content, is the same operation.
            let again = try await store.push([create], by: Conformance.officer, now: Date())
            #expect(again.accepted == [create.opId] && again.rejected.isEmpty)
            #expect(try await store.operationCount() == 5)

            let state = try #require(try await store.record(id: create.recordId))
            #expect(state.redaction != nil)
            #expect(!String(decoding: try WireCoding.encode(state), as: UTF8.self).contains(marker))
            let pulled = try await Conformance.pullAll(store, as: Conformance.officer).operations.map(\.operation)
            #expect(pulled.map(\.opId) == [create.opId, amend.opId, other.opId, redaction.opId, lateAmend.opId])
            #expect(pulled[0] == create.withoutContent && pulled[1] == amend.withoutContent)
            #expect(pulled[4] == lateAmend.withoutContent)
            #expect(pulled[2] == other)

            let erasures = try await store.auditEntries(matching: AuditFilter(recordId: create.recordId))
                .filter { $0.action == .redact }
            #expect(erasures.map(\.reason) == ["recorded-in-error"])
        }
    }

    @Test(
        "venue staff pull the records in their scope as projected, and only those",
        arguments: StoreKind.tested
    )
    func scopedPulls(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await Conformance.saveVenues(store)
            let atA = Conformance.sighting(at: Conformance.venueA)
            let atB = Conformance.sighting(at: Conformance.venueB)
            let noteB = Conformance.note(about: atB.recordId)
            // B's record moves to A: its scope follows it, so venue staff at A see it (not the officer's note).
            let moveB = Conformance.amend(atB.recordId, .venue, to: Conformance.venueA)
            _ = try await store.push([atA, atB, noteB, moveB], by: Conformance.officer, now: Date())
            let noteA = Conformance.note(about: atA.recordId, by: Conformance.staffA, text: "CCTV kept")
            _ = try await store.push([noteA], by: Conformance.staffA, now: Date())
            let reviewA = Conformance.review(atA.recordId)
            let linkA = Conformance.link(atA.recordId, to: atB.recordId)
            let reviewB = Conformance.review(atB.recordId)
            _ = try await store.push([reviewA, linkA, reviewB], by: Conformance.supervisor, now: Date())

            let everything = try await Conformance.pullAll(store, as: Conformance.officer)
            #expect(everything.operations.count == 8)
            let visible = [atA, atB, moveB, noteA].map(\.opId)
            let staff = try await Conformance.pullAll(store, as: Conformance.staffA)
            #expect(staff.operations.map(\.operation.opId) == visible)
            // The cursor passes over what is not theirs at the end too.
            #expect(staff.cursor == everything.cursor)

            // Page by page, the cursor is the last operation examined. When the move of B's record comes after
            // the cursor's position, what of it came before is sent again with it (the store cannot know whether
            // this caller received it before the move): a device keeps each operation once.
            var cursor: Int64 = 0
            var seen: [UUID] = []
            var pages = 0
            while true {
                let page = try await store.pull(after: cursor, limit: 1, for: Conformance.staffA, now: Date())
                seen += try page.decodedOperations().map(\.operation.opId)
                #expect(page.cursor >= cursor)
                cursor = page.cursor
                pages += 1
                guard page.hasMore, pages < 50 else { break }
            }
            var once: [UUID] = []
            for id in seen where !once.contains(id) { once.append(id) }
            #expect(once == visible)
            #expect(Set(seen).isSubset(of: Set(visible)))

            let admin = try await store.pull(after: 0, limit: 100, for: Conformance.admin, now: Date())
            #expect(admin.operations.isEmpty && !admin.hasMore)

            let pullAudit = try await store.auditEntries(matching: AuditFilter(actor: Conformance.staffA.userId))
                .filter { $0.action == .pull }
            #expect(pullAudit.allSatisfy { $0.scope == "venues \(Conformance.venueA)" })
            // Exactly what was sent.
            #expect(pullAudit.compactMap(\.count).reduce(0, +) == visible.count + seen.count)
        }
    }
}
