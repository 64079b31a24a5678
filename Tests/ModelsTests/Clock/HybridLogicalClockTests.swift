import Models
import Testing

@Suite("Hybrid logical clock")
struct HybridLogicalClockTests {
    @Test("ticks stay strictly increasing when the wall clock goes backwards")
    func wallClockBackwards() {
        var clock = HybridLogicalClock()
        let stamps = [1000, 900, 900, 1001].map { clock.tick(wallMilliseconds: $0) }
        #expect(
            stamps == [
                HLCTimestamp(wallMilliseconds: 1000, counter: 0),
                HLCTimestamp(wallMilliseconds: 1000, counter: 1),
                HLCTimestamp(wallMilliseconds: 1000, counter: 2),
                HLCTimestamp(wallMilliseconds: 1001, counter: 0),
            ]
        )
        #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 < $1 })
        #expect(clock.latest == stamps.last)
    }

    @Test(
        "ticks are strictly increasing for wall-clock sequences that stall, fall and jump",
        arguments: [
            [5, 5, 5, 5],
            [10, 9, 8, 7, 6],
            [1, 1_000_000, 3, 1_000_000, 1_000_001],
            [1000, 900, 900, 1001, 1001, 2, 1002],
        ] as [[Int64]]
    )
    func monotonic(_ walls: [Int64]) {
        var clock = HybridLogicalClock()
        var previous = HLCTimestamp.zero
        for wall in walls {
            let stamp = clock.tick(wallMilliseconds: wall)
            #expect(stamp > previous)
            #expect(stamp.wallMilliseconds >= wall)
            previous = stamp
        }
    }

    @Test("a clock restored from its latest stamp continues after it")
    func restored() {
        var clock = HybridLogicalClock(latest: HLCTimestamp(wallMilliseconds: 5000, counter: 7))
        #expect(clock.tick(wallMilliseconds: 4000) == HLCTimestamp(wallMilliseconds: 5000, counter: 8))
    }

    @Test("when the counter is full the clock moves to the next millisecond")
    func counterOverflow() {
        var clock = HybridLogicalClock(latest: HLCTimestamp(wallMilliseconds: 1000, counter: UInt16.max - 1))
        let last = clock.tick(wallMilliseconds: 1000)
        #expect(last == HLCTimestamp(wallMilliseconds: 1000, counter: UInt16.max))
        let next = clock.tick(wallMilliseconds: 1000)
        #expect(next == HLCTimestamp(wallMilliseconds: 1001, counter: 0))
        #expect(next > last)
        let after = clock.tick(wallMilliseconds: 999)
        #expect(after == HLCTimestamp(wallMilliseconds: 1001, counter: 1))
    }

    @Test("counting through a whole millisecond never repeats a stamp")
    func wholeMillisecond() {
        var clock = HybridLogicalClock()
        var previous = clock.tick(wallMilliseconds: 42)
        for _ in 0..<(Int(UInt16.max) + 10) {
            let stamp = clock.tick(wallMilliseconds: 42)
            guard stamp > previous else {
                Issue.record("\(stamp) does not follow \(previous)")
                return
            }
            previous = stamp
        }
        #expect(previous == HLCTimestamp(wallMilliseconds: 43, counter: 9))
    }

    @Test("after observing a remote stamp, later ticks order after it")
    func observeAhead() {
        var clock = HybridLogicalClock()
        _ = clock.tick(wallMilliseconds: 1000)
        let remote = HLCTimestamp(wallMilliseconds: 5000, counter: 3)
        clock.observe(remote)
        #expect(clock.latest == remote)
        let next = clock.tick(wallMilliseconds: 1001)
        #expect(next > remote)
        #expect(next == HLCTimestamp(wallMilliseconds: 5000, counter: 4))
        #expect(clock.tick(wallMilliseconds: 6000) == HLCTimestamp(wallMilliseconds: 6000, counter: 0))
    }

    @Test("observing a remote stamp with a full counter still lets the next tick pass it")
    func observeFullCounter() {
        var clock = HybridLogicalClock()
        let remote = HLCTimestamp(wallMilliseconds: 5000, counter: .max)
        clock.observe(remote)
        let next = clock.tick(wallMilliseconds: 5000)
        #expect(next > remote)
    }

    @Test("observing an older stamp does not move the clock back")
    func observeBehind() {
        var clock = HybridLogicalClock()
        let issued = clock.tick(wallMilliseconds: 5000)
        clock.observe(HLCTimestamp(wallMilliseconds: 4000, counter: 9))
        #expect(clock.latest == issued)
        #expect(clock.tick(wallMilliseconds: 4500) == HLCTimestamp(wallMilliseconds: 5000, counter: 1))
    }
}
