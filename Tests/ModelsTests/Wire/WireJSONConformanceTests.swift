import Foundation
import Models
import Testing

/// JSON conformance, in the style of JSONTestSuite's y_ (must accept) and n_ (must refuse) cases, placed where an
/// operation's strings, whole numbers and fractional numbers go. Each case goes through both decoders: the fast
/// operation decoder and `WireCoding.decode` (strict JSON, then `JSONDecoder`) must both accept it with equal
/// values, or both refuse it.
@Suite("Wire JSON conformance")
struct WireJSONConformanceTests {
    static let operation = Fixture.create(.sighting(Fixture.fullSighting()))
    static let base = String(decoding: WireCoding.encodeOperation(operation), as: UTF8.self)
    static let narrative = "Followed her from the bar.\\nStaff told — “café” door, 2nd floor."
    static let hlc = String(operation.hlc.rawValue)

    /// The base operation with one value's JSON text replaced by `text` (as bytes, so invalid UTF-8 can go in).
    static func body(replacing original: String, with text: [UInt8]) -> Data {
        let parts = base.components(separatedBy: original)
        precondition(parts.count == 2, "the value to replace must appear once")
        return Data(Array(parts[0].utf8) + text + Array(parts[1].utf8))
    }

    static func bothAccept(_ body: Data) throws -> LogOperation {
        let fast = try WireCoding.decodeOperation(body)
        let foundation = try WireCoding.decode(LogOperation.self, from: body)
        #expect(fast == foundation)
        return fast
    }

    static func bothRefuse(_ body: Data) {
        #expect(throws: (any Error).self) { try WireCoding.decodeOperation(body) }
        #expect(throws: (any Error).self) { try WireCoding.decode(LogOperation.self, from: body) }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test(
        "y_ strings are read alike, escapes and all",
        arguments: [
            (#""plain""#, "plain"),
            (#""\u0060\u012a\u12AB""#, "\u{60}\u{12A}\u{12AB}"),
            (#""\uD834\uDD1E \ud834\udd1e""#, "𝄞 𝄞"),
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
            (#""\u00e9 é""#, "é é"),
            (#""€𝄞""#, "€𝄞"),
            (#""\u2028\u2029""#, "\u{2028}\u{2029}"),
            (#""\uFFFD""#, "\u{FFFD}"),
            ("\"\u{7F}\u{10FFFF}\"", "\u{7F}\u{10FFFF}"),
            (#""\u0000""#, "\u{0}"),
        ]
    )
    func acceptedStrings(text: String, expected: String) throws {
        let decoded = try Self.bothAccept(Self.body(replacing: "\"\(Self.narrative)\"", with: Self.bytes(text)))
        guard case .createSighting(let sighting) = decoded.payload else {
            Issue.record("not a sighting")
            return
        }
        #expect(sighting.narrative == expected)
    }

    @Test(
        "n_ strings are refused by both: bad escapes, raw control characters, unterminated, invalid UTF-8",
        arguments: [
            bytes(#""\x41""#), bytes(#""\a""#), bytes(#""\u00A""#), bytes(#""\uqqqq""#), bytes(#""\""#),
            bytes(#""\u""#), bytes("'single'"), bytes("\"a\tb\""), bytes("\"a\nb\""), bytes("\"\u{0}\""),
            bytes("\"\u{1F}\""), bytes("abc"),
            // Invalid UTF-8: a lone continuation byte, 0xFF, an overlong '/', an encoded surrogate, a code point
            // past U+10FFFF, a sequence cut short.
            [0x22, 0x80, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x5C, 0x6E, 0xC3, 0x22],
        ]
    )
    func refusedStrings(text: [UInt8]) {
        Self.bothRefuse(Self.body(replacing: "\"\(Self.narrative)\"", with: text))
    }

    @Test(
        "i_ lone surrogate escapes: implementation-defined in JSON, the same answer from both decoders",
        arguments: [#""\uD800""#, #""\udc00""#, #""\ud800\u0041""#, #""\uDBFF""#, #""a\uD800b""#]
    )
    func loneSurrogates(text: String) {
        let body = Self.body(replacing: "\"\(Self.narrative)\"", with: Self.bytes(text))
        let fast = Result { try WireCoding.decodeOperation(body) }
        let foundation = Result { try WireCoding.decode(LogOperation.self, from: body) }
        switch (fast, foundation) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure, .failure): break
        default: Issue.record("the decoders disagree on \(text)")
        }
    }

    @Test(
        "y_ fractional numbers are read alike",
        arguments: [
            ("53.4013", 53.4013), ("5.34013e1", 53.4013), ("5.34013E+1", 53.4013), ("534013e-4", 53.4013),
            ("53", 53), ("-0", 0), ("0.0", 0), ("-0.5", -0.5), ("1E2", 100), ("0e0", 0),
        ]
    )
    func acceptedDoubles(text: String, expected: Double) throws {
        let decoded = try Self.bothAccept(Self.body(replacing: "53.4013", with: Self.bytes(text)))
        guard case .createSighting(let sighting) = decoded.payload else {
            Issue.record("not a sighting")
            return
        }
        #expect(sighting.location.latitude == expected)
    }

    @Test(
        "n_ numbers are refused by both, fractional or whole",
        arguments: [
            "053.4", "+53.4", ".5", "53.", "5e", "5e+", "-", "--1", "0x35", "NaN", "Infinity", "-Infinity", "53.4.1",
            "1_0", "- 1", "2.e3", "0e", "00", "-01", "1eE2", "-.5", "\u{FEFF}1", "1 2", "tru", "\"53.4\"",
            // Beyond I-JSON's range (RFC 7493), where readers disagree on the value: refused by rule.
            "1e999", "-1e999", "1e400", "123456789012345678901234567890",
        ]
    )
    func refusedNumbers(text: String) {
        Self.bothRefuse(Self.body(replacing: "53.4013", with: Self.bytes(text)))
        Self.bothRefuse(Self.body(replacing: "\"hlc\":\(Self.hlc)", with: Self.bytes("\"hlc\":" + text)))
    }

    @Test("y_ whole numbers: the clock stamp as written, and with spacing")
    func acceptedWholeNumbers() throws {
        for text in [Self.hlc, " \(Self.hlc) ", "\n\t\(Self.hlc)\r\n"] {
            let decoded = try Self.bothAccept(
                Self.body(replacing: "\"hlc\":\(Self.hlc)", with: Self.bytes("\"hlc\":" + text))
            )
            #expect(decoded.hlc == Self.operation.hlc)
        }
    }

    @Test(
        "n_ documents are refused by both: a key twice, trailing commas, comments, something after the value",
        arguments: [
            { $0.replacingOccurrences(of: "{\"author\"", with: "{\"author\":\"PC-1\",\"author\"") },
            { $0.replacingOccurrences(of: "\"narrative\"", with: "\"narrative\":\"x\",\"narrative\"") },
            { String($0.dropLast()) + ",}" },
            { $0.replacingOccurrences(of: "\"hlc\"", with: "/* c */\"hlc\"") },
            { $0 + "x" },
            { $0 + $0 },
            { $0 + "}" },
            { "\u{FEFF}" + $0 },
            { $0.replacingOccurrences(of: "\"hlc\":", with: "\"hlc\" ") },
            { $0.replacingOccurrences(of: "\"hlc\"", with: "'hlc'") },
        ] as [@Sendable (String) -> String]
    )
    func refusedDocuments(change: @Sendable (String) -> String) {
        let changed = change(Self.base)
        #expect(changed != Self.base)
        Self.bothRefuse(Data(changed.utf8))
    }
}
