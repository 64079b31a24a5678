import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Testing

/// Retention review is the supervisors' alone: officers, venue staff and administrators are refused, and a refused
/// decision disposes of nothing.
@Suite("Retention review: who may")
struct RetentionRouteAccessTests {
    @Test("officers, venue staff and administrators are refused the queue and decisions; nothing is disposed of")
    func othersRefused() async throws {
        try await withRouter { store, officer in
            let sighting = Fixture.createSighting()
            _ = try await officer.pushAccepted([sighting])
            let staff = officer.signed(with: try await Accounts.staffToken(store))
            let admin = officer.signed(with: try await Accounts.adminToken(store))
            let decision = try WireCoding.encode(
                RetentionDecisionRequest(decision: .dispose, reason: "Not needed", recordIds: [sighting.recordId])
            )
            for client in [officer, staff, admin] {
                try expectError(
                    try await client.execute(uri: "/v1/retention/due", method: .get),
                    status: .forbidden,
                    code: "forbidden"
                )
                try expectError(
                    try await client.post("/v1/retention/decisions", body: decision),
                    status: .forbidden,
                    code: "forbidden"
                )
            }
            let supervisor = officer.signed(with: try await Accounts.supervisorToken(store))
            #expect(try await supervisor.execute(uri: "/v1/retention/due", method: .get).status == .ok)
            let page = try await supervisor.pull(after: 0)
            #expect(page.operations.allSatisfy { $0.operation.kind != .redact }, "nothing was disposed of")
        }
    }
}
