import Foundation

/// How clock stamps (`hlc`, `serverClock`) are written on the wire.
///
/// Stamps are about 1.2×10^17, beyond 2^53, so a parser that reads every number as a double (JavaScript's
/// `JSON.parse`) rounds them. Protocol version 2 writes them as strings of their decimal digits; version 1, which
/// older devices speak, as numbers. Both decoders read either form in any version; stored operations keep numbers.
public enum ClockStampForm: Sendable, Hashable {
    case number
    case text

    /// The form a protocol version writes.
    public init(protocolVersion: Int) {
        self = protocolVersion >= 2 ? .text : .number
    }

    /// The encoder setting that `HLCTimestamp` reads (`WireCoding.makeEncoder(clockStamps:)`).
    public static let userInfoKey = CodingUserInfoKey(rawValue: "empower.clockStampForm")!
}

extension WireCoding {
    /// An operation encoded by `encodeOperation` with its own stamp written as text (`"hlc":"123"` for
    /// `"hlc":123`), without decoding it; unchanged when its stamp is text already.
    ///
    /// Outside strings, `"hlc":` can only be a key, and no object inside an operation has that key: the first
    /// occurrence is the operation's own.
    public static func quotingStamp(_ encoded: Data) -> Data {
        var quoted = Data(capacity: encoded.count + 2)
        appendQuotingStamp(encoded, to: &quoted)
        return quoted
    }

    /// Appends `quotingStamp(encoded)` to `body` without making it apart: how push and pull bodies are built.
    static func appendQuotingStamp(_ encoded: Data, to body: inout Data) {
        encoded.withUnsafeBytes { bytes in
            guard let (start, end) = stampDigits(in: bytes), bytes[start] != UInt8(ascii: "\"") else {
                body.append(contentsOf: bytes)
                return
            }
            body.append(contentsOf: bytes[..<start])
            body.append(UInt8(ascii: "\""))
            body.append(contentsOf: bytes[start..<end])
            body.append(UInt8(ascii: "\""))
            body.append(contentsOf: bytes[end...])
        }
    }

    /// The stored form of an operation received with its stamp as text: `"hlc":"123"` written back as
    /// `"hlc":123`; unchanged when the stamp is a number; nil when the stamp is not found in either spelling.
    public static func unquotingStamp(_ encoded: String) -> String? {
        var text = encoded
        return text.withUTF8 { utf8 -> String? in
            guard let (start, end) = stampDigits(in: UnsafeRawBufferPointer(utf8)) else { return nil }
            guard utf8[start] == UInt8(ascii: "\"") else { return encoded }
            guard end < utf8.count, utf8[end] == UInt8(ascii: "\"") else { return nil }
            // The text around the two quotes, copied once.
            return String(unsafeUninitializedCapacity: utf8.count - 2) { out in
                var written = 0
                for part in [utf8[..<start], utf8[(start + 1)..<end], utf8[(end + 1)...]] {
                    _ = out[written..<(written + part.count)].initialize(from: part)
                    written += part.count
                }
                return written
            }
        }
    }

    private static let stampKey = Array("\"hlc\":".utf8)

    /// Where the stamp after the first `"hlc":` starts, and where its digits end: the opening quote when it is
    /// text (its digits run from `start + 1`), the first digit when it is a number.
    private static func stampDigits(in bytes: UnsafeRawBufferPointer) -> (start: Int, end: Int)? {
        let key = stampKey
        guard bytes.count > key.count else { return nil }
        var index = 0
        while index + key.count < bytes.count {
            if bytes[index] == key[0], (0..<key.count).allSatisfy({ bytes[index + $0] == key[$0] }) {
                let start = index + key.count
                var end = bytes[start] == UInt8(ascii: "\"") ? start + 1 : start
                let digitsStart = end
                while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) { end += 1 }
                return end > digitsStart ? (start, end) : nil
            }
            index += 1
        }
        return nil
    }
}
