import Foundation

/// A closed set of values on the wire (a behaviour, a risk level, a record type, ...): decoding a value outside
/// the set throws `DecodingError.dataCorrupted` whose underlying error is an `UnknownValue` naming the field, the
/// value and the values allowed, so that the API can answer `unknown-value` instead of a bare `bad-json`.
public protocol WireEnumeration: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension WireEnumeration {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            let unknown = UnknownValue(
                field: UnknownValue.path(decoder.codingPath),
                value: text,
                allowed: Self.allCases.map(\.rawValue)
            )
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: unknown.message, underlyingError: unknown)
            )
        }
        self = value
    }
}

/// A value outside an enumeration, where a document gave it.
public struct UnknownValue: Error, Sendable, Hashable {
    /// Where the value was, such as `operations[0].payload.riskLevel`.
    public var field: String
    /// The value given, when it has the shape of an enumeration's value (`looksLikeCode`); nil otherwise: a value
    /// of another shape may be someone's words or name, and messages never repeat a client's data.
    public var value: String?
    /// Every value the field takes, in the order the enumeration lists them.
    public var allowed: [String]

    public init(field: String, value: String, allowed: [String]) {
        self.field = field
        self.value = Self.looksLikeCode(value) ? value : nil
        self.allowed = allowed
    }

    /// Whether a text has the shape of every enumeration value: 1 to 40 lower-case ASCII letters, digits and hyphens.
    static func looksLikeCode(_ text: String) -> Bool {
        (1...40).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-")
            }
    }

    /// For a person: the field, the value (when it is shown) and the values allowed.
    public var message: String {
        "The field '\(field)' has \(value.map { "the value '\($0)'" } ?? "a value"), which is not one of its values: "
            + allowed.joined(separator: ", ") + " (docs/openapi.yaml lists the values of every field)."
    }

    /// A coding path as a person writes it: `operations[0].payload.riskLevel`.
    public static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "the body" : text
    }
}

// Every enumeration a client sends.
extension Behaviour: WireEnumeration {}
extension RiskLevel: WireEnumeration {}
extension InterventionAction: WireEnumeration {}
extension Outcome: WireEnumeration {}
extension SubjectDescription.Sex: WireEnumeration {}
extension SubjectDescription.AgeBand: WireEnumeration {}
extension SubjectDescription.HeightBand: WireEnumeration {}
extension SubjectDescription.Build: WireEnumeration {}
extension RecordType: WireEnumeration {}
extension OperationKind: WireEnumeration {}
extension AmendableField: WireEnumeration {}
extension RedactionReason: WireEnumeration {}
extension ReviewStatus: WireEnumeration {}
extension IntelligenceGrading.SourceEvaluation: WireEnumeration {}
extension IntelligenceGrading.IntelligenceAssessment: WireEnumeration {}
extension IntelligenceGrading.HandlingCode: WireEnumeration {}
extension RecordLink.LinkKind: WireEnumeration {}
extension Role: WireEnumeration {}
extension RetentionDecisionKind: WireEnumeration {}
extension StreetSafeReason: WireEnumeration {}
extension StreetSafeReason.Kind: WireEnumeration {}
