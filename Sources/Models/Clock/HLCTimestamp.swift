import Foundation

/// A hybrid logical clock stamp: wall-clock milliseconds and a counter, packed into one 64-bit integer.
///
/// The high 48 bits hold milliseconds since 1970 (enough until the year 10889), the low 16 bits a counter
/// that orders events within one millisecond. On the wire and in databases it is that one integer, so
/// ordering stamps is ordering integers.
public struct HLCTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The packed value: `wallMilliseconds << 16 | counter`.
    public let rawValue: Int64

    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    public init(wallMilliseconds: Int64, counter: UInt16) {
        self.rawValue = wallMilliseconds << 16 | Int64(counter)
    }

    /// The stamp's wall-clock part, in milliseconds since 1970.
    public var wallMilliseconds: Int64 { rawValue >> 16 }

    /// The stamp's counter within its millisecond.
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// The wall-clock part as a date.
    public var date: Date { Date(millisecondsSince1970: wallMilliseconds) }

    /// The smallest stamp.
    public static let zero = HLCTimestamp(rawValue: 0)

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(Int64.self)
        guard raw >= 0 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "A clock stamp cannot be negative.")
            )
        }
        self.rawValue = raw
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String {
        "\(WireCoding.formatDate(date))#\(counter)"
    }
}

extension Date {
    /// Milliseconds since 1970, rounded down: the largest `m` with `Date(millisecondsSince1970: m) <= self`.
    ///
    /// So a date made from whole milliseconds gives back exactly that number, whatever the floating-point
    /// error of the division, and no date is ever rounded up.
    public var millisecondsSince1970: Int64 {
        // Date keeps seconds since 2001 as a Double; working in that frame makes the conversion exact.
        let seconds = timeIntervalSinceReferenceDate
        var milliseconds = Int64((seconds * 1000).rounded(.down))
        if Double(milliseconds + 1) / 1000 <= seconds {
            milliseconds += 1
        } else if Double(milliseconds) / 1000 > seconds {
            milliseconds -= 1
        }
        return milliseconds + Self.millisecondsFrom1970To2001
    }

    /// The date at this many milliseconds since 1970.
    public init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSinceReferenceDate: Double(milliseconds - Self.millisecondsFrom1970To2001) / 1000)
    }

    private static let millisecondsFrom1970To2001: Int64 = 978_307_200_000

    /// This date cut to whole milliseconds: the precision that every Empower store and message keeps.
    public var truncatedToMilliseconds: Date { Date(millisecondsSince1970: millisecondsSince1970) }
}
