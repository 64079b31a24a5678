import Foundation
import Models
import TestSupport
import Testing

/// The fast operation decoder and `JSONDecoder` (behind the strict-JSON check) must accept exactly the same
/// documents and give the same values: one rule, whichever path a body takes.
///
/// 1,000 cases run with every test run; set `EMPOWER_FUZZ_CASES` (such as 1000000) to run more by hand.
@Suite("Wire differential fuzz")
struct WireDifferentialFuzzTests {
    static let cases = ProcessInfo.processInfo.environment["EMPOWER_FUZZ_CASES"].flatMap(Int.init) ?? 1000

    @Test("mutated and generated operation bodies: both decoders accept the same ones, with equal values")
    func operationsAgree() throws {
        var random = SeededGenerator(seed: 0xF022_D1FF)
        var accepted = 0
        for index in 0..<Self.cases {
            let body = FuzzDocument.make(using: &random)
            let fast = Result { try WireCoding.decodeOperation(body) }
            let foundation = Result { try WireCoding.decode(LogOperation.self, from: body) }
            switch (fast, foundation) {
            case (.success(let a), .success(let b)) where a == b: accepted += 1
            case (.failure, .failure): break
            default:
                Issue.record(
                    """
                    case \(index): fast \(Self.outcome(fast)), JSONDecoder \(Self.outcome(foundation)) for \
                    \(FuzzDocument.show(body))
                    """
                )
                return
            }
        }
        // The mutations must leave a good share valid, or the test would only compare refusals.
        #expect(accepted > Self.cases / 10)
    }

    @Test("push bodies of mutated operations: both decoders accept the same ones, with equal values")
    func pushesAgree() throws {
        var random = SeededGenerator(seed: 0x9054)
        for index in 0..<(Self.cases / 10) {
            let operations = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                FuzzDocument.make(using: &random)
            }
            var body = Data(#"{"deviceId":"dev-1","operations":["#.utf8)
            body.append(Data(operations.joined(separator: Data(",".utf8))))
            body.append(Data(#"],"protocolVersion":1}"#.utf8))
            let fast = Result { try WireCoding.decodePushRequest(body) }
            let foundation = Result { try WireCoding.decode(PushRequest.self, from: body) }
            switch (fast, foundation) {
            case (.success(let a), .success(let b)) where a == b: break
            case (.failure, .failure): break
            default:
                let shown = FuzzDocument.show(body)
                Issue.record(
                    "push \(index): fast \(Self.outcome(fast)), JSONDecoder \(Self.outcome(foundation)) for \(shown)"
                )
                return
            }
        }
    }

    static func outcome<Value>(_ result: Result<Value, any Error>) -> String {
        switch result {
        case .success(let value): "accepted \(value)"
        case .failure(let error): "refused (\(error))"
        }
    }
}

/// Operation bodies to fuzz with: a random operation re-written with random key order, spacing, escapes and
/// number spellings, then changed in its structure (a key twice, a key missing, a value of another type, an
/// unknown key) or in its bytes (invalid UTF-8, a stray character).
enum FuzzDocument {
    static func make(using random: inout SeededGenerator) -> Data {
        let operation = RandomOperation.make(using: &random)
        var tree = JSONTree.parse(Array(WireCoding.encodeOperation(operation))).seedingIds(using: &random)
        let structural = Int.random(in: 0..<10, using: &random)
        if structural < 6 { mutate(&tree, using: &random) }
        var bytes = tree.write(using: &random)
        if Int.random(in: 0..<4, using: &random) == 0 { mutateBytes(&bytes, using: &random) }
        return Data(bytes)
    }

    static func show(_ data: Data) -> String {
        String(validating: data, as: UTF8.self) ?? "(not UTF-8) " + data.map { String(format: "%02x", $0) }.joined()
    }

    /// Values that are awkward for one decoder or the other.
    static let awkwardValues: [JSONTree] = [
        .null, .bool(true), .bool(false), .number("0"), .number("-0"), .number("1"), .number("1.0"),
        .number("1e2"), .number("1E+2"), .number("10e-1"), .number("-1"), .number("1.5"), .number("1e999"),
        .number("-1e999"), .number("9223372036854775807"), .number("9223372036854775808"),
        .number("-9223372036854775808"), .number("123456789012345678901234567890"), .number("0.1"),
        .number("1e-400"), .string(""), .string("x"), .string("review"), .string("low"), .string("TRUE"),
        .string("2026-11-21T23:40:00Z"), .string("2026-11-21T23:40:00.123456Z"), .string("2026-13-01T00:00:00Z"),
        .string("6E3E3C2A-36B6-4BC1-9E29-6B0C7E6A1F10"), .string("6e3e3c2a-36b6-4bc1-9e29-6b0c7e6a1f10"),
        .string("6E3E3C2A36B64BC19E296B0C7E6A1F10"), .string("\u{0}"), .string("😀"), .array([]),
        .array([.string("x")]), .object([]), .object([("a", .number("1"))]), .raw(#""\ud800""#),
        .raw(#""\udc00""#), .raw(#""\ud800\u0041""#), .raw(#""\uDBFF\uDFFF""#), .raw(#""\u0000\/\b""#),
        .raw(#""\x41""#), .raw("01"), .raw("+1"), .raw(".5"), .raw("1."), .raw("0x10"), .raw("NaN"), .raw("[1,]"),
        .raw("'x'"), .raw("tru"), .raw("\"\u{7F}\t\""),
    ]

    static func mutate(_ tree: inout JSONTree, using random: inout SeededGenerator) {
        guard case .object(var members) = tree, !members.isEmpty else { return }
        let position = Int.random(in: 0..<members.count, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0:
            // The same key twice, with the same or another value.
            let copy = members[position]
            let value = Bool.random(using: &random) ? copy.1 : awkwardValues.randomElement(using: &random)!
            members.insert((copy.0, value), at: Int.random(in: 0...members.count, using: &random))
        case 1: members.remove(at: position)
        case 7:
            // The clock stamp as protocol version 2 writes it (text), well spelt or not, in range or not.
            guard let index = members.firstIndex(where: { $0.0 == "hlc" }) else { break }
            let digits = ["1", "0", "00", "01", "-1", "+1", " 1", "1.0", "1e3", "9223372036854775808", ""]
            let wall = Int64.random(in: 0...(HLCTimestamp.plausibleWallMilliseconds.upperBound * 2), using: &random)
            let text = Bool.random(using: &random) ? String(wall << 16) : digits.randomElement(using: &random)!
            members[index].1 = .raw("\"\(text)\"")
        case 2: members[position].1 = awkwardValues.randomElement(using: &random)!
        case 3:
            let key = ["extra", "payload", "redacted", "kind", "hlc", "x"].randomElement(using: &random)!
            members.insert(
                (key, awkwardValues.randomElement(using: &random)!),
                at: Int.random(in: 0...members.count, using: &random)
            )
        default:
            // Somewhere deeper.
            mutate(&members[position].1, using: &random)
            if case .array(var items) = members[position].1, !items.isEmpty {
                let item = Int.random(in: 0..<items.count, using: &random)
                if Bool.random(using: &random) {
                    items[item] = awkwardValues.randomElement(using: &random)!
                } else {
                    items.append(items[item])
                }
                members[position].1 = .array(items)
            }
        }
        tree = .object(members)
    }

    static let strayBytes: [UInt8] = [
        0x00, 0x01, 0x1F, 0x20, 0x22, 0x2B, 0x2C, 0x2D, 0x2E, 0x30, 0x31, 0x3A, 0x45, 0x5B, 0x5C, 0x5D, 0x65, 0x6E,
        0x74, 0x7B, 0x7D, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x09, 0x0A, 0x0D,
    ]

    static func mutateBytes(_ bytes: inout [UInt8], using random: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        let position = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: bytes[position] = strayBytes.randomElement(using: &random)!
        case 1: bytes.insert(strayBytes.randomElement(using: &random)!, at: position)
        case 2: bytes.remove(at: position)
        default:
            // An encoded character cut short or made overlong, inside a string.
            let sequences: [[UInt8]] = [
                [0xC3], [0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            ]
            bytes.insert(contentsOf: sequences.randomElement(using: &random)!, at: position)
        }
    }
}

/// A JSON value that keeps key order and duplicates, and numbers as written, for writing variants.
indirect enum JSONTree: Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONTree])
    case object([(String, JSONTree)])
    /// Text written as it is, valid JSON or not.
    case raw(String)

    /// The value with every id replaced by one from the seeded generator, so a case is the same on every run.
    func seedingIds(using random: inout SeededGenerator) -> JSONTree {
        switch self {
        case .string(let text) where UUID(uuidString: text) != nil:
            let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
            let uuid = UUID(
                uuid: (
                    bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                    bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
                )
            )
            return .string(uuid.uuidString)
        case .array(let items): return .array(items.map { $0.seedingIds(using: &random) })
        case .object(let members): return .object(members.map { ($0.0, $0.1.seedingIds(using: &random)) })
        default: return self
        }
    }

    /// Parses JSON known to be well formed (the writer's own output).
    static func parse(_ bytes: [UInt8]) -> JSONTree {
        var index = 0
        return parseValue(bytes, &index)
    }

    private static func parseValue(_ bytes: [UInt8], _ index: inout Int) -> JSONTree {
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, JSONTree)] = []
            while bytes[index] != UInt8(ascii: "}") {
                if bytes[index] == UInt8(ascii: ",") { index += 1 }
                guard case .string(let key) = parseValue(bytes, &index) else { fatalError("key") }
                index += 1  // ':'
                members.append((key, parseValue(bytes, &index)))
            }
            index += 1
            return .object(members)
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONTree] = []
            while bytes[index] != UInt8(ascii: "]") {
                if bytes[index] == UInt8(ascii: ",") { index += 1 }
                items.append(parseValue(bytes, &index))
            }
            index += 1
            return .array(items)
        case UInt8(ascii: "\""):
            let start = index
            index += 1
            while bytes[index] != UInt8(ascii: "\"") { index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1 }
            index += 1
            let text = try! JSONDecoder().decode(String.self, from: Data(bytes[start..<index]))
            return .string(text)
        case UInt8(ascii: "t"):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            index += 5
            return .bool(false)
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            let start = index
            while index < bytes.count, !",}]".utf8.contains(bytes[index]) { index += 1 }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }
    }

    /// Writes the value with random spacing and random (valid) escapes; the order of keys is kept or shuffled.
    func write(using random: inout SeededGenerator) -> [UInt8] {
        var out: [UInt8] = []
        write(into: &out, using: &random)
        return out
    }

    private func space(_ out: inout [UInt8], _ random: inout SeededGenerator) {
        if Int.random(in: 0..<8, using: &random) == 0 {
            out.append([0x20, 0x0A, 0x0D, 0x09].randomElement(using: &random)!)
        }
    }

    private func write(into out: inout [UInt8], using random: inout SeededGenerator) {
        space(&out, &random)
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .number(let text), .raw(let text): out += Array(text.utf8)
        case .string(let text): Self.writeString(text, into: &out, using: &random)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out, using: &random)
            }
            space(&out, &random)
            out.append(UInt8(ascii: "]"))
        case .object(var members):
            if Int.random(in: 0..<3, using: &random) == 0 { members.shuffle(using: &random) }
            out.append(UInt8(ascii: "{"))
            for (offset, member) in members.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                space(&out, &random)
                Self.writeString(member.0, into: &out, using: &random)
                space(&out, &random)
                out.append(UInt8(ascii: ":"))
                member.1.write(into: &out, using: &random)
            }
            space(&out, &random)
            out.append(UInt8(ascii: "}"))
        }
        space(&out, &random)
    }

    private static func writeString(_ text: String, into out: inout [UInt8], using random: inout SeededGenerator) {
        out.append(UInt8(ascii: "\""))
        let escapeAll = Int.random(in: 0..<6, using: &random) == 0
        for scalar in text.unicodeScalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            if mustEscape || (escapeAll && Bool.random(using: &random)) {
                if let short = ["\"": "\\\"", "\\": "\\\\", "/": "\\/", "\n": "\\n", "\t": "\\t"][Character(scalar)],
                    Bool.random(using: &random)
                {
                    out += Array(short.utf8)
                } else {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16, uppercase: Bool.random(using: &random))
                        out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                    }
                }
            } else {
                out += Array(String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
