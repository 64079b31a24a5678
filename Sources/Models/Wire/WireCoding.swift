import Foundation

/// The one JSON coder of Empower, used by devices, the server and every file it reads or writes.
///
/// Times are ISO-8601 in UTC with milliseconds (`2026-11-21T23:40:00.123Z`); times without fractional
/// seconds are accepted on input. Keys are sorted so that equal values encode to equal bytes.
public enum WireCoding {
    /// The newest protocol version spoken under `/v1`: the one devices speak. Version 2 writes clock stamps as
    /// strings (`ClockStampForm`); the server still serves version 1, which writes them as numbers.
    public static let protocolVersion = 2

    /// The protocol versions the server serves.
    public static let supportedProtocolVersions = 1...protocolVersion

    /// A new encoder with Empower's settings.
    public static func makeEncoder(pretty: Bool = false, clockStamps: ClockStampForm = .number) -> JSONEncoder {
        let encoder = JSONEncoder()
        if clockStamps == .text { encoder.userInfo[ClockStampForm.userInfoKey] = ClockStampForm.text }
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        return encoder
    }

    /// A new decoder with Empower's settings.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "Expected an ISO-8601 time such as 2026-11-21T23:40:00Z."
                )
            }
            return date
        }
        return decoder
    }

    /// Encodes a value with Empower's settings.
    public static func encode(_ value: some Encodable, clockStamps: ClockStampForm = .number) throws -> Data {
        try makeEncoder(clockStamps: clockStamps).encode(value)
    }

    /// Decodes a value with Empower's settings, from strict JSON only (`checkStrictJSON`).
    ///
    /// - Throws: `DecodingError.dataCorrupted` at the top level for a document that is not strict JSON.
    public static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        do throws(NotStrictJSON) { try checkStrictJSON(data) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: error.reason))
        }
        return try makeDecoder().decode(type, from: data)
    }

    /// Why a document is not strict JSON.
    public struct NotStrictJSON: Error, Sendable {
        /// What is wrong, without repeating the document's content, such as "a key appears twice in one object".
        public var reason: String
    }

    /// The one rule for every JSON Empower reads: exactly one value by RFC 8259's grammar (so no leading zeros,
    /// `+1`, `.5`, trailing commas or comments), strings in valid UTF-8, and no key twice in one object (which
    /// `JSONDecoder` would resolve silently). The fast operation coder applies the same rule as it reads.
    public static func checkStrictJSON(_ data: Data) throws(NotStrictJSON) {
        do {
            try data.withUnsafeBytes { try JSONReader.validate($0) }
        } catch let failure as JSONReader.Failure {
            throw NotStrictJSON(reason: failure.reason)
        } catch {
            throw NotStrictJSON(reason: "\(error)")
        }
    }

    /// Formats a date as ISO-8601 UTC with milliseconds, such as `2026-11-21T23:40:00.123Z`.
    public static func formatDate(_ date: Date) -> String {
        ISO8601Time.format(millisecondsSince1970: date.millisecondsSince1970)
    }

    /// Parses an ISO-8601 time (`2026-11-21T23:40:00Z`, with optional fractional seconds and a `Z` or
    /// `±HH:MM` offset); nil if it is not one. Precision beyond milliseconds is cut.
    public static func parseDate(_ text: String) -> Date? {
        ISO8601Time.parse(text).map { Date(millisecondsSince1970: $0) }
    }
}
