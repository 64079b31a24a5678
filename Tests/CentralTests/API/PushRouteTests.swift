import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Testing

@Suite("POST /v1/sync/push")
struct PushRouteTests {
    @Test("stores the operations and answers them accepted")
    func storesAndAccepts() async throws {
        try await withRouter { store, client in
            let operations = [Fixture.createSighting(), Fixture.createSighting()]
            let answer = try await client.pushAccepted(operations)
            #expect(answer.accepted == operations.map(\.opId))
            #expect(answer.rejected.isEmpty)
            #expect(try await store.operationCount() == 2)
            let page = try await store.pull(after: 0, limit: 10, for: Fixture.caller, now: Date())
            #expect(try page.decodedOperations().map(\.operation) == operations)
        }
    }

    @Test("answers a server clock that is not behind the stored operations")
    func serverClockPastStoredOperations() async throws {
        try await withRouter { _, client in
            let operation = Fixture.createSighting()
            let answer = try await client.pushAccepted([operation])
            #expect(answer.serverClock > operation.hlc)
        }
    }

    @Test("the same push sent twice is accepted twice but stored once")
    func repeatedPushStoredOnce() async throws {
        try await withRouter { store, client in
            let operation = Fixture.createSighting()
            let first = try await client.pushAccepted([operation])
            let second = try await client.pushAccepted([operation])
            #expect(first.accepted == [operation.opId])
            #expect(second.accepted == [operation.opId])
            #expect(first.rejected.isEmpty)
            #expect(second.rejected.isEmpty)
            #expect(try await store.operationCount() == 1)
            let page = try await client.pull(after: 0)
            #expect(page.operations.map(\.operation) == [operation])
        }
    }

    // MARK: Per-operation rejections

    /// Pushes one operation after `setup` (pushed by the default officer), as `pusher` (the default officer
    /// when nil), and checks that it alone is refused with `code` and leaves the store as `setup` left it.
    private func expectRejected(
        code: String,
        setup: [LogOperation] = [],
        pusher: (device: String, user: UserAccount)? = nil,
        refused: LogOperation,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await withRouter { store, client in
            if !setup.isEmpty {
                let answer = try await client.pushAccepted(setup)
                try #require(answer.rejected.isEmpty, sourceLocation: sourceLocation)
            }
            var sender = client
            if let pusher {
                sender = client.signed(with: try await Accounts.token(store, device: pusher.device, for: pusher.user))
            }
            let countBefore = try await store.operationCount()
            let recordsBefore = try await store.records(matching: RecordFilter())
            let answer = try await sender.pushAccepted([refused], deviceId: pusher?.device ?? Fixture.deviceId)
            #expect(answer.accepted.isEmpty, sourceLocation: sourceLocation)
            #expect(answer.rejected.map(\.opId) == [refused.opId], sourceLocation: sourceLocation)
            #expect(answer.rejected.first?.code == code, sourceLocation: sourceLocation)
            #expect(answer.rejected.first?.message.isEmpty == false, sourceLocation: sourceLocation)
            #expect(try await store.operationCount() == countBefore, sourceLocation: sourceLocation)
            #expect(
                try await store.records(matching: RecordFilter()) == recordsBefore,
                sourceLocation: sourceLocation
            )
            let page = try await client.pull(after: 0)
            #expect(!page.operations.contains { $0.operation.opId == refused.opId }, sourceLocation: sourceLocation)
        }
    }

    @Test("refuses an amendment of an unknown record (unknown-record)")
    func amendmentOfUnknownRecord() async throws {
        try await expectRejected(code: "unknown-record", refused: Fixture.amend(UUID()))
    }

    @Test("refuses a second create for an existing record id (record-exists)")
    func secondCreate() async throws {
        let sighting = Fixture.sighting()
        try await expectRejected(
            code: "record-exists",
            setup: [Fixture.create(sighting)],
            refused: Fixture.create(sighting, opId: UUID(), hlc: Fixture.stamp(counter: 1))
        )
    }

    @Test("refuses an amendment by another officer than the record's author (not-author)")
    func amendmentByNonAuthor() async throws {
        let sighting = Fixture.sighting()
        let other = (device: Accounts.secondOfficerDevice, user: Accounts.secondOfficer)
        try await expectRejected(
            code: "not-author",
            setup: [Fixture.create(sighting)],
            pusher: other,
            refused: Fixture.amend(sighting.id, deviceId: other.device, author: other.user.id)
        )
    }

    @Test("stores a supervisor's amendment of another officer's record")
    func amendmentBySupervisor() async throws {
        try await withRouter { store, client in
            let sighting = Fixture.sighting()
            _ = try await client.pushAccepted([Fixture.create(sighting)])
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let amend = Fixture.amend(
                sighting.id,
                deviceId: Accounts.supervisorDevice,
                author: Accounts.supervisor.id
            )
            let answer = try await supervisor.pushAccepted([amend], deviceId: Accounts.supervisorDevice)
            #expect(answer.accepted == [amend.opId])
            #expect(answer.rejected.isEmpty)
            let merged = try #require(try await store.record(id: sighting.id))
            #expect(merged.amendments.map(\.stamp.opId) == [amend.opId])
            guard case .sighting(let current) = merged.current else {
                Issue.record("not a sighting")
                return
            }
            #expect(current.riskLevel == .high)
        }
    }

    @Test("refuses an operation stamped far in the future (clock-ahead)")
    func clockAhead() async throws {
        try await expectRejected(
            code: "clock-ahead",
            refused: Fixture.create(Fixture.sighting(), hlc: Fixture.stamp(offset: 60 * 60))
        )
    }

    @Test("refuses an invalid sighting (no-behaviour)")
    func invalidSighting() async throws {
        try await expectRejected(code: "no-behaviour", refused: Fixture.create(Fixture.sighting(behaviours: [])))
    }

    @Test("a batch with one bad operation still stores the good ones")
    func perOperationOutcome() async throws {
        try await withRouter { store, client in
            let good1 = Fixture.createSighting()
            let bad = Fixture.create(Fixture.sighting(behaviours: []))
            let good2 = Fixture.createSighting()
            let answer = try await client.pushAccepted([good1, bad, good2])
            #expect(answer.accepted == [good1.opId, good2.opId])
            #expect(answer.rejected.map(\.opId) == [bad.opId])
            #expect(answer.rejected.map(\.code) == ["no-behaviour"])
            #expect(try await store.operationCount() == 2)
            #expect(try await store.record(id: bad.recordId) == nil)
            let page = try await client.pull(after: 0)
            #expect(page.operations.map(\.operation) == [good1, good2])
        }
    }

    // MARK: Batch-level refusals

    /// Sends a body and checks that the whole push is refused with `status` and `code`, and nothing is stored.
    private func expectBatchRefused(
        status: HTTPResponse.Status = .badRequest,
        code: String,
        _ send: @escaping @Sendable (any TestClientProtocol) async throws -> TestResponse,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await withRouter { store, client in
            let response = try await send(client)
            try expectError(response, status: status, code: code, sourceLocation: sourceLocation)
            #expect(try await store.operationCount() == 0, sourceLocation: sourceLocation)
            #expect(try await store.records(matching: RecordFilter()).isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test("refuses a protocol version after the newest (unsupported-protocol-version)")
    func unsupportedProtocolVersion() async throws {
        try await expectBatchRefused(code: "unsupported-protocol-version") { client in
            try await client.push([Fixture.createSighting()], protocolVersion: WireCoding.protocolVersion + 1)
        }
    }

    @Test("refuses a batch with an operation from another device than the token's (403 identity-mismatch)")
    func deviceMismatch() async throws {
        try await expectBatchRefused(status: .forbidden, code: "identity-mismatch") { client in
            let own = Fixture.createSighting()
            let foreign = Fixture.create(Fixture.sighting(), deviceId: "dev-test-2")
            return try await client.push([own, foreign])
        }
    }

    @Test("refuses a batch with an operation by another author than the token's user (403 identity-mismatch)")
    func authorMismatch() async throws {
        try await expectBatchRefused(status: .forbidden, code: "identity-mismatch") { client in
            let own = Fixture.createSighting()
            let foreign = Fixture.create(Fixture.sighting(reporter: "PC-5310"), author: "PC-5310")
            return try await client.push([own, foreign])
        }
    }

    @Test("refuses a push whose body names another device than the token's (403 identity-mismatch)")
    func bodyDeviceMismatch() async throws {
        try await expectBatchRefused(status: .forbidden, code: "identity-mismatch") { client in
            try await client.push([Fixture.createSighting()], deviceId: "dev-test-2")
        }
    }

    @Test("refuses the same operation twice in one push (repeated-operation)")
    func repeatedOperation() async throws {
        try await expectBatchRefused(code: "repeated-operation") { client in
            let operation = Fixture.createSighting()
            return try await client.push([operation, Fixture.createSighting(), operation])
        }
    }

    @Test("refuses more than 5000 operations (too-many-operations)")
    func tooManyOperations() async throws {
        try await expectBatchRefused(code: "too-many-operations") { client in
            let operations = (0...ProtocolLimits.maxOperationsPerPush).map { _ in Fixture.createSighting() }
            #expect(operations.count == 5001)
            return try await client.push(operations)
        }
    }

    @Test("accepts exactly 5000 operations")
    func fiveThousandOperations() async throws {
        try await withRouter { store, client in
            let operations = (0..<ProtocolLimits.maxOperationsPerPush).map { _ in Fixture.createSighting() }
            let answer = try await client.pushAccepted(operations)
            #expect(answer.accepted.count == 5000)
            #expect(answer.rejected.isEmpty)
            #expect(try await store.operationCount() == 5000)
        }
    }
}
