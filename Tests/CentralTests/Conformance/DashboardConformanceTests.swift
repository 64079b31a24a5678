import Foundation
import Models
import Testing

@testable import Central

/// The supervisors' dashboard on every central store: its figures are the merged records' (redacted ones gone,
/// amendments and registers followed), and its sign-in links and sessions behave alike and live in the store.
@Suite("Conformance: dashboard")
struct DashboardConformanceTests {
    /// A night in the past, and the filter of the nights around it.
    static let evening = DashboardNight.start(ofNight: "2026-10-24")! + 4 * 3600  // 22:00 BST
    static let filter = DashboardFilter(from: "2026-10-20", to: "2026-10-30")

    static func flag(_ recordId: UUID, _ status: ReviewStatus, counter: UInt16 = 6) -> LogOperation {
        LogOperation(
            deviceId: Conformance.supervisor.deviceId,
            author: Conformance.supervisor.userId,
            hlc: Conformance.stamp(counter),
            recordId: recordId,
            payload: .setRegister(.review(status))
        )
    }

    @Test("the figures are the merged records': amendments, registers and links followed, redactions gone",
          arguments: StoreKind.tested)
    func figures(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await Conformance.saveVenues(store)
            let a1 = Conformance.sighting(at: Conformance.venueA, occurredAt: Self.evening)
            let a2 = Conformance.sighting(at: Conformance.venueA, occurredAt: Self.evening + 3600)
            let b1 = Conformance.sighting(at: Conformance.venueB, occurredAt: Self.evening + 2 * 86400)
            let gone = Conformance.sighting(at: Conformance.venueB, occurredAt: Self.evening)
            let outside = Conformance.sighting(at: Conformance.venueA, occurredAt: Self.evening - 30 * 86400)
            let creates = [a1, a2, b1, gone, outside]
            _ = try await store.push(creates, by: Conformance.officer, now: Date())
            var intervention = Conformance.intervention(at: Conformance.venueB, following: b1.recordId)
            if case .createIntervention(var record) = intervention.payload {
                record.occurredAt = Self.evening + 2 * 86400 + 600
                record.outcome = .arrested
                intervention.payload = .createIntervention(record)
            }
            _ = try await store.push([intervention], by: Conformance.officer, now: Date())
            let moved = Conformance.amend(a2.recordId, .venue, to: Conformance.venueB)
            let risk = Conformance.amend(a1.recordId, .riskLevel, to: "high", counter: 3)
            _ = try await store.push([moved, risk], by: Conformance.officer, now: Date())
            _ = try await store.push(
                [
                    Self.flag(a1.recordId, .actionRequired), Self.flag(b1.recordId, .actionRequired),
                    Self.flag(b1.recordId, .reviewed, counter: 9), Conformance.link(a1.recordId, to: b1.recordId),
                    Conformance.link(outside.recordId, to: a1.recordId), Conformance.redact(gone.recordId),
                ],
                by: Conformance.supervisor,
                now: Date()
            )

            let queries = DashboardQueries(store: store, filter: Self.filter, venues: Conformance.venues)
            let places = try await queries.places()
            let sightingsByVenue = Dictionary(
                places.filter { $0.type == .sighting }.map { ($0.venueId ?? "", $0.count) },
                uniquingKeysWith: +
            )
            #expect(sightingsByVenue == [Conformance.venueA: 1, Conformance.venueB: 2], "a2 moved to B; gone redacted")
            #expect(places.filter { $0.type == .intervention }.map(\.count) == [1])

            let behaviours = try await queries.behaviours()
            #expect(behaviours.reduce(0) { $0 + $1.sightings } == 3)
            let following = Behaviour.allCases.firstIndex(of: .following)!
            #expect(behaviours.reduce(0) { $0 + $1.behaviours[following] } == 3)
            let high = behaviours.filter { $0.riskLevel == .high }.reduce(0) { $0 + $1.sightings }
            #expect(high == 1, "the amended risk level counts")

            let interventions = try await queries.interventions()
            #expect(interventions.map(\.outcome) == [.arrested] && interventions.map(\.followsSighting) == [true])

            let times = try await queries.times()
            #expect(Set(times.compactMap(\.night)) == ["2026-10-24", "2026-10-26"])
            // The clocks went back on 25 October: 21:00 UTC was 22:00 on the 24th and 21:00 on the 26th.
            #expect(times.filter { $0.type == .sighting }.map(\.hour).sorted() == [21, 22, 23])

            let (flagged, total) = try await queries.actionRequired(limit: 10)
            #expect(flagged.map(\.id) == [a1.recordId] && total == 1, "b1 was reviewed since")

            let subjects = try await queries.repeatSubjects()
            #expect(subjects.map { Set($0.map(\.id)) } == [[a1.recordId, b1.recordId]], "the third is outside the period")

            var venueFilter = Self.filter
            venueFilter.venueId = Conformance.venueA
            let narrowed = try await DashboardQueries(store: store, filter: venueFilter, venues: Conformance.venues)
                .places()
            #expect(narrowed.map(\.count) == [1])
            #expect(try await harness.count("SELECT COUNT(*) FROM dashboard_fact") == 5, "every record but the redacted")
        }
    }

    @Test("a sign-in link opens one session, once, within its minute, on any instance", arguments: StoreKind.tested)
    func signIn(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let supervisor = try await Self.enrolSupervisor(store)
            let sessions = DashboardSessions(store: store)
            let now = Date()
            let token = try await sessions.issueSignIn(for: supervisor, reason: "Weekly review", now: now)
            try await harness.reopen { other in
                // Another instance on the same storage redeems it; the first one then refuses it.
                let redeemed = try #require(try await DashboardSessions(store: other).redeem(token, now: now + 5))
                #expect(redeemed.session == DashboardSessions.Session(caller: supervisor, reason: "Weekly review"))
                #expect(try await sessions.session(forToken: redeemed.token, now: now + 10)?.caller == supervisor)
            }
            #expect(try await sessions.redeem(token, now: now + 6) == nil, "used once")

            let late = try await sessions.issueSignIn(for: supervisor, reason: "Late", now: now)
            #expect(try await sessions.redeem(late, now: now + 61) == nil, "good for a minute")
            #expect(try await sessions.redeem(AccessToken.generate(), now: now) == nil)
            #expect(try await sessions.redeem("not-a-token", now: now) == nil)
        }
    }

    @Test("a session ends when signed out, when idle, or when its device is revoked", arguments: StoreKind.tested)
    func sessionEnds(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            let supervisor = try await Self.enrolSupervisor(store)
            let sessions = DashboardSessions(store: store, idleTimeout: 600)
            let now = Date()
            func open() async throws -> String {
                let link = try await sessions.issueSignIn(for: supervisor, reason: "Review", now: now)
                return try #require(try await sessions.redeem(link, now: now)).token
            }
            let signedOut = try await open()
            try await sessions.end(token: signedOut, now: now + 1)
            #expect(try await sessions.session(forToken: signedOut, now: now + 2) == nil)

            let idle = try await open()
            #expect(try await sessions.session(forToken: idle, now: now + 500) != nil, "a view restarts the idle time")
            #expect(try await sessions.session(forToken: idle, now: now + 1000) != nil)
            #expect(try await sessions.session(forToken: idle, now: now + 1700) == nil, "idle too long")

            let revoked = try await open()
            try await store.revokeDevice(id: supervisor.deviceId, by: .console(user: "conformance"), now: now)
            #expect(try await sessions.session(forToken: revoked, now: now + 3) == nil)
        }
    }

    @Test("venue staff and officers get no session", arguments: StoreKind.tested)
    func othersRefused(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await Conformance.saveVenues(store)
            let console = Caller.console(user: "conformance")
            for (user, device) in [
                (UserAccount(id: "SIA-1012-0001", role: .venueStaff, venueIds: [Conformance.venueA]), "dev-staff"),
                (UserAccount(id: "PC-4127", role: .officer), "dev-officer"),
            ] {
                try await store.addUser(user, by: console, now: Date())
                let enrolment = try await store.enrolDevice(id: device, userId: user.id, by: console, now: Date())
                let caller = try #require(try await store.redeemEnrolment(token: enrolment, now: Date()))
                let link = try await DashboardSessions(store: store).issueSignIn(
                    for: Caller(userId: caller.userId, deviceId: caller.deviceId, role: caller.role),
                    reason: "Curious",
                    now: Date()
                )
                #expect(try await DashboardSessions(store: store).redeem(link, now: Date()) == nil)
            }
        }
    }

    /// A supervisor with an enrolled device.
    static func enrolSupervisor(_ store: any CentralStore) async throws -> Caller {
        let console = Caller.console(user: "conformance")
        try await store.addUser(UserAccount(id: "PS-2201", role: .supervisor), by: console, now: Date())
        let enrolment = try await store.enrolDevice(id: "dev-conf-sup", userId: "PS-2201", by: console, now: Date())
        _ = try #require(try await store.redeemEnrolment(token: enrolment, now: Date()))
        return Caller(userId: "PS-2201", deviceId: "dev-conf-sup", role: .supervisor)
    }
}
