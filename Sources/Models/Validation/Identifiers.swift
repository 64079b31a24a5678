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
        allowed: (UInt8) -> Bool
    ) throws(ValidationError) {
        // Ids are plain ASCII, so bytes are characters: checking bytes is exact and fast.
        let bytes = id.utf8
        guard (2...maxLength).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.allSatisfy(allowed) else {
            let letters = allowed(UInt8(ascii: "a")) ? "a-z" : "A-Z"
            throw .malformedId(
                what,
                rule: "2 to \(maxLength) characters of \(letters), 0-9 and '-', starting with a letter or digit"
            )
        }
    }

    private static func isLowerAlphanumericOrDash(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "-") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isUpperAlphanumericOrDash(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "-") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
