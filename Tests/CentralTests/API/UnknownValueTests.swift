import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Testing

/// A valid document with a value outside an enumeration is 400 `unknown-value` naming the field, the value and
/// the values allowed (issue 16), whichever endpoint takes it; nothing is stored.
@Suite("Unknown values")
struct UnknownValueTests {
    /// A push whose JSON has `original` replaced by `replacement`, with the operations it is made of.
    static func push(_ operations: [LogOperation], replacing original: String, with replacement: String) throws -> Data
    {
        let text = String(
            decoding: try WireCoding.encode(PushRequest(deviceId: Fixture.deviceId, operations: operations)),
            as: UTF8.self
        )
        try #require(text.contains(original), "\(original) is not in \(text)")
        return Data(text.replacingOccurrences(of: original, with: replacement).utf8)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var operation: @Sendable () -> LogOperation
        var original: String
        var replacement: String
        var field: String
        var allowed: [String]
        var testDescription: String { field }
    }

    static let cases: [Case] = [
        Case(
            operation: Fixture.createSighting,
            original: #""riskLevel":"medium""#,
            replacement: #""riskLevel":"extreme""#,
            field: "operations[0].payload.riskLevel",
            allowed: RiskLevel.allCases.map(\.rawValue)
        ),
        Case(
            operation: Fixture.createSighting,
            original: #""kind":"create-sighting""#,
            replacement: #""kind":"create-rumour""#,
            field: "operations[0].kind",
            allowed: OperationKind.allCases.map(\.rawValue)
        ),
        Case(
            operation: { Fixture.create(Fixture.intervention()) },
            original: #""actions":["engagement"]"#,
            replacement: #""actions":["engagement","arrest-on-sight"]"#,
            field: "operations[0].payload.actions[1]",
            allowed: InterventionAction.allCases.map(\.rawValue)
        ),
        Case(
            operation: { Fixture.create(Fixture.intervention()) },
            original: #""outcome":"advice-given""#,
            replacement: #""outcome":"went-home""#,
            field: "operations[0].payload.outcome",
            allowed: Outcome.allCases.map(\.rawValue)
        ),
        Case(
            operation: { Fixture.amend(UUID()) },
            original: #""field":"risk-level""#,
            replacement: #""field":"mood""#,
            field: "operations[0].payload.field",
            allowed: AmendableField.allCases.map(\.rawValue)
        ),
        Case(
            operation: {
                LogOperation(
                    deviceId: Fixture.deviceId,
                    author: Fixture.author,
                    hlc: Fixture.stamp(),
                    recordId: UUID(),
                    payload: .redact(Redaction(reason: .recordedInError, explanation: "Wrong incident"))
                )
            },
            original: #""reason":"recorded-in-error""#,
            replacement: #""reason":"boredom""#,
            field: "operations[0].payload.reason",
            allowed: RedactionReason.allCases.map(\.rawValue)
        ),
    ]

    @Test(
        "a pushed operation with a value outside its enumeration is unknown-value; nothing is stored",
        arguments: cases
    )
    func pushed(_ bad: Case) async throws {
        try await withRouter { store, client in
            let body = try Self.push([bad.operation()], replacing: bad.original, with: bad.replacement)
            let response = try await client.post("/v1/sync/push", body: body)
            let error = try expectError(response, status: .badRequest, code: "unknown-value")
            #expect(error.message.contains("'\(bad.field)'"), "\(error.message)")
            #expect(error.message.contains("docs/openapi.yaml"))
            #expect(error.allowed == bad.allowed)
            #expect(try await store.operationCount() == 0)
        }
    }

    @Test("the fast operation decoder and JSONDecoder refuse the same unknown value, naming the same field")
    func bothDecoders() throws {
        let data = try Self.push(
            [Fixture.createSighting()],
            replacing: #""riskLevel":"medium""#,
            with: #""riskLevel":"extreme""#
        )
        func unknown(_ decode: () throws -> PushRequest) -> UnknownValue? {
            do {
                _ = try decode()
                return nil
            } catch DecodingError.dataCorrupted(let context) {
                return context.underlyingError as? UnknownValue
            } catch {
                return nil
            }
        }
        let fast = unknown { try WireCoding.decodePushRequest(data) }
        let foundation = unknown { try WireCoding.decode(PushRequest.self, from: data) }
        #expect(fast != nil && fast == foundation)
        #expect(fast?.field == "operations[0].payload.riskLevel" && fast?.value == "extreme")
    }

    @Test("a new user with an unknown role is unknown-value, and no user is made")
    func role() async throws {
        try await withRouter { store, client in
            let admin = client.signed(with: try await Accounts.adminToken(store))
            let before = try await store.users().count
            let response = try await admin.post(
                "/v1/admin/users",
                body: Data(#"{"id":"PC-7001","role":"sheriff"}"#.utf8)
            )
            let error = try expectError(response, status: .badRequest, code: "unknown-value")
            #expect(error.message.contains("'role'") && error.message.contains("'sheriff'"))
            #expect(error.allowed == Role.allCases.map(\.rawValue))
            #expect(try await store.users().count == before)
        }
    }

    @Test("a retention decision of an unknown kind is unknown-value")
    func retentionDecision() async throws {
        try await withRouter { store, client in
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let body = #"{"decision":"keep-forever","reason":"Weekly review","recordIds":[]}"#
            let response = try await supervisor.post("/v1/retention/decisions", body: Data(body.utf8))
            let error = try expectError(response, status: .badRequest, code: "unknown-value")
            #expect(error.allowed == RetentionDecisionKind.allCases.map(\.rawValue))
        }
    }

    @Test("a query parameter outside its enumeration is unknown-value with the values allowed")
    func queryParameter() async throws {
        try await withRouter { store, client in
            let supervisor = client.signed(with: try await Accounts.supervisorToken(store))
            let response = try await supervisor.execute(uri: "/v1/records?reason=Review&type=rumour", method: .get)
            let error = try expectError(response, status: .badRequest, code: "unknown-value")
            #expect(error.message.contains("'type'"))
            #expect(error.allowed == RecordType.allCases.map(\.rawValue))
        }
    }
}
