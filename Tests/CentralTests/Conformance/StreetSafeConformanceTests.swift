import Central
import Foundation
import Models
import Testing

/// StreetSafe reports: the same test code against every central store.
@Suite("Conformance: StreetSafe reports")
struct StreetSafeConformanceTests {
    static let reports = [
        StreetSafeReport(
            coarsening: Date(timeIntervalSince1970: 1_795_300_000),
            latitude: 53.40341,
            longitude: -2.98012,
            reasons: [.verbalHarassment, .poorLighting, .poorLighting]
        ),
        StreetSafeReport(
            coarsening: Date(timeIntervalSince1970: 1_795_200_000),
            latitude: 53.6469,
            longitude: -3.0058,
            reasons: [.beingFollowed]
        ),
    ]

    @Test("an import is stored whole, coarsened, oldest first, with one audit entry", arguments: StoreKind.tested)
    func importIsStoredAndAudited(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await store.importStreetSafe(Self.reports, by: Conformance.admin, now: Date())
            let stored = try await store.streetSafeReports()
            #expect(stored == Self.reports.sorted { $0.reportedAt < $1.reportedAt })
            #expect(stored.last?.reasons == [.poorLighting, .verbalHarassment])
            let entries = try await store.auditEntries(matching: AuditFilter()).filter {
                $0.action == .streetSafeImported
            }
            #expect(entries.count == 1)
            #expect(entries.first?.count == 2 && entries.first?.actor == Conformance.admin.userId)
            #expect(entries.first?.recordIds == [])
        }
    }

    @Test("only an administrator may import; anyone else stores nothing", arguments: StoreKind.tested)
    func onlyAdministrators(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            for role in [Role.officer, .supervisor, .venueStaff] {
                let caller = Caller(userId: "U-1", deviceId: "dev-conf-u1", role: role)
                let refused = await #expect(throws: AccountError.self) {
                    try await store.importStreetSafe(Self.reports, by: caller, now: Date())
                }
                #expect(refused?.kind == .forbidden, "\(role)")
            }
            let stored = try await store.streetSafeReports()
            #expect(stored.isEmpty)
            let entries = try await store.auditEntries(matching: AuditFilter())
            #expect(entries.allSatisfy { $0.action != .streetSafeImported })
        }
    }
}
