import Foundation

/// The rules for the identifiers of people, devices and venues.
public enum Identifiers {
    /// A user id: a collar number or an SIA licence number, such as `PC-4127` or `SIA-1012-3344-5566-7788`.
    public static func validateUser(_ id: String) throws(ValidationError) {
        try validate(id, what: "user id", maxLength: 32, allowed: isUpperAlphanumericOrDash)
    }

    /// A device id, such as `dev-7f3a9c`.
    public static func validateDevice(_ id: String) throws(ValidationError) {
        try validate(id, what: "device id", maxLength: 64, allowed: isLowerAlphanumericOrDash)
    }

    /// A venue id, such as `venue-seel-st-03`.
    public static func validateVenue(_ id: String) throws(ValidationError) {
        try validate(id, what: "venue id", maxLength: 64, allowed: isLowerAlphanumericOrDash)
    }

    private static func validate(
        _ id: String,
        what: String,
        maxLength: Int,
        allowed: (Character) -> Bool
    ) throws(ValidationError) {
        let rule =
            allowed("a")
            ? "2 to \(maxLength) characters of a-z, 0-9 and '-', starting with a letter or digit"
            : "2 to \(maxLength) characters of A-Z, 0-9 and '-', starting with a letter or digit"
        guard (2...maxLength).contains(id.count), let first = id.first, first != "-", id.allSatisfy(allowed) else {
            throw .malformedId(what, rule: rule)
        }
    }

    // Characters compare by Unicode scalars, so "q" followed by a combining mark would sort inside "a"..."z":
    // only plain ASCII counts.
    private static func isLowerAlphanumericOrDash(_ character: Character) -> Bool {
        character.isASCII && (character == "-" || ("a"..."z").contains(character) || ("0"..."9").contains(character))
    }

    private static func isUpperAlphanumericOrDash(_ character: Character) -> Bool {
        character.isASCII && (character == "-" || ("A"..."Z").contains(character) || ("0"..."9").contains(character))
    }
}
