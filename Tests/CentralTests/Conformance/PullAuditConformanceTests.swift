import Foundation
import Models
import Testing

@testable import Central

/// A pull's audit entry says exactly what the page sent: the same code that cuts the page writes the entry.
@Suite("Conformance: exact pull entries")
struct PullAuditConformanceTests {
    @Test(
        "a pull cut by the size limit logs exactly what was sent, the next pull the rest: no operation in two entries",
        arguments: StoreKind.tested
    )
    func cutPagesLogExactly(_ kind: StoreKind) async throws {
        try await withConformanceStore(kind) { harness in
            let store = harness.store
            try await Conformance.saveVenues(store)
            // Eight sightings of about 1.5 KB, at venue A and venue B in turn, and an amendment of the first two
            // (a record with two operations, on different pages).
            let narrative = String(repeating: "Followed a lone woman along Seel Street. ", count: 36)
            let sightings = (0..<8).map {
                Conformance.sighting(
                    at: $0.isMultiple(of: 2) ? Conformance.venueA : Conformance.venueB,
                    narrative: narrative
                )
            }
            _ = try await store.push(sightings, by: Conformance.officer, now: Date())
            let amends = sightings.prefix(2).map { Conformance.amend($0.recordId) }
            _ = try await store.push(amends, by: Conformance.officer, now: Date())
            let stored = sightings + amends
            let venueOf = Dictionary(
                uniqueKeysWithValues: sightings.enumerated().map {
                    ($1.recordId, $0.isMultiple(of: 2) ? Conformance.venueA : Conformance.venueB)
                }
            )
            let sizes = stored.map { WireCoding.encodeOperation($0).count }
            // The officer's pages have room for two operations; venue staff, who receive no narrative, get pages
            // of one byte: one operation each, as the first of a page is sent whatever its size.
            let maxBytes = [Conformance.officer.userId: sizes.max()! * 2 + 100, Conformance.staffA.userId: 1]

            for caller in [Conformance.officer, Conformance.staffA] {
                var pages: [PullPage] = []
                var cursor: Int64 = 0
                repeat {
                    let page = try await store.pull(
                        after: cursor,
                        limit: 100,
                        maxBytes: maxBytes[caller.userId]!,
                        for: caller,
                        now: Date()
                    )
                    pages.append(page)
                    cursor = page.cursor
                } while pages.last!.hasMore
                let sent = try pages.flatMap { try $0.decodedOperations() }
                if caller.role == .officer {
                    #expect(sent.map(\.operation.opId) == stored.map(\.opId))
                } else {
                    // Venue staff receive what they may see of venue A's records, and nothing of venue B's.
                    #expect(!sent.isEmpty && sent.allSatisfy { venueOf[$0.operation.recordId] == Conformance.venueA })
                }
                let first = try #require(pages.first)
                #expect(first.hasMore && first.operations.count < sent.count, "\(caller.userId): cut by size")

                let entries = try await store.auditEntries(matching: AuditFilter(actor: caller.userId))
                    .filter { $0.action == .pull }
                try #require(entries.count == pages.count, "\(caller.userId): one entry a page")
                for (page, entry) in zip(pages, entries) {
                    let operations = try page.decodedOperations()
                    #expect(entry.count == operations.count, "\(caller.userId)")
                    var disclosed: [UUID] = []
                    for operation in operations where !disclosed.contains(operation.operation.recordId) {
                        disclosed.append(operation.operation.recordId)
                    }
                    #expect(entry.recordIds == disclosed, "\(caller.userId): the records sent, each once")
                    #expect(
                        entry.positions
                            == operations.first.map { AuditEntry.Positions(first: $0.seq, last: operations.last!.seq) },
                        "\(caller.userId)"
                    )
                }
                // Every operation sent is in exactly one entry: the ranges follow each other without overlap,
                // and the counts add up to what was sent.
                let ranges = entries.compactMap(\.positions)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.last < $1.first }, "\(caller.userId)")
                #expect(entries.compactMap(\.count).reduce(0, +) == sent.count, "\(caller.userId)")
                // The records disclosed can be listed from the log: each operation's record in the entry whose
                // range holds its position.
                for operation in sent {
                    let holding = entries.filter {
                        guard let range = $0.positions else { return false }
                        return (range.first...range.last).contains(operation.seq)
                    }
                    #expect(holding.count == 1, "\(caller.userId)")
                    #expect(holding.first?.recordIds.contains(operation.operation.recordId) == true)
                }
            }
        }
    }
}
