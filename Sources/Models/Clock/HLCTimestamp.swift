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

    /// Decodes a stamp written as a whole number (protocol version 1) or as its decimal digits in a string
    /// (protocol version 2, which parsers that read numbers as doubles keep exact: see `ClockStampForm`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw: Int64
        if let text = try? container.decode(String.self) {
            guard let parsed = Self.parse(text: text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "A clock stamp in a string is its decimal digits, without sign or leading zeros."
                )
            }
            raw = parsed
        } else {
            raw = try container.decode(Int64.self)
        }
        guard raw >= 0 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "A clock stamp cannot be negative.")
            )
        }
        self.rawValue = raw
    }

    /// Encodes the stamp as a number, or as a string of its digits when the encoder's `clockStampForm` says so.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if encoder.userInfo[ClockStampForm.userInfoKey] as? ClockStampForm == .text {
            try container.encode(String(rawValue))
        } else {
            try container.encode(rawValue)
        }
    }

    /// The value of a stamp written as text: 1 to 19 ASCII digits, no sign, no leading zero (but `0` itself),
    /// within `Int64`; nil otherwise. Both of `WireCoding`'s decoders read text stamps by this rule.
    public static func parse(text: some StringProtocol) -> Int64? {
        let utf8 = text.utf8
        guard let first = utf8.first, utf8.count <= 19, first != UInt8(ascii: "0") || utf8.count == 1,
            utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int64(text)
    }

    /// The wall-clock parts a client may send (`PushRequest`): from 2020-01-01 up to 2200-01-01 UTC. A stamp
    /// outside is no clock stamp at all (plain milliseconds, which would sort as 1970, or a device whose clock was
    /// never set); a stamp inside but ahead of the server's clock is the store's to refuse (`clock-ahead`), per
    /// operation, so that the device stamps it again once it has heard the server's time.
    public static let plausibleWallMilliseconds: ClosedRange<Int64> = 1_577_836_800_000...7_258_118_400_000

    /// Whether the stamp's wall-clock part lies in `plausibleWallMilliseconds`.
    public var isPlausible: Bool { Self.plausibleWallMilliseconds.contains(wallMilliseconds) }

    public var description: String {
        "\(WireCoding.formatDate(date))#\(counter)"
    }
}

/// Why a client's clock stamp was refused: outside `HLCTimestamp.plausibleWallMilliseconds` (the underlying
/// error of the `DecodingError`, so the server can answer with its own code).
public struct ClockStampOutOfRange: Error, Sendable {
    public init() {}
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
