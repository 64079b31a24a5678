import Central
import Foundation
import Models
import Testing

/// Retention review (MoPI): which records fall due on which day in London, the decisions on them, the policy's
/// adoption and the daily review — the same test code against every central store.
@Suite("Conformance: retention review")
struct RetentionConformanceTests {
    /// Six years for every type (the defaults), one year for intelligence graded E (suspected false).
    static let policy = RetentionPolicy(gradedPeriods: [.suspectedFalse: RetentionPeriod(years: 1)])

    static func day(_ text: String) -> CalendarDay { CalendarDay(text: text)! }

    static func time(_ text: String) -> Date { WireCoding.parseDate(text)! }

    /// A sighting made (stamped) at `made`.
    static func sighting(madeAt made: String) -> LogOperation {
        var create = Conformance.sighting(occurredAt: time(made))
        create.hlc = HLCTimestamp(wallMilliseconds: time(made).millisecondsSince1970, counter: 0)
        return create
    }

    /// A supervisor's write of a register of `record`, stamped now.
    static func register(_ write: RegisterWrite, on record: UUID) -> LogOperation {
        LogOperation(
            deviceId: Conformance.supervisor.deviceId,
            author: Conformance.supervisor.userId,
            hlc: Conformance.stamp(7),
            recordId: record,
            payload: .setRegister(write)
        )
    }

    /// Records with every kind of review day, pushed; their ids by name.
    static func seed(_ store: any CentralStore) async throws -> [String: UUID] {
        // Made at 23:30 UTC on 30 June 2020, which is 00:30 on 1 July in London (BST): due 2026-07-01, not
        // 2026-06-30 as the UTC day would have it.
        let summerMidnight = sighting(madeAt: "2020-06-30T23:30:00Z")
        let recent = sighting(madeAt: "2021-01-10T12:00:00Z")
        let gradedFalse = sighting(madeAt: "2025-03-01T12:00:00Z")
        let oldButSet = sighting(madeAt: "2019-01-01T12:00:00Z")
        let setEarly = sighting(madeAt: "2025-06-01T12:00:00Z")
        let redacted = sighting(madeAt: "2018-01-01T12:00:00Z")
        let creates = [summerMidnight, recent, gradedFalse, oldButSet, setEarly, redacted]
        let pushed = try await store.push(creates, by: Conformance.officer, now: Date())
        try #require(pushed.accepted.count == creates.count, "\(pushed.rejected)")
        let supervision = [
            register(.grading(IntelligenceGrading(code: "3-E-C")), on: gradedFalse.recordId),
            register(.retentionReview(time("2030-01-01T00:00:00Z")), on: oldButSet.recordId),
            // 23:30 UTC on 30 April is 00:30 on 1 May in London.
            register(.retentionReview(time("2026-04-30T23:30:00Z")), on: setEarly.recordId),
            Conformance.redact(redacted.recordId),
        ]
        let supervised = try await store.push(supervision, by: Conformance.supervisor, now: Date())
        try #require(supervised.accepted.count == supervision.count, "\(supervised.rejected)")
        return [
            "summerMidnight": summerMidnight.recordId, "recent": recent.recordId, "gradedFalse": gradedFalse.recordId,
            "oldButSet": oldButSet.recordId, "setEarly": setEarly.recordId, "redacted": redacted.recordId,
        ]
    }

    @Test(
        "records fall due on their review day in London, and the queue holds exactly those",
        arguments: StoreKind.tested
    )
    func queueIsExact(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let ids = try await Self.seed(harness.store)
            func queue(_ day: String) async throws -> [UUID] {
                try await harness.store.retentionQueue(on: Self.day(day), policy: Self.policy).records.map(\.recordId)
            }
            #expect(try await queue("2026-02-28") == [])
            #expect(try await queue("2026-03-01") == [ids["gradedFalse"]!])
            #expect(try await queue("2026-04-30") == [ids["gradedFalse"]!])
            #expect(try await queue("2026-05-01") == [ids["gradedFalse"]!, ids["setEarly"]!])
            #expect(try await queue("2026-06-30") == [ids["gradedFalse"]!, ids["setEarly"]!])
            #expect(
                try await queue("2026-07-01") == [ids["gradedFalse"]!, ids["setEarly"]!, ids["summerMidnight"]!]
            )
            #expect(try await queue("2027-01-09").count == 3)
            #expect(try await queue("2027-01-10").contains(ids["recent"]!))
            // The redacted record never; the one with a date of its own only from that date.
            #expect(try await queue("2029-12-31").count == 4)
            #expect(Set(try await queue("2030-01-01")) == Set(ids.values).subtracting([ids["redacted"]!]))

            let listed = try await harness.store.retentionQueue(on: Self.day("2026-07-01"), policy: Self.policy)
            let first = try #require(listed.records.first)
            #expect(first.grading == "3-E-C" && first.planned && first.reviewOn == Self.day("2026-03-01"))
            #expect(listed.records[1].planned == false && listed.records[1].reviewOn == Self.day("2026-05-01"))
        }
    }

    @Test(
        "retain sets the next review, dispose redacts everywhere, each is audited; a second disposal does nothing",
        arguments: StoreKind.tested
    )
    func decisions(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let ids = try await Self.seed(store)
            let today = Self.day("2026-07-01")
            // The store's clock: the seed's supervisor stamped its writes now.
            let now = Date()
            func decide(_ request: RetentionDecisionRequest) async throws -> [RetentionDecisionOutcome.Result] {
                try await store.decideRetention(
                    request,
                    by: Conformance.supervisor,
                    policy: Self.policy,
                    today: today,
                    now: now
                ).outcomes.map(\.result)
            }
            let retained = try await decide(
                RetentionDecisionRequest(
                    decision: .retain,
                    reason: "Still linked to an open investigation",
                    nextReviewOn: Self.day("2028-07-01"),
                    recordIds: [ids["summerMidnight"]!, ids["recent"]!, UUID()]
                )
            )
            #expect(retained == [.retained, .notDue, .unknownRecord])
            let kept = try #require(try await store.record(id: ids["summerMidnight"]!))
            #expect(Self.policy.review(of: kept).day == Self.day("2028-07-01"))
            #expect(kept.redaction == nil)

            let disposed = try await decide(
                RetentionDecisionRequest(
                    decision: .dispose,
                    reason: "No longer necessary for a policing purpose",
                    recordIds: [ids["gradedFalse"]!, ids["setEarly"]!]
                )
            )
            #expect(disposed == [.disposed, .disposed])
            let gone = try #require(try await store.record(id: ids["gradedFalse"]!))
            #expect(gone.redaction?.redaction.reason == .disposedAfterReview)
            #expect(gone.redaction?.stamp.author == Conformance.supervisor.userId)
            guard case .redacted = gone.current else {
                Issue.record("the disposed record still has content")
                return
            }
            #expect(try await store.retentionQueue(on: today, policy: Self.policy).records.isEmpty)

            // The disposal reaches devices as any redaction does: a pull carries it.
            let pulled = try await Conformance.pullAll(store, as: Conformance.officer).operations.map(\.operation)
            #expect(
                pulled.contains {
                    $0.recordId == ids["gradedFalse"]! && $0.payload.kind == .redact
                }
            )
            #expect(pulled.filter { $0.recordId == ids["gradedFalse"]! }.allSatisfy { $0 == $0.withoutContent })

            let decided = try await store.auditEntries(matching: AuditFilter()).filter {
                $0.action == .retentionDecided
            }
            #expect(decided.map(\.recordIds) == [[ids["summerMidnight"]!], [ids["gradedFalse"]!], [ids["setEarly"]!]])
            #expect(decided.map(\.scope) == ["retained until 2028-07-01", "disposed", "disposed"])
            #expect(decided.allSatisfy { $0.actor == Conformance.supervisor.userId && $0.reason != nil })

            // Again: nothing is written, and the answer says it was disposed of before.
            let operations = try await store.operationCount()
            let audited = try await store.auditEntries(matching: AuditFilter()).count
            let again = try await decide(
                RetentionDecisionRequest(decision: .dispose, reason: "Again", recordIds: [ids["gradedFalse"]!])
            )
            #expect(again == [.alreadyDisposed])
            #expect(try await store.operationCount() == operations)
            #expect(try await store.auditEntries(matching: AuditFilter()).count == audited)
        }
    }

    @Test("a decision that cannot be carried out as a whole is refused and writes nothing", arguments: StoreKind.tested)
    func refusedWhole(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let ids = try await Self.seed(store)
            let due = ids["gradedFalse"]!
            let operations = try await store.operationCount()
            let bad: [RetentionDecisionRequest] = [
                .init(decision: .retain, reason: "Keep", nextReviewOn: Self.day("2036-07-02"), recordIds: [due]),
                .init(decision: .retain, reason: "Keep", nextReviewOn: Self.day("2026-07-01"), recordIds: [due]),
                .init(decision: .retain, reason: "Keep", recordIds: [due]),
                .init(decision: .dispose, reason: "  ", recordIds: [due]),
                .init(decision: .dispose, reason: "Two\nlines", recordIds: [due]),
                .init(decision: .dispose, reason: "Twice", recordIds: [due, due]),
                .init(decision: .dispose, reason: "None", recordIds: []),
            ]
            for request in bad {
                await #expect(throws: ValidationError.self) {
                    try await store.decideRetention(
                        request,
                        by: Conformance.supervisor,
                        policy: Self.policy,
                        today: Self.day("2026-07-01"),
                        now: Date()
                    )
                }
            }
            #expect(try await store.operationCount() == operations)
            // The furthest the policy allows (ten years) is taken.
            let outcome = try await store.decideRetention(
                .init(decision: .retain, reason: "Keep", nextReviewOn: Self.day("2036-07-01"), recordIds: [due]),
                by: Conformance.supervisor,
                policy: Self.policy,
                today: Self.day("2026-07-01"),
                now: Date()
            )
            #expect(outcome.outcomes.map(\.result) == [.retained])
        }
    }

    @Test(
        "a changed policy re-plans the records without a date of their own, once, and the audit log says so",
        arguments: StoreKind.tested
    )
    func policyAdoption(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let ids = try await Self.seed(store)
            #expect(try await store.adoptRetentionPolicy(.defaults, now: Date()) == 0)
            #expect(try await store.adoptRetentionPolicy(.defaults, now: Date()) == nil, "the same policy again")
            // Sightings reviewed after five years instead of six: the three planned, not redacted, change (the
            // graded one too, graded E having no period of its own here); the two with dates set do not.
            var shorter = RetentionPolicy.defaults
            shorter.periods[.sighting] = RetentionPeriod(years: 5)
            try await harness.reopen { other in
                let replanned = try await other.adoptRetentionPolicy(shorter, now: Date())
                #expect(replanned == 3)
            }
            #expect(try await store.adoptRetentionPolicy(shorter, now: Date()) == nil)
            let entries = try await store.auditEntries(matching: AuditFilter()).filter {
                $0.action == .retentionPolicyAdopted
            }
            #expect(entries.map(\.count) == [0, 3])
            #expect(entries.last?.scope == shorter.canonicalText)
            #expect(entries.last?.reason == "policy changed from: \(RetentionPolicy.defaults.canonicalText)")
            // Made on 1 July 2020 in London: now due on 1 July 2025.
            let before = try await store.retentionQueue(on: Self.day("2025-06-30"), policy: shorter)
            let after = try await store.retentionQueue(on: Self.day("2025-07-01"), policy: shorter)
            #expect(before.records.isEmpty)
            #expect(after.records.map(\.recordId) == [ids["summerMidnight"]!])
        }
    }

    @Test("the daily review is recorded once a day, whichever instance runs it", arguments: StoreKind.tested)
    func dailyReviewOnce(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let ids = try await Self.seed(harness.store)
            let job = RetentionReviewJob(store: harness.store, policy: Self.policy, logger: quietLogger)
            #expect(try await job.review(on: Self.day("2026-07-01")) == 3)
            try await harness.reopen { other in
                let second = RetentionReviewJob(store: other, policy: Self.policy, logger: quietLogger)
                let sameDay = try await second.review(on: Self.day("2026-07-01"))
                let nextDay = try await second.review(on: Self.day("2026-07-02"))
                #expect(sameDay == nil)
                #expect(nextDay == 3)
            }
            #expect(try await job.review(on: Self.day("2026-07-02")) == nil)
            let reviews = try await harness.store.auditEntries(matching: AuditFilter()).filter {
                $0.action == .retentionReviewed
            }
            #expect(reviews.map(\.scope) == ["due on or before 2026-07-01", "due on or before 2026-07-02"])
            #expect(Set(reviews[0].recordIds) == [ids["gradedFalse"]!, ids["setEarly"]!, ids["summerMidnight"]!])
            // Nothing was disposed of by the review itself.
            #expect(try await harness.store.record(id: ids["gradedFalse"]!)?.redaction == nil)
        }
    }
}
