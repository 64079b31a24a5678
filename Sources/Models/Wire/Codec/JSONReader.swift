import Foundation

/// A small, allocation-light JSON reader over bytes, for the operations that sync moves by the hundred
/// thousand. Types read themselves key by key (`readObject`), skipping keys they do not know, as
/// `JSONDecoder` does.
///
/// Only used inside `withUnsafeBytes`: the reader must not outlive the bytes it reads.
struct JSONReader {
    /// Why the bytes are not what was expected; `WireCoding` falls back to `JSONDecoder` for the message.
    struct Failure: Error {
        var reason: String
    }

    private let bytes: UnsafeRawBufferPointer
    private(set) var index: Int

    init(_ bytes: UnsafeRawBufferPointer, at index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    /// The text between two positions, for keeping a value's JSON as it is.
    func text(_ range: Range<Int>) -> String { String(decoding: utf8(range), as: UTF8.self) }

    /// The bytes between two positions, typed as UTF-8 code units: the standard library's string initialisers
    /// have fast paths for these (a slice of raw bytes goes through unspecialised generic code).
    private func utf8(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeRawBufferPointer(rebasing: bytes[range]).assumingMemoryBound(to: UInt8.self)
    }

    var isAtEnd: Bool {
        mutating get {
            skipWhitespace()
            return index >= bytes.count
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func peek() throws -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw Failure(reason: "unexpected end") }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard try peek() == byte else { throw Failure(reason: "expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Reads an object, calling `body` with each key; `body` must read (or skip) the key's value.
    mutating func readObject(_ body: (inout JSONReader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        var keys = SeenKeys()
        while true {
            let key = try readString()
            guard keys.insert(key) else { throw Failure(reason: "a key appears twice in one object") }
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw Failure(reason: "expected ',' or '}'")
            }
        }
    }

    /// Reads an array, calling `body` for each element; `body` must read (or skip) the element.
    mutating func readArray(_ body: (inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try body(&self)
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw Failure(reason: "expected ',' or ']'")
            }
        }
    }

    /// Consumes `null` if it comes next.
    mutating func readNull() throws -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try expectLiteral("null")
        return true
    }

    mutating func readBool() throws -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return true
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return false
        default: throw Failure(reason: "expected a boolean")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Failure(reason: "unexpected end") }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            throw Failure(reason: "expected \(literal)")
        }
        index += count
    }

    mutating func readString() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        // Fast path: no escapes, the common case; ASCII alone needs no validating.
        var isASCII = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text: String
                if isASCII {
                    text = String(decoding: utf8(start..<index), as: UTF8.self)
                } else {
                    guard let valid = String(validating: utf8(start..<index), as: UTF8.self) else {
                        throw Failure(reason: "invalid UTF-8")
                    }
                    text = valid
                }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw Failure(reason: "control character in a string") }
            if byte >= 0x80 { isASCII = false }
            index += 1
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: scalars, as: UTF8.self) else {
                    throw Failure(reason: "invalid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw Failure(reason: "unexpected end") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try readHex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw Failure(reason: "unpaired surrogate") }
                        index += 2
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw Failure(reason: "unpaired surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw Failure(reason: "invalid escape") }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw Failure(reason: "invalid escape")
                }
            default:
                guard byte >= 0x20 else { throw Failure(reason: "control character in a string") }
                scalars.append(byte)
            }
        }
        throw Failure(reason: "unterminated string")
    }

    private mutating func readHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw Failure(reason: "unexpected end") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure(reason: "invalid escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Reads a whole number: as `JSONDecoder` reads one into an `Int64`, a number written with a fraction or an
    /// exponent is taken when it is a whole number (`1.0`, `1e2`), which `scanNumber` allows only below 2^53.
    mutating func readInt64() throws -> Int64 {
        switch try scanNumber().value {
        case .whole(let value): return value
        case .other(let value):
            guard let whole = Int64(exactly: value) else { throw Failure(reason: "expected a whole number") }
            return whole
        }
    }

    /// Reads a clock stamp as `HLCTimestamp` decodes one: a whole number, or its digits in a string.
    mutating func readClockStamp() throws -> Int64 {
        guard try peek() == UInt8(ascii: "\"") else { return try readInt64() }
        guard let value = HLCTimestamp.parse(text: try readString()) else {
            throw Failure(reason: "bad clock stamp text")
        }
        return value
    }

    mutating func readDouble() throws -> Double {
        let number = try scanNumber()
        switch number.value {
        case .other(let value): return value
        case .whole:
            guard let value = Double(String(decoding: utf8(number.range), as: UTF8.self)) else {
                throw Failure(reason: "expected a number")
            }
            return value
        }
    }

    /// A number as written: a plain whole number, or one with a fraction or an exponent.
    private enum Number {
        case whole(Int64)
        case other(Double)
    }

    /// Reads past a number written by JSON's grammar (RFC 8259 §6: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`),
    /// so `01`, `+1`, `.5`, `1.` and `1e` are refused; and, as I-JSON (RFC 7493) advises, a plain whole number
    /// must fit in 64 bits and any other number must be below 2^53 in size, where every reader agrees on its value.
    private mutating func scanNumber() throws -> (range: Range<Int>, value: Number) {
        _ = try peek()
        let start = index
        func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= 0x30 && bytes[at] <= 0x39 }
        func digits() throws {
            guard isDigit(index) else { throw Failure(reason: "a number is not written as JSON writes numbers") }
            while isDigit(index) { index += 1 }
        }
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let integerStart = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            try digits()
        }
        let integerEnd = index
        var isWhole = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try digits()
            isWhole = false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            try digits()
            isWhole = false
        }
        if isWhole {
            // Negative numbers are built downwards, so that Int64.min fits.
            var value: Int64 = 0
            for position in integerStart..<integerEnd {
                let digit = Int64(bytes[position] - UInt8(ascii: "0"))
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) =
                    negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                guard !overflow1, !overflow2 else { throw Failure(reason: "a number is out of range") }
                value = sum
            }
            return (start..<index, .whole(value))
        }
        guard let value = Double(String(decoding: utf8(start..<index), as: UTF8.self)),
            value.magnitude < 9_007_199_254_740_992
        else { throw Failure(reason: "a number is out of range") }
        return (start..<index, .other(value))
    }

    /// Reads an id: the canonical text quickly, and anything else as `JSONDecoder` reads a `UUID`
    /// (`init(uuidString:)`, which on Linux also takes a sign before a hex pair), so both read the same ids.
    mutating func readUUID() throws -> UUID {
        let start = index
        if let range = try readPlainString(), let uuid = UUID(utf8: UnsafeRawBufferPointer(rebasing: bytes[range])) {
            return uuid
        }
        index = start
        let text = try readString()
        guard let uuid = UUID(text: text) ?? UUID(uuidString: text) else { throw Failure(reason: "expected a UUID") }
        return uuid
    }

    mutating func readDate() throws -> Date {
        let start = index
        if let range = try readPlainString(),
            let milliseconds = ISO8601Time.parse(utf8: UnsafeRawBufferPointer(rebasing: bytes[range]))
        {
            return Date(millisecondsSince1970: milliseconds)
        }
        index = start
        guard let date = WireCoding.parseDate(try readString()) else { throw Failure(reason: "expected a time") }
        return date
    }

    /// Reads a string of printable ASCII with no escapes, returning where its characters lie, with no copy; nil
    /// for any other string (then the caller starts again from where it was, and reads it as a `String`).
    private mutating func readPlainString() throws -> Range<Int>? {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<index - 1
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    mutating func readEnum<Value: RawRepresentable>(_ type: Value.Type) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: try readString()) else { throw Failure(reason: "unknown value") }
        return value
    }

    /// Checks that the bytes are one JSON value by RFC 8259 and no more, in UTF-8, with no key twice in an
    /// object: the documents both decoders are given (see `WireCoding.checkStrictJSON`).
    static func validate(_ bytes: UnsafeRawBufferPointer) throws {
        var reader = JSONReader(bytes)
        try reader.skipValue()
        guard reader.isAtEnd else { throw Failure(reason: "something follows the value") }
    }

    /// Skips any value, returning where it lay.
    @discardableResult
    mutating func skipValue() throws -> Range<Int> {
        let first = try peek()
        let start = index
        switch first {
        case UInt8(ascii: "{"): try readObject { reader, _ in try reader.skipValue() }
        case UInt8(ascii: "["): try readArray { reader in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"): _ = try readNull()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: throw Failure(reason: "expected a value")
        }
        return start..<index
    }
}

/// The keys of one object so far, to refuse a key that appears twice (`JSONDecoder` would keep one of them).
/// A short list is searched; a long one is hashed, so a huge object costs no more than a small one per key.
private struct SeenKeys {
    private var few: [String] = []
    private var many: Set<String> = []

    /// Adds the key; false if it was there already.
    mutating func insert(_ key: String) -> Bool {
        if few.count < 16 {
            guard !few.contains(key) else { return false }
            few.append(key)
            return true
        }
        if many.isEmpty { many = Set(few) }
        return many.insert(key).inserted
    }
}

/// A field that was required but missing.
func required<Value>(_ value: Value?, _ key: String) throws -> Value {
    guard let value else { throw JSONReader.Failure(reason: "missing \(key)") }
    return value
}
