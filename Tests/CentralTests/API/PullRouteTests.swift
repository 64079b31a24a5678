import Central
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Testing

@Suite("GET /v1/sync/pull")
struct PullRouteTests {
    @Test("pages through 25 operations 10 at a time, then answers empty at the end")
    func pages() async throws {
        try await withRouter { _, client in
            let pushed = (0..<25).map { _ in Fixture.createSighting() }
            _ = try await client.pushAccepted(pushed)

            var cursor: Int64 = 0
            var pulled: [SequencedOperation] = []
            for expectedCount in [10, 10, 5] {
                let page = try await client.pull(after: cursor, limit: 10)
                #expect(page.operations.count == expectedCount)
                #expect(page.hasMore == (expectedCount == 10))
                let last = try #require(page.operations.last)
                #expect(page.cursor == last.seq)
                #expect(page.operations.allSatisfy { $0.seq > cursor })
                pulled += page.operations
                cursor = page.cursor
            }

            let seqs = pulled.map(\.seq)
            #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $0 < $1 }, "positions must strictly increase")
            #expect(pulled.map(\.operation) == pushed)

            let end = try await client.pull(after: cursor, limit: 10)
            #expect(end.operations.isEmpty)
            #expect(end.cursor == cursor)
            #expect(end.hasMore == false)
        }
    }

    @Test("without parameters pulls everything from the start")
    func defaults() async throws {
        try await withRouter { _, client in
            let pushed = (0..<3).map { _ in Fixture.createSighting() }
            _ = try await client.pushAccepted(pushed)
            let page = try await client.get("/v1/sync/pull", as: PullResponse.self)
            #expect(page.operations.map(\.operation) == pushed)
            #expect(page.hasMore == false)
            #expect(page.cursor == page.operations.last?.seq)
        }
    }

    @Test("an empty store answers an empty page with the cursor unchanged")
    func emptyStore() async throws {
        try await withRouter { _, client in
            let page = try await client.pull(after: 0)
            #expect(page.operations.isEmpty)
            #expect(page.cursor == 0)
            #expect(page.hasMore == false)
        }
    }

    @Test("answers a server clock that is not behind the pulled operations")
    func serverClock() async throws {
        try await withRouter { _, client in
            let operation = Fixture.createSighting()
            _ = try await client.pushAccepted([operation])
            let page = try await client.pull(after: 0)
            #expect(page.serverClock > operation.hlc)
        }
    }
}
