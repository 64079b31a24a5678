import Foundation
import Models
import Testing

@testable import Central

/// A pull may leave out the operations of the caller's own device (`omitOwn`): the cursor moves past them, the
/// scan is bounded, and every other device's operation still comes, the same user's other devices included.
@Suite("Conformance: pulls that leave out the caller's own operations")
struct OwnOperationsConformanceTests {
    /// The officer's second device: the same user, another device id.
    static let officerOtherDevice = Caller(
        userId: Conformance.officer.userId,
        deviceId: "dev-conf-officer-b",
        role: .officer
    )

    /// Every page after `cursor` for `caller`, leaving out its own operations or not.
    static func pages(
        _ store: any CentralStore,
        as caller: Caller,
        omittingOwn: Bool,
        limit: Int
    ) async throws -> [PullPage] {
        var pages: [PullPage] = []
        var cursor: Int64 = 0
        repeat {
            let page = try await store.pull(
                after: cursor,
                limit: limit,
                omittingOwn: omittingOwn,
                for: caller,
                now: Date()
            )
            #expect(page.cursor > cursor || !page.hasMore, "a page that says more waits moves the cursor")
            pages.append(page)
            cursor = page.cursor
        } while pages.last!.hasMore && pages.count < 1_000
        return pages
    }

    @Test(
        "leaving out its own: every other device's operation comes, in order, none of the caller's, and the cursor ends at the end",
        arguments: StoreKind.tested
    )
    func othersComeOwnDoNot(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await Conformance.saveVenues(store)
            let authors = [Conformance.officer, Conformance.secondOfficer, Self.officerOtherDevice]
            // Runs of each author's operations of different lengths, so pages start and end inside own runs.
            for (index, length) in [3, 1, 4, 1, 5, 9, 2, 6].enumerated() {
                let author = authors[index % authors.count]
                _ = try await store.push(
                    (0..<length).map { _ in Conformance.sighting(by: author) },
                    by: author,
                    now: Date()
                )
            }
            let everything = try await Conformance.pullAll(store, as: Conformance.supervisor)
            #expect(everything.operations.count == 31)

            for caller in authors {
                let expected = everything.operations.filter { $0.operation.deviceId != caller.deviceId }
                for limit in [1, 2, 3, 1000] {
                    let pages = try await Self.pages(store, as: caller, omittingOwn: true, limit: limit)
                    let sent = try pages.flatMap { try $0.decodedOperations() }
                    #expect(sent.map(\.operation.opId) == expected.map(\.operation.opId), "\(caller.deviceId) \(limit)")
                    #expect(sent.map(\.seq) == expected.map(\.seq), "sent under their own positions")
                    #expect(pages.last?.cursor == everything.cursor, "\(caller.deviceId) \(limit): to the end")
                    #expect(pages.allSatisfy { $0.operations.count <= limit })
                }
                // Not asked: everything, as before.
                let whole = try await Self.pages(store, as: caller, omittingOwn: false, limit: 7)
                #expect(
                    try whole.flatMap { try $0.decodedOperations() }.map(\.operation.opId)
                        == everything.operations.map(\.operation.opId)
                )
            }
        }
    }

    @Test(
        "a run of own operations longer than a scan is passed over in bounded pages that send nothing and move on",
        arguments: StoreKind.tested
    )
    func longOwnRunIsBounded(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await Conformance.saveVenues(store)
            let own = PullAssembly.maxExamined + 7
            for start in stride(from: 0, to: own, by: 1_000) {
                _ = try await store.push(
                    (start..<min(start + 1_000, own)).map { _ in Conformance.sighting() },
                    by: Conformance.officer,
                    now: Date()
                )
            }
            let other = Conformance.sighting(by: Conformance.secondOfficer)
            _ = try await store.push([other], by: Conformance.secondOfficer, now: Date())
            let positions = try await Conformance.pullAll(store, as: Conformance.supervisor).operations.map(\.seq)

            let first = try await store.pull(
                after: 0,
                limit: 1000,
                omittingOwn: true,
                for: Conformance.officer,
                now: Date()
            )
            #expect(first.operations.isEmpty)
            #expect(first.hasMore)
            #expect(first.cursor == positions[PullAssembly.maxExamined - 1], "at most maxExamined positions a page")
            let second = try await store.pull(
                after: first.cursor,
                limit: 1000,
                omittingOwn: true,
                for: Conformance.officer,
                now: Date()
            )
            #expect(try second.decodedOperations().map(\.operation.opId) == [other.opId])
            #expect(!second.hasMore)
            #expect(second.cursor == positions.last)
            // The audit entries disclose exactly what was sent: nothing, then the one operation.
            let entries = try await store.auditEntries(matching: AuditFilter(actor: Conformance.officer.userId))
                .filter { $0.action == .pull }
            #expect(entries.map(\.count) == [0, 1])
        }
    }
}
