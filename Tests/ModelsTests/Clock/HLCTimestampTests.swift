import Foundation
import Models
import Testing

@Suite("HLC timestamp")
struct HLCTimestampTests {
    @Test(
        "packs and unpacks wall milliseconds and counter",
        arguments: [
            (0, 0),
            (0, 1),
            (1, 0),
            (1_795_304_400_123, 0),
            (1_795_304_400_123, 42),
            (1_795_304_400_123, .max),
            ((1 << 47) - 1, .max),
        ] as [(Int64, UInt16)]
    )
    func packing(_ wallMilliseconds: Int64, _ counter: UInt16) {
        let stamp = HLCTimestamp(wallMilliseconds: wallMilliseconds, counter: counter)
        #expect(stamp.wallMilliseconds == wallMilliseconds)
        #expect(stamp.counter == counter)
        #expect(stamp.rawValue == wallMilliseconds << 16 | Int64(counter))
        #expect(HLCTimestamp(rawValue: stamp.rawValue) == stamp)
    }

    @Test("orders by wall clock first, then counter")
    func ordering() {
        let stamps = [
            HLCTimestamp(wallMilliseconds: 999, counter: .max),
            HLCTimestamp(wallMilliseconds: 1000, counter: 0),
            HLCTimestamp(wallMilliseconds: 1000, counter: 1),
            HLCTimestamp(wallMilliseconds: 1001, counter: 0),
        ]
        #expect(stamps.shuffled().sorted() == stamps)
        #expect(HLCTimestamp.zero < stamps[0])
    }

    @Test("its date is its wall-clock millisecond")
    func date() {
        let stamp = HLCTimestamp(wallMilliseconds: 1_795_304_400_123, counter: 9)
        #expect(stamp.date == Date(millisecondsSince1970: 1_795_304_400_123))
        #expect(stamp.date.millisecondsSince1970 == 1_795_304_400_123)
        #expect(stamp.description == "2026-11-21T23:40:00.123Z#9")
    }
}
