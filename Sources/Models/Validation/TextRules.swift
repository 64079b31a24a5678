import Foundation

/// Length limits and character rules for free text.
public enum TextLimits {
    public static let narrative = 4000
    public static let notes = 4000
    public static let noteText = 4000
    public static let place = 200
    public static let shortDescription = 200
    public static let reason = 500
}

enum TextRules {
    /// Checks a free-text field: bounded length, and no control characters but newlines and tabs where allowed.
    static func check(_ text: String, field: String, limit: Int, multiline: Bool = false) throws(ValidationError) {
        guard text.count <= limit else { throw .textTooLong(field, limit: limit) }
        let allowedControls: Set<Unicode.Scalar> = multiline ? ["\n", "\t", "\r"] : []
        for scalar in text.unicodeScalars
        where scalar.properties.generalCategory == .control && !allowedControls.contains(scalar) {
            throw .controlCharacters(field)
        }
    }

    static func check(_ text: String?, field: String, limit: Int) throws(ValidationError) {
        if let text { try check(text, field: field, limit: limit) }
    }
}
