import Central
import Foundation
import Models
import Testing

@Suite("Access over real HTTP: who a push may speak for, and what each role may push")
struct AccessPushIdentityTests {
    @Test("a push made as another device or user is refused whole: 403 identity-mismatch, nothing stored or audited")
    func spoofing() async throws {
        try await AccessWorld.run { world in
            let officer = AccessPeople.officer
            var otherDevice = officer
            otherDevice.deviceId = AccessPeople.staffA.deviceId
            var otherUser = officer
            otherUser.userId = AccessPeople.supervisor.userId
            var revokedDevice = AccessPeople.supervisor
            revokedDevice.deviceId = AccessPeople.revokedDevice
            let good = AccessOps.sighting(by: officer, at: AccessVenue.a.id)
            let attempts: [(name: String, bodyDeviceId: String, operations: [LogOperation])] = [
                ("(a) an operation with another device's id", officer.deviceId, [sighting(by: otherDevice)]),
                ("(b) an operation with another user as author", officer.deviceId, [sighting(by: otherUser)]),
                ("(c) the body's device id of another device", AccessPeople.staffA.deviceId, [sighting(by: officer)]),
                (
                    "(d) one good operation and one made as another user", officer.deviceId,
                    [good, sighting(by: otherUser)]
                ),
                (
                    "(d') one good operation and one made as another device", officer.deviceId,
                    [good, sighting(by: otherDevice)]
                ),
                (
                    "(e) an operation as the supervisor's revoked device", officer.deviceId,
                    [sighting(by: revokedDevice)]
                ),
            ]
            for attempt in attempts {
                let before = try await AccessSnapshot.take(world.store)
                let reply = try await world.http.push(
                    attempt.operations,
                    deviceId: attempt.bodyDeviceId,
                    bearer: world.token(.officer)
                )
                expectAccessError(reply, status: 403, code: "identity-mismatch", attempt.name)
                #expect(try await AccessSnapshot.take(world.store) == before, "\(attempt.name): something was stored")
                for operation in attempt.operations {
                    #expect(try await world.store.record(id: operation.recordId) == nil, "\(attempt.name)")
                }
            }
            // The good operation was refused only for its company: alone, it is stored.
            let alone = try await world.http.push([good], deviceId: officer.deviceId, bearer: world.token(.officer))
            #expect(try alone.decode(PushResponse.self).accepted == [good.opId], "\(alone)")
            #expect(try await world.store.operationCount() == world.seed.operations.count + 1)
        }
    }

    @Test("venue staff cannot push as the officer whose record they can see, nor the officer as venue staff")
    func crossRoleSpoofing() async throws {
        try await AccessWorld.run { world in
            // Venue staff at A claim the officer's identity to record a police action at B.
            let asOfficer = AccessOps.intervention(by: AccessPeople.officer, at: AccessVenue.b.id, actions: [.arrest])
            let before = try await AccessSnapshot.take(world.store)
            let staff = try await world.http.push(
                [asOfficer],
                deviceId: AccessPeople.officer.deviceId,
                bearer: world.token(.staffA)
            )
            expectAccessError(staff, status: 403, code: "identity-mismatch", "venue staff as the officer")
            // The officer claims a member of venue staff's identity.
            let asStaff = AccessOps.sighting(by: AccessPeople.staffA, at: AccessVenue.a.id)
            let officer = try await world.http.push(
                [asStaff],
                deviceId: AccessPeople.staffA.deviceId,
                bearer: world.token(.officer)
            )
            expectAccessError(officer, status: 403, code: "identity-mismatch", "the officer as venue staff")
            #expect(try await AccessSnapshot.take(world.store) == before)
        }
    }

    @Test("refused operations come back in PushResponse.rejected with their code, and are neither stored nor audited")
    func permissionRefusals() async throws {
        try await AccessWorld.run { world in
            let seed = world.seed
            let staffA = AccessPeople.staffA
            let staffB = AccessPeople.staffB
            let officer = AccessPeople.officer
            // A venue-action intervention of venue staff at A, to amend below.
            let ejection = AccessOps.intervention(by: staffA, at: AccessVenue.a.id, actions: [.ejection])
            try await expectStored(world, .staffA, [ejection], "venue staff at A: a venue-action intervention")

            let refusals: [(name: String, who: AccessWho, operation: LogOperation, code: String)] = [
                (
                    "venue staff at A: a sighting at B", .staffA,
                    AccessOps.sighting(by: staffA, at: AccessVenue.b.id), "out-of-scope"
                ),
                (
                    "venue staff at B: an intervention at A", .staffB,
                    AccessOps.intervention(by: staffB, at: AccessVenue.a.id, actions: [.ejection]), "out-of-scope"
                ),
                (
                    "venue staff at A: an intervention with a police action", .staffA,
                    AccessOps.intervention(by: staffA, at: AccessVenue.a.id, actions: [.ejection, .arrest]),
                    "police-action"
                ),
                (
                    "venue staff at A: a police action added by amendment", .staffA,
                    AccessOps.amend(by: staffA, ejection.recordId, field: .actions, value: "ejection,stop-and-search"),
                    "police-action"
                ),
                (
                    "venue staff at A: amending the officer's sighting at A", .staffA,
                    AccessOps.amend(by: staffA, seed.sightingA, field: .riskLevel, value: "low"), "not-author"
                ),
                (
                    "venue staff at B: a note on the sighting at A (as if it did not exist)", .staffB,
                    AccessOps.note(by: staffB, on: seed.sightingA), "unknown-record"
                ),
                (
                    "officer: a redaction", .officer,
                    AccessOps.redact(by: officer, seed.sightingA), "supervisor-only"
                ),
                (
                    "officer: a review", .officer,
                    AccessOps.review(by: officer, seed.sightingA, .reviewed), "supervisor-only"
                ),
                (
                    "venue staff at A: a redaction", .staffA,
                    AccessOps.redact(by: staffA, seed.sightingA), "supervisor-only"
                ),
            ]
            for refusal in refusals {
                let before = try await AccessSnapshot.take(world.store)
                let caller = AccessPeople.caller(refusal.who)
                let reply = try await world.http.push(
                    [refusal.operation],
                    deviceId: caller.deviceId,
                    bearer: world.token(refusal.who)
                )
                #expect(reply.status == 200, "\(refusal.name): \(reply)")
                let answer = try reply.decode(PushResponse.self)
                #expect(answer.accepted.isEmpty, "\(refusal.name)")
                #expect(answer.rejected.map(\.opId) == [refusal.operation.opId], "\(refusal.name)")
                #expect(answer.rejected.map(\.code) == [refusal.code], "\(refusal.name): \(answer.rejected)")
                #expect(try await AccessSnapshot.take(world.store) == before, "\(refusal.name): stored or audited")
            }
            // What the refused operations would have done did not happen.
            let sightingA = try #require(try await world.store.record(id: seed.sightingA))
            #expect(sightingA.redaction == nil && sightingA.amendments.isEmpty)
            #expect(sightingA.registers.review == .inReview)
        }
    }

    @Test("a batch of allowed and refused operations stores the allowed ones and audits only them")
    func mixedBatch() async throws {
        try await AccessWorld.run { world in
            let staffA = AccessPeople.staffA
            let allowed = AccessOps.sighting(by: staffA, at: AccessVenue.a.id)
            let refused = AccessOps.sighting(by: staffA, at: AccessVenue.b.id)
            let note = AccessOps.note(by: staffA, on: allowed.recordId)
            let auditBefore = try await world.store.accessAuditLog()
            let reply = try await world.http.push(
                [allowed, refused, note],
                deviceId: staffA.deviceId,
                bearer: world.token(.staffA)
            )
            let answer = try reply.decode(PushResponse.self)
            #expect(answer.accepted == [allowed.opId, note.opId])
            #expect(answer.rejected.map(\.opId) == [refused.opId])
            #expect(answer.rejected.map(\.code) == ["out-of-scope"])
            #expect(try await world.store.operationCount() == world.seed.operations.count + 2)
            #expect(try await world.store.record(id: refused.recordId) == nil)
            let added = Array(try await world.store.accessAuditLog().dropFirst(auditBefore.count))
            #expect(added.count == 1)
            if let entry = added.first {
                AccessAuditExpectation(
                    action: .push,
                    caller: staffA,
                    recordIds: [allowed.recordId, note.recordId],
                    count: 2
                ).check(entry, "mixed batch")
            }
            // Pushing the same batch again stores nothing twice and audits nothing new.
            let again = try await world.http.push(
                [allowed, note],
                deviceId: staffA.deviceId,
                bearer: world.token(.staffA)
            )
            #expect(try again.decode(PushResponse.self).accepted == [allowed.opId, note.opId])
            #expect(try await world.store.operationCount() == world.seed.operations.count + 2)
            #expect(try await world.store.accessAuditLog().count == auditBefore.count + 1)
        }
    }

    @Test("a note's scope is its record's: moving the record moves its notes, and the former venue loses both")
    func noteScopeFollowsItsRecord() async throws {
        try await AccessWorld.run { world in
            let seed = world.seed
            let moved = AccessOps.amend(
                by: AccessPeople.supervisor,
                seed.sightingB,
                field: .venue,
                value: AccessVenue.a.id
            )
            try await expectStored(world, .supervisor, [moved], "the supervisor moves the sighting at B to A")

            // Venue staff at A may now add a note to it: it is theirs, with B's note on it.
            let noteByA = AccessOps.note(by: AccessPeople.staffA, on: seed.sightingB)
            try await expectStored(world, .staffA, [noteByA], "venue staff at A: a note on the record moved to A")
            let searched = try await world.store.records(matching: RecordFilter(), for: AccessPeople.staffA)
            #expect(Set([seed.sightingB, seed.noteB, noteByA.recordId]).isSubset(of: Set(searched.map(\.id))))

            // Venue staff at B may not: for them it no longer exists.
            let noteByB = AccessOps.note(by: AccessPeople.staffB, on: seed.sightingB)
            let before = try await AccessSnapshot.take(world.store)
            let reply = try await world.http.push(
                [noteByB],
                deviceId: AccessPeople.staffB.deviceId,
                bearer: world.token(.staffB)
            )
            let answer = try reply.decode(PushResponse.self)
            #expect(answer.accepted.isEmpty, "venue staff at B added a note to a record moved to A")
            #expect(answer.rejected.map(\.code) == ["unknown-record"])
            #expect(try await AccessSnapshot.take(world.store) == before)
            #expect(try await world.store.records(matching: RecordFilter(), for: AccessPeople.staffB).isEmpty)
        }
    }

    @Test("venue staff amend their own records and notes at their venue, and not once a supervisor moved them away")
    func amendWithinScope() async throws {
        try await AccessWorld.run { world in
            let staffA = AccessPeople.staffA
            let sighting = AccessOps.sighting(by: staffA, at: AccessVenue.a.id)
            let note = AccessOps.note(by: staffA, on: sighting.recordId)
            try await expectStored(world, .staffA, [sighting, note], "venue staff at A: a sighting and a note")
            let noteText = AccessOps.amend(
                by: staffA,
                note.recordId,
                field: .text,
                value: "Door staff briefed at 23:10"
            )
            try await expectStored(world, .staffA, [noteText], "venue staff at A: amending their own note")
            let pulledBefore = try await world.http.get("/v1/sync/pull?after=0", bearer: world.token(.staffA))
            let cursor = try pulledBefore.decode(PullResponse.self).cursor

            let moved = AccessOps.amend(
                by: AccessPeople.supervisor,
                sighting.recordId,
                field: .venue,
                value: AccessVenue.b.id
            )
            try await expectStored(world, .supervisor, [moved], "the supervisor moves the sighting to B")
            let risk = AccessOps.amend(by: staffA, sighting.recordId, field: .riskLevel, value: "high")
            let reply = try await world.http.push([risk], deviceId: staffA.deviceId, bearer: world.token(.staffA))
            #expect(try reply.decode(PushResponse.self).rejected.map(\.code) == ["unknown-record"])

            // Withdrawn from A's devices at their next pull; B's now, every operation of it.
            let pulled = try await world.http.get("/v1/sync/pull?after=\(cursor)", bearer: world.token(.staffA))
            #expect(Set(try pulled.decode(PullResponse.self).withdrawn) == [sighting.recordId, note.recordId])
            let pulledByB = try await world.http.get("/v1/sync/pull?after=0", bearer: world.token(.staffB))
            let idsOfB = Set(try pulledByB.decode(PullResponse.self).operations.map(\.operation.opId))
            #expect(Set([sighting, note, noteText, moved].map(\.opId)).isSubset(of: idsOfB))
            #expect(!idsOfB.contains(risk.opId))
        }
    }

    private func sighting(by caller: Caller) -> LogOperation {
        AccessOps.sighting(by: caller, at: AccessVenue.a.id)
    }

    private func expectStored(
        _ world: AccessWorld,
        _ who: AccessWho,
        _ operations: [LogOperation],
        _ name: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let caller = AccessPeople.caller(who)
        let reply = try await world.http.push(operations, deviceId: caller.deviceId, bearer: world.token(who))
        let answer = try reply.decode(PushResponse.self)
        #expect(
            answer.accepted == operations.map(\.opId),
            "\(name): \(answer.rejected)",
            sourceLocation: sourceLocation
        )
    }
}
