import Foundation
import Models
import Testing

@Suite("Time-ordered ids")
struct UUIDTimeOrderedTests {
    @Test("an id is an RFC 9562 version 7 UUID whose first 48 bits are the milliseconds it was made at")
    func layout() {
        let now = Date(timeIntervalSince1970: 1_795_000_000.123)
        let id = UUID.timeOrdered(now: now)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        // Later than anything made before in this process, so at least the time asked for.
        #expect(milliseconds >= 1_795_000_000_123)
        #expect(bytes[6] >> 4 == 7)  // version 7
        #expect(bytes[8] >> 6 == 0b10)  // RFC 9562 variant
    }

    @Test("ids made one after another increase, as bytes and as text, even within a millisecond")
    func increasing() {
        let ids = (0..<20_000).map { _ in UUID.timeOrdered() }
        #expect(Set(ids).count == ids.count)
        for (earlier, later) in zip(ids, ids.dropFirst()) {
            #expect(earlier.text < later.text)
            #expect(
                withUnsafeBytes(of: earlier.uuid, Array.init).lexicographicallyPrecedes(
                    withUnsafeBytes(of: later.uuid, Array.init)
                )
            )
        }
    }

    @Test("an id made after the wall clock stepped back still sorts after the ones before it")
    func clockSteppedBack() {
        let first = UUID.timeOrdered(now: Date())
        let second = UUID.timeOrdered(now: Date().addingTimeInterval(-3600))
        #expect(first.text < second.text)
    }

    @Test("new records and operations get time-ordered ids by default")
    func defaults() {
        let sighting = Sighting(
            occurredAt: Fixture.now,
            recordedAt: Fixture.now,
            reporter: Fixture.reporter,
            location: Location(venueId: Fixture.venue, place: "Concert Square"),
            behaviours: [.repeatedApproaches],
            riskLevel: .medium,
            narrative: "Approached several women after being turned away."
        )
        let operation = LogOperation(
            deviceId: Fixture.device,
            author: Fixture.reporter,
            hlc: Fixture.stamp(),
            recordId: sighting.id,
            payload: .createSighting(sighting)
        )
        for id in [sighting.id, operation.opId] {
            #expect(withUnsafeBytes(of: id.uuid) { $0[6] >> 4 } == 7)
        }
    }

    @Test("withText hands over the same 36 bytes as text")
    func withTextMatchesText() {
        for id in [UUID(), UUID.timeOrdered()] {
            #expect(id.withText { Array($0) } == Array(id.text.utf8))
        }
    }
}
