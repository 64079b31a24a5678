import Central
import Foundation
import Models
import Testing

@Suite("Access over real HTTP: the authorisation matrix")
struct AccessAuthorisationMatrixTests {
    @Test(
        "every endpoint × role × venue × token answers as the policy table says, returns exactly the caller's data, and audits exactly what it does"
    )
    func matrix() async throws {
        try await AccessWorld.run { world in
            var log = AccessExpectedLog(world.seed)
            var serial = 0
            for row in AccessPolicy.rows {
                for who in AccessWho.allCases {
                    serial += 1
                    let expected = try #require(row.expected[who], "\(row.endpoint): no expectation for \(who)")
                    let step = AccessMatrixStep(
                        world: world,
                        endpoint: row.endpoint,
                        who: who,
                        expected: expected,
                        serial: serial
                    )
                    try await step.run(log: &log)
                }
            }
            #expect(serial == AccessPolicy.rows.count * AccessWho.allCases.count)
            let verification = try await world.store.verifyAudit()
            #expect(verification.isIntact, "\(verification.problems)")
        }
    }

    @Test("venue staff get exactly their venue's records and operations; police roles everything; admin nothing")
    func exactSets() async throws {
        try await AccessWorld.run { world in
            let seed = world.seed
            let opsAtA = seed.operations.filter { $0.scope == .a }.map(\.opId)
            let opsAtB = seed.operations.filter { $0.scope == .b }.map(\.opId)
            #expect(opsAtA.count == 3 && opsAtB.count == 4)

            // Pull: every kind of operation of the records at the venue (creates, a note, an intervention,
            // amendments) as projected, never the other venue's, and never a register write.
            #expect(try await pulledOpIds(world, .staffA, pageSize: 1000) == opsAtA)
            #expect(try await pulledOpIds(world, .staffB, pageSize: 1000) == opsAtB)
            // Page by page the cursor passes over the other venue's operations and still misses none.
            #expect(try await pulledOpIds(world, .staffA, pageSize: 1) == opsAtA)
            #expect(try await pulledOpIds(world, .staffB, pageSize: 1) == opsAtB)
            let everything = seed.operations.map(\.opId)
            #expect(try await pulledOpIds(world, .officer, pageSize: 1000) == everything)
            #expect(try await pulledOpIds(world, .supervisor, pageSize: 3) == everything)

            // Search and export: exactly the records made at the venue.
            let recordsAtA: Set = [seed.sightingA, seed.noteA, seed.interventionA]
            let recordsAtB: Set = [seed.sightingB, seed.noteB]
            let reason = accessQuery(["reason": "Weekly venue review"])
            for (who, expected) in [(AccessWho.staffA, recordsAtA), (.staffB, recordsAtB)] {
                let search = try await world.http.get("/v1/records" + reason, bearer: world.token(who))
                #expect(Set(try search.decode(RecordList.self).records.map(\.id)) == expected, "\(who)")
                #expect(try search.decode(RecordList.self).records.count == expected.count)
                // Asking for the other venue by name narrows within the scope, never widens it.
                let other = who == .staffA ? AccessVenue.b : .a
                let narrowed = try await world.http.get(
                    "/v1/records" + accessQuery(["reason": "Weekly venue review", "venue": other.id]),
                    bearer: world.token(who)
                )
                let narrowedIds = Set(try narrowed.decode(RecordList.self).records.map(\.id))
                #expect(narrowedIds.isSubset(of: expected), "\(who) asking for \(other)")
                for format in ["json", "csv"] {
                    let export = try await world.http.get(
                        "/v1/records/export"
                            + accessQuery([
                                "reason": "Licensing review", "recipient": "Licensing panel", "format": format,
                            ]),
                        bearer: world.token(who)
                    )
                    try #require(export.status == 200, "\(export)")
                    if format == "json" {
                        #expect(Set(try export.decode(RecordList.self).records.map(\.id)) == expected)
                    } else {
                        let rows = export.text.split(separator: "\r\n").dropFirst()
                        #expect(Set(rows.compactMap { UUID(text: String($0.prefix(36))) }) == expected, "\(export)")
                        #expect(rows.count == expected.count)
                    }
                }
            }
            let all = recordsAtA.union(recordsAtB)
            let supervisorSearch = try await world.http.get("/v1/records" + reason, bearer: world.token(.supervisor))
            #expect(Set(try supervisorSearch.decode(RecordList.self).records.map(\.id)) == all)

            // Show: the other venue's records (and notes on them) are not found, as if they did not exist.
            for id in recordsAtB {
                let reply = try await world.http.get("/v1/records/\(id.text)" + reason, bearer: world.token(.staffA))
                expectAccessError(reply, status: 404, code: "not-found", "venue staff at A showing \(id)")
            }
            for id in recordsAtA {
                let reply = try await world.http.get("/v1/records/\(id.text)" + reason, bearer: world.token(.staffA))
                #expect(try reply.decode(RecordState.self).id == id)
            }
            let missing = try await world.http.get("/v1/records/\(UUID().text)" + reason, bearer: world.token(.staffA))
            expectAccessError(missing, status: 404, code: "not-found", "a record that does not exist")

            // Administrators: no sync, no record reads.
            let admin = world.token(.admin)
            for path in [
                "/v1/sync/pull?after=0", "/v1/records" + reason, "/v1/records/\(seed.sightingA.text)" + reason,
                "/v1/records/export" + accessQuery(["reason": "x", "recipient": "y"]),
            ] {
                expectAccessError(try await world.http.get(path, bearer: admin), status: 403, code: "forbidden", path)
            }
            let adminPush = try await world.http.push(
                [AccessOps.sighting(by: AccessPeople.admin, at: AccessVenue.a.id)],
                deviceId: AccessPeople.admin.deviceId,
                bearer: admin
            )
            expectAccessError(adminPush, status: 403, code: "forbidden", "admin push")
            #expect(try await world.store.operationCount() == seed.operations.count)
        }
    }

    @Test("an enrolment token is exchanged once, over HTTP, for an access token that works; the exchange is audited")
    func enrolment() async throws {
        try await AccessWorld.run { world in
            let issued = try await world.http.post(
                "/v1/admin/devices",
                bearer: world.token(.admin),
                json: NewDevice(deviceId: "dev-staff-a-02", userId: AccessPeople.staffA.userId)
            )
            try #require(issued.status == 201, "\(issued)")
            let enrolmentToken = try issued.decode(IssuedToken.self).token
            #expect(AccessToken.isWellFormed(enrolmentToken))
            // An enrolment token is not an access token.
            let early = try await world.http.get("/v1/venues", bearer: enrolmentToken)
            expectAccessError(early, status: 401, code: "unauthorized", "enrolment token used as access token")
            // The user has a device already: the new one waits for their approval (docs/accounts.md).
            let waiting = try await world.http.send("POST", "/v1/enrol", bearer: enrolmentToken, body: Data("{}".utf8))
            expectAccessError(waiting, status: 409, code: EnrolmentApprovalProtocol.pendingCode, "before approval")
            let approved = try await world.http.send(
                "POST",
                "/v1/device/enrolments/dev-staff-a-02/approve",
                bearer: world.token(.staffA),
                body: nil
            )
            #expect(approved.status == 200, "\(approved)")

            let auditBefore = try await world.store.accessAuditLog()
            let reply = try await world.http.send("POST", "/v1/enrol", bearer: enrolmentToken, body: Data("{}".utf8))
            try #require(reply.status == 201, "\(reply)")
            let enrolment = try reply.decode(Enrolment.self)
            #expect(enrolment.userId == AccessPeople.staffA.userId)
            #expect(enrolment.deviceId == "dev-staff-a-02")
            #expect(enrolment.role == .venueStaff)
            #expect(enrolment.venueIds == [AccessVenue.a.id])
            #expect(AccessToken.isWellFormed(enrolment.token) && enrolment.token != enrolmentToken)
            let added = try await world.store.accessAuditLog().dropFirst(auditBefore.count)
            #expect(added.count == 1)
            if let entry = added.first {
                var caller = AccessPeople.staffA
                caller.deviceId = "dev-staff-a-02"
                AccessAuditExpectation(action: .enrolmentRedeemed, caller: caller, subject: "dev-staff-a-02")
                    .check(entry, "enrolment")
            }

            let pulled = try await world.http.get("/v1/sync/pull?after=0", bearer: enrolment.token)
            #expect(pulled.status == 200, "\(pulled)")
            // Once only: the same enrolment token again is refused, and changes nothing.
            let snapshot = try await AccessSnapshot.take(world.store)
            let again = try await world.http.send("POST", "/v1/enrol", bearer: enrolmentToken, body: Data("{}".utf8))
            expectAccessError(again, status: 401, code: "unauthorized", "enrolment token reused")
            #expect(try await AccessSnapshot.take(world.store) == snapshot)
        }
    }

    /// Every operation id `who` pulls from the start, page by page.
    private func pulledOpIds(_ world: AccessWorld, _ who: AccessWho, pageSize: Int) async throws -> [UUID] {
        var cursor: Int64 = 0
        var ids: [UUID] = []
        for _ in 0..<100 {
            let reply = try await world.http.get(
                "/v1/sync/pull?after=\(cursor)&limit=\(pageSize)",
                bearer: world.token(who)
            )
            try #require(reply.status == 200, "\(who): \(reply)")
            let page = try reply.decode(PullResponse.self)
            #expect(page.operations.count <= pageSize)
            #expect(page.cursor >= cursor)
            ids += page.operations.map(\.operation.opId)
            cursor = page.cursor
            if !page.hasMore { return ids }
        }
        Issue.record("\(who): the pull did not end")
        return ids
    }
}

/// What the server should hold as the matrix runs: every stored operation with its record's scope venue.
struct AccessExpectedLog: Sendable {
    private(set) var operations: [(opId: UUID, recordId: UUID, scope: AccessVenue?)]
    private(set) var records: [UUID: AccessVenue]

    init(_ seed: AccessSeed) {
        operations = seed.operations
        records = seed.records
    }

    mutating func stored(_ operation: LogOperation, at venue: AccessVenue) {
        operations.append((operation.opId, operation.recordId, venue))
        records[operation.recordId] = venue
    }

    /// Whether `who` may see what was made at `venue`.
    static func sees(_ who: AccessWho, _ venue: AccessVenue?) -> Bool {
        switch who {
        case .officer, .supervisor: true
        case .staffA: venue == .a
        case .staffB: venue == .b
        default: false
        }
    }

    func operationIds(visibleTo who: AccessWho) -> [UUID] {
        operations.filter { Self.sees(who, $0.scope) }.map(\.opId)
    }

    func recordIds(visibleTo who: AccessWho) -> Set<UUID> {
        Set(records.filter { Self.sees(who, $0.value) }.keys)
    }
}

/// One request of the matrix: prepared, sent, and checked for its answer, its data, its effect on the store and
/// its audit entry.
struct AccessMatrixStep {
    let world: AccessWorld
    let endpoint: AccessEndpoint
    let who: AccessWho
    let expected: AccessOutcome
    /// A number unique to the step, for the ids it creates.
    let serial: Int

    static let reason = "Reviewing the weekend's reports"
    static let recipient = "Licensing panel, case LIC-7781"

    private var context: String { "\(endpoint) as \(who) (expected \(expected))" }
    private var caller: Caller { world.caller(who) }

    /// A request ready to send, and what it carries that the checks need.
    struct Request {
        var method = "GET"
        var path: String
        var body: Data?
        var pushed: LogOperation?
        var pushedAt: AccessVenue?
        /// The venue, user or device an administrative request names.
        var subject: String?
        /// The access token of the device a revoke or rotation targets.
        var targetToken: String?
    }

    func run(log: inout AccessExpectedLog) async throws {
        let request = try await prepare()
        let before = try await AccessSnapshot.take(world.store)
        let auditBefore = try await world.store.accessAuditLog()
        let reply = try await world.http.send(
            request.method,
            request.path,
            bearer: world.token(who),
            body: request.body
        )
        var expectedEntry: AccessAuditExpectation?
        switch expected {
        case .refused(let status, let code):
            expectAccessError(reply, status: status, code: code, context)
            #expect(
                try await AccessSnapshot.take(world.store) == before,
                "\(context): a refused request changed the store"
            )
        case .rejected(let code):
            #expect(reply.status == 200, "\(context): \(reply)")
            let answer = try reply.decode(PushResponse.self)
            let opId = try #require(request.pushed).opId
            #expect(answer.accepted.isEmpty, "\(context)")
            #expect(answer.rejected.map(\.opId) == [opId], "\(context)")
            #expect(answer.rejected.map(\.code) == [code], "\(context)")
            #expect(try await AccessSnapshot.take(world.store) == before, "\(context): a rejected operation was stored")
        case .ok, .created, .stored:
            #expect(reply.status == (expected == .created ? 201 : 200), "\(context): \(reply)")
            if reply.status < 300 {
                expectedEntry = try await checkEffect(reply, request, before: before, auditBefore: auditBefore, &log)
            }
        }
        var added = Array(try await world.store.accessAuditLog().dropFirst(auditBefore.count))
        // The rotated token is tried on the venue list (`checkEffect`): that read is logged too, as the target
        // device's, after the request's own entry.
        if case .adminRotateToken = endpoint, added.count == 2, added[1].action == .venuesRead,
            added[1].deviceId != world.caller(who).deviceId
        {
            added.removeLast()
        }
        #expect(
            added.count == (expectedEntry == nil ? 0 : 1),
            "\(context): audit entries added: \(added.map(\.action.rawValue))"
        )
        if let expectedEntry, let entry = added.first {
            expectedEntry.check(entry, context)
            #expect(entry.seq == (auditBefore.last?.seq ?? 0) + 1, "\(context)")
        }
        // A refused revoke or rotation leaves the target's token working.
        if case .refused = expected, let target = request.targetToken {
            let check = try await world.http.get("/v1/venues", bearer: target)
            #expect(check.status == 200, "\(context): the target's token stopped working: \(check)")
        }
    }

    private func prepare() async throws -> Request {
        let reasonQuery = accessQuery(["reason": Self.reason])
        switch endpoint {
        case .health:
            return Request(path: "/v1/health")
        case .enrol:
            return Request(method: "POST", path: "/v1/enrol", body: Data("{}".utf8))
        case .push(let venue):
            let operation = AccessOps.sighting(
                by: caller,
                at: venue.id,
                narrative: "Matrix step \(serial) by \(caller.userId)"
            )
            return Request(
                method: "POST",
                path: "/v1/sync/push",
                body: try WireCoding.encode(PushRequest(deviceId: caller.deviceId, operations: [operation])),
                pushed: operation,
                pushedAt: venue
            )
        case .pull:
            return Request(path: "/v1/sync/pull?after=0")
        case .venues:
            return Request(path: "/v1/venues")
        case .search:
            return Request(path: "/v1/records" + reasonQuery)
        case .show(let record):
            return Request(path: "/v1/records/\(record.id(in: world.seed).text)" + reasonQuery)
        case .export:
            return Request(
                path: "/v1/records/export"
                    + accessQuery(["reason": Self.reason, "recipient": Self.recipient, "format": "json"])
            )
        case .adminListVenues:
            return Request(path: "/v1/admin/venues")
        case .adminSaveVenue:
            let venue = Self.venue(serial)
            return Request(
                method: "POST",
                path: "/v1/admin/venues",
                body: try WireCoding.encode(venue),
                subject: venue.id
            )
        case .adminListUsers:
            return Request(path: "/v1/admin/users")
        case .adminAddUser:
            let user = NewUser(id: "PC-\(7000 + serial)", role: .officer)
            return Request(method: "POST", path: "/v1/admin/users", body: try WireCoding.encode(user), subject: user.id)
        case .adminListDevices:
            return Request(path: "/v1/admin/devices")
        case .adminEnrolDevice:
            let device = NewDevice(deviceId: "dev-matrix-\(serial)", userId: AccessPeople.officer.userId)
            return Request(
                method: "POST",
                path: "/v1/admin/devices",
                body: try WireCoding.encode(device),
                subject: device.deviceId
            )
        case .confirmWipe:
            return Request(method: "POST", path: "/v1/device/wiped")
        case .adminRevokeDevice, .adminOrderWipe, .adminRotateToken:
            let target = "dev-target-\(serial)"
            let token = try await world.store.provisionDevice(
                target,
                for: UserAccount(id: AccessPeople.officer.userId, role: .officer),
                by: .console(user: "access-tests")
            )
            let action =
                switch endpoint {
                case .adminRevokeDevice: "revoke"
                case .adminOrderWipe: "wipe"
                default: "token"
                }
            return Request(
                method: "POST",
                path: "/v1/admin/devices/\(target)/\(action)",
                body: Data("{}".utf8),
                subject: target,
                targetToken: token
            )
        case .pendingEnrolments:
            return Request(path: "/v1/device/enrolments")
        case .approveEnrolment:
            // The officer has a device, so a new one waits for approval.
            let target = "dev-approve-\(serial)"
            _ = try await world.store.enrolDevice(
                id: target,
                userId: AccessPeople.officer.userId,
                by: .console(user: "access-tests"),
                now: Date()
            )
            return Request(
                method: "POST",
                path: "/v1/device/enrolments/\(target)/approve",
                body: Data("{}".utf8),
                subject: target
            )
        case .adminAudit:
            return Request(path: "/v1/admin/audit")
        case .adminAuditVerify:
            return Request(path: "/v1/admin/audit/verify")
        }
    }

    /// Checks what a successful request returned and did; returns the audit entry it must have added, if any.
    private func checkEffect(
        _ reply: AccessReply,
        _ request: Request,
        before: AccessSnapshot,
        auditBefore: [AuditEntry],
        _ log: inout AccessExpectedLog
    ) async throws -> AccessAuditExpectation? {
        let store = world.store
        switch endpoint {
        case .health:
            #expect(try reply.decode(HealthResponse.self) == HealthResponse(), "\(context)")
            return nil
        case .enrol:
            Issue.record("\(context): enrolment with an access token succeeded")
            return nil
        case .push:
            let operation = try #require(request.pushed)
            let answer = try reply.decode(PushResponse.self)
            #expect(answer.accepted == [operation.opId], "\(context): \(answer.rejected)")
            #expect(answer.rejected.isEmpty, "\(context)")
            #expect(try await store.operationCount() == before.operationCount + 1, "\(context)")
            #expect(try await store.record(id: operation.recordId) != nil, "\(context)")
            log.stored(operation, at: try #require(request.pushedAt))
            return AccessAuditExpectation(action: .push, caller: caller, recordIds: [operation.recordId], count: 1)
        case .pull:
            let page = try reply.decode(PullResponse.self)
            let expectedIds = log.operationIds(visibleTo: who)
            #expect(page.operations.map(\.operation.opId) == expectedIds, "\(context)")
            #expect(page.operations.map(\.seq) == page.operations.map(\.seq).sorted(), "\(context)")
            #expect(page.hasMore == false, "\(context)")
            #expect(page.cursor == Int64(before.operationCount), "\(context): the cursor is the last position examined")
            let scope =
                caller.role == .venueStaff ? "venues " + caller.venueIds.sorted().joined(separator: ", ") : "all venues"
            return AccessAuditExpectation(
                action: .pull,
                caller: caller,
                recordIds: Set(page.operations.map(\.operation.recordId)),
                scope: scope,
                count: expectedIds.count
            )
        case .venues:
            #expect(try reply.decode(VenueList.self).venues.map(\.id) == before.venueIds, "\(context)")
            return AccessAuditExpectation(action: .venuesRead, caller: caller, count: before.venueIds.count)
        case .search, .export:
            let records = try reply.decode(RecordList.self).records
            let expectedIds = log.recordIds(visibleTo: who)
            #expect(Set(records.map(\.id)) == expectedIds, "\(context)")
            #expect(records.count == expectedIds.count, "\(context)")
            var scope =
                caller.role == .venueStaff
                ? "made at " + caller.venueIds.sorted().joined(separator: ", ") : "all records"
            var recipient: String?
            var action = AuditEntry.Action.search
            if case .export = endpoint {
                scope += ", as json"
                recipient = Self.recipient
                action = .export
            }
            return AccessAuditExpectation(
                action: action,
                caller: caller,
                recordIds: expectedIds,
                scope: scope,
                count: expectedIds.count,
                reason: Self.reason,
                recipient: recipient
            )
        case .show(let record):
            let id = record.id(in: world.seed)
            #expect(try reply.decode(RecordState.self).id == id, "\(context)")
            // As projected for the caller (docs/access.md): whole for a supervisor.
            let projected = try await store.records(matching: RecordFilter(recordId: id), for: caller).first
            #expect(try reply.decode(RecordState.self) == projected, "\(context)")
            return AccessAuditExpectation(action: .show, caller: caller, recordIds: [id], count: 1, reason: Self.reason)
        case .adminListVenues:
            #expect(try reply.decode(VenueList.self).venues.map(\.id) == before.venueIds, "\(context)")
            return AccessAuditExpectation(action: .venuesRead, caller: caller, count: before.venueIds.count)
        case .adminSaveVenue:
            let venue = Self.venue(serial)
            #expect(try reply.decode(Venue.self) == venue, "\(context)")
            #expect(try await store.venues().contains(venue), "\(context)")
            return AccessAuditExpectation(action: .venueSaved, caller: caller, subject: venue.id)
        case .adminListUsers:
            #expect(try reply.decode(UserList.self).users.map(\.id) == before.userIds, "\(context)")
            return AccessAuditExpectation(action: .usersRead, caller: caller, count: before.userIds.count)
        case .adminAddUser:
            let subject = try #require(request.subject)
            #expect(try reply.decode(UserAccount.self).id == subject, "\(context)")
            #expect(try await store.users().first { $0.id == subject }?.role == .officer, "\(context)")
            return AccessAuditExpectation(action: .userAdded, caller: caller, subject: subject)
        case .adminListDevices:
            let listed = try reply.decode(DeviceList.self).devices
            #expect(listed == (try await store.devices()), "\(context)")
            return AccessAuditExpectation(action: .devicesRead, caller: caller, count: listed.count)
        case .adminEnrolDevice:
            let subject = try #require(request.subject)
            let issued = try reply.decode(IssuedToken.self)
            #expect(issued.deviceId == subject && AccessToken.isWellFormed(issued.token), "\(context)")
            #expect(try await store.devices().contains { $0.id == subject && $0.revokedAt == nil }, "\(context)")
            return AccessAuditExpectation(action: .enrol, caller: caller, subject: subject)
        case .adminRevokeDevice:
            let subject = try #require(request.subject)
            let revoked = try reply.decode(RevokedDevice.self)
            #expect(revoked.deviceId == subject && revoked.revoked, "\(context)")
            #expect(try await store.devices().contains { $0.id == subject && $0.revokedAt != nil }, "\(context)")
            let old = try await world.http.get("/v1/venues", bearer: request.targetToken)
            expectAccessError(old, status: 401, code: "unauthorized", "\(context): the revoked device's token")
            return AccessAuditExpectation(action: .revoke, caller: caller, subject: subject)
        case .adminOrderWipe:
            let subject = try #require(request.subject)
            let ordered = try reply.decode(OrderedWipe.self)
            #expect(ordered.deviceId == subject && ordered.revoked && ordered.wipe.state == .ordered, "\(context)")
            #expect(try await store.devices().contains { $0.id == subject && $0.wipe?.state == .ordered }, "\(context)")
            // Not tried with the target's token here: that contact is audited (delivered), one entry more than
            // the request's own; the conformance suite and the end-to-end tests follow the wipe from here.
            return AccessAuditExpectation(action: .wipeOrdered, caller: caller, subject: subject)
        case .confirmWipe:
            Issue.record("\(context): a wipe was confirmed with a token no wipe was ordered for")
            return nil
        case .adminRotateToken:
            let subject = try #require(request.subject)
            let issued = try reply.decode(IssuedToken.self)
            #expect(issued.deviceId == subject && AccessToken.isWellFormed(issued.token), "\(context)")
            #expect(issued.token != request.targetToken, "\(context)")
            let old = try await world.http.get("/v1/venues", bearer: request.targetToken)
            expectAccessError(old, status: 401, code: "unauthorized", "\(context): the token replaced by rotation")
            let new = try await world.http.get("/v1/venues", bearer: issued.token)
            #expect(new.status == 200, "\(context): the rotated token: \(new)")
            return AccessAuditExpectation(action: .rotate, caller: caller, subject: subject)
        case .pendingEnrolments:
            let listed = try reply.decode(DeviceList.self).devices
            let waiting = try await store.devices().filter(\.isPendingApproval)
            let expected: [DeviceAccount] =
                switch caller.role {
                case .admin: []
                case .supervisor: waiting
                case .officer, .venueStaff: waiting.filter { $0.userId == caller.userId }
                }
            #expect(listed == expected, "\(context)")
            return AccessAuditExpectation(
                action: .devicesRead,
                caller: caller,
                scope: "waiting for approval",
                count: expected.count
            )
        case .approveEnrolment:
            let subject = try #require(request.subject)
            let approved = try reply.decode(DeviceAccount.self)
            #expect(approved.id == subject && approved.approval?.state == .approved, "\(context)")
            #expect(approved.approval?.approvedBy == caller.userId, "\(context)")
            #expect(approved.approval?.approvedByDevice == caller.deviceId, "\(context)")
            #expect(try await store.devices().first { $0.id == subject } == approved, "\(context)")
            return AccessAuditExpectation(action: .enrolmentApproved, caller: caller, subject: subject)
        case .adminAudit:
            // The entries as recorded: the sealer gives them leaf indexes on its own clock (every 500 ms), so one
            // may have been sealed between the read above and this request.
            let unsealed = { (entries: [AuditEntry]) in
                entries.map {
                    var entry = $0
                    entry.leafIndex = nil
                    return entry
                }
            }
            #expect(unsealed(try reply.decode(AuditList.self).entries) == unsealed(auditBefore), "\(context)")
            return AccessAuditExpectation(
                action: .auditRead,
                caller: caller,
                scope: "all entries",
                count: auditBefore.count
            )
        case .adminAuditVerify:
            let verification = try reply.decode(AuditVerification.self)
            #expect(verification.isIntact, "\(context): \(verification.problems)")
            #expect(
                verification.entriesChecked + verification.entriesUnsealed >= auditBefore.count,
                "\(context): every entry is sealed or waiting for the sealer"
            )
            return AccessAuditExpectation(
                action: .auditVerified,
                caller: caller,
                scope: "intact",
                count: verification.entriesChecked
            )
        }
    }

    static func venue(_ serial: Int) -> Venue {
        Venue(
            id: "venue-matrix-\(serial)",
            name: "Matrix Venue \(serial)",
            licenceNumber: "LIC-9\(serial)",
            area: "Liverpool city centre",
            address: "\(serial) Wood Street, Liverpool",
            latitude: 53.40,
            longitude: -2.98
        )
    }
}
