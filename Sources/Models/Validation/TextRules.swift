import Foundation

/// Length limits and character rules for free text.
public enum TextLimits {
    public static let narrative = 4000
    public static let notes = 4000
    public static let noteText = 4000
    public static let place = 200
    public static let shortDescription = 200
    public static let reason = 500
    /// The longest text form of a coded field's value: a time, a venue id, a code, or a list of behaviours or
    /// actions (all of them, comma-separated, fit).
    public static let codedValue = 400
}

enum TextRules {
    /// Checks a free-text field: bounded length, and no control characters but newlines and tabs where allowed.
    static func check(_ text: String, field: String, limit: Int, multiline: Bool = false) throws(ValidationError) {
        // A character is at least one byte, so counting characters is needed only for long texts.
        guard text.utf8.count <= limit || text.count <= limit else { throw .textTooLong(field, limit: limit) }
        var previous: UInt8 = 0
        for byte in text.utf8 {
            // C0 controls and DEL are single bytes; C1 controls (U+0080...U+009F) are 0xC2 0x80...0x9F.
            let isC0 = byte < 0x20 || byte == 0x7F
            let isC1 = previous == 0xC2 && (0x80...0x9F).contains(byte)
            let allowed =
                multiline && (byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r"))
            if (isC0 && !allowed) || isC1 { throw .controlCharacters(field) }
            previous = byte
        }
    }

    static func check(_ text: String?, field: String, limit: Int) throws(ValidationError) {
        if let text { try check(text, field: field, limit: limit) }
    }
}
