import Foundation

extension UUID {
    /// The canonical upper-case text of the id, as `uuidString` gives it, without going through `snprintf`.
    ///
    /// Ids are written and read for every stored and synced operation, so this is on every hot path.
    public var text: String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            writeText(into: UnsafeMutableRawBufferPointer(buffer))
            return 36
        }
    }

    /// Calls `body` with the id's canonical text (36 bytes of ASCII) in a buffer on the stack, for callers that
    /// copy it somewhere else anyway (such as a bound SQLite argument) and need no `String`.
    public func withText<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(byteCount: 36, alignment: 1) { buffer in
            writeText(into: buffer)
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }

    private func writeText(into buffer: UnsafeMutableRawBufferPointer) {
        withUnsafeBytes(of: uuid) { bytes in
            var out = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                buffer[out] = Self.hexDigits[Int(byte >> 4)]
                buffer[out + 1] = Self.hexDigits[Int(byte & 0x0F)]
                out += 2
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Parses the canonical text of an id (either case), as `init(uuidString:)` does, without `sscanf`.
    public init?(text: some StringProtocol) {
        var text = String(text)
        guard let id = text.withUTF8({ UUID(utf8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = id
    }

    /// Parses the canonical text of an id (either case) from its UTF-8 bytes, with no copy.
    init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 36 else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &uuid) { out -> Bool in
            var position = 0
            for index in 0..<16 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard bytes[position] == UInt8(ascii: "-") else { return false }
                    position += 1
                }
                guard let high = Self.nibble(bytes[position]), let low = Self.nibble(bytes[position + 1]) else {
                    return false
                }
                out[index] = high << 4 | low
                position += 2
            }
            return true
        }
        guard parsed else { return nil }
        self.init(uuid: uuid)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
