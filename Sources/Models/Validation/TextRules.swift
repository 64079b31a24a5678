import Foundation

/// Length limits and character rules for free text.
public enum TextLimits {
    public static let narrative = 4000
    public static let notes = 4000
    public static let noteText = 4000
    public static let place = 200
    public static let shortDescription = 200
    public static let reason = 500
    /// Who receives an export.
    public static let recipient = 200
    /// A user named in a filter of the audit log (a user id, or `console:NAME`).
    public static let actor = 100
    /// The longest text form of a coded field's value: a time, a venue id, a code, or a list of behaviours or
    /// actions (all of them, comma-separated, fit).
    public static let codedValue = 400
}

/// The one rule for the characters of free text, and the one way to show stored text safely.
///
/// A single-line field (a reason, a recipient, an explanation, a place: everything that can reach the audit
/// log or a one-line display) holds no control characters at all — C0 with tab and newline, DEL, C1 — no line
/// or paragraph separators, no bidirectional formatting characters (embeddings, overrides, isolates and
/// marks), which can make a line read as something it is not, and no invisible characters that hide or split text. Multi-line fields (a narrative, notes) follow the
/// same rule but may hold newlines, tabs and carriage returns.
public enum TextRules {
    /// Checks a free-text field: bounded length, and no control characters but newlines and tabs where allowed.
    /// - Throws: `text-too-long`, or `control-characters` naming the field.
    public static func check(
        _ text: String,
        field: String,
        limit: Int,
        multiline: Bool = false
    ) throws(ValidationError) {
        // A character is at least one byte, so counting characters is needed only for long texts.
        guard text.utf8.count <= limit || text.count <= limit else { throw .textTooLong(field, limit: limit) }
        for scalar in text.unicodeScalars where isUnsafe(scalar) {
            let allowed = multiline && (scalar == "\n" || scalar == "\t" || scalar == "\r")
            if !allowed { throw .controlCharacters(field) }
        }
    }

    static func check(_ text: String?, field: String, limit: Int) throws(ValidationError) {
        if let text { try check(text, field: field, limit: limit) }
    }

    /// Whether a text is empty or only white space: what `trimmingCharacters(in: .whitespaces).isEmpty` answers
    /// (with `newlines`, `.whitespacesAndNewlines`), without going through `NSString`, which costs microseconds
    /// on Linux for every record checked.
    public static func isBlank(_ text: String, newlines: Bool = false) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0x09, 0x200B: return true  // Foundation counts the zero-width space as white space
            case 0x0A...0x0D, 0x85: return newlines
            default:
                switch scalar.properties.generalCategory {
                case .spaceSeparator: return true
                case .lineSeparator, .paragraphSeparator: return newlines
                default: return false
                }
            }
        }
    }

    /// Whether a character may not appear in a single-line field: a control character (C0, DEL, C1), a line or
    /// paragraph separator (U+2028, U+2029), a bidirectional formatting character (U+061C, U+200E, U+200F,
    /// U+202A–U+202E, U+2066–U+2069), or an invisible one that only hides or splits text (zero-width space U+200B,
    /// word joiner and invisible operators U+2060–U+2064, the deprecated format characters U+206A–U+206F, the
    /// byte-order mark U+FEFF, interlinear annotation U+FFF9–U+FFFB). The zero-width joiner and non-joiner stay:
    /// emoji and several scripts need them.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x2028, 0x2029: true  // line and paragraph separators: line breaks by another name
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        case 0x200B, 0x2060...0x2064, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFB: true
        default: false
        }
    }

    /// The text with every character `isUnsafe` refuses shown as a visible escape (`\n`, `\t`, `\r`, or
    /// `\u{1B}`): for showing stored text on a terminal, where it then stays on one line and reads as it is.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var shown = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": shown += "\\n"
            case "\t": shown += "\\t"
            case "\r": shown += "\\r"
            case _ where isUnsafe(scalar): shown += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }
}
