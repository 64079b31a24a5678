import Foundation
import Hummingbird
import Models

/// Reading query parameters with one clear 400 for each kind of mistake, never echoing the value.
enum QueryParameters {
    static func integer(
        _ query: Parameters,
        _ name: String,
        default: Int64,
        range: ClosedRange<Int64>
    ) throws -> Int64 {
        guard let text = query[Substring(name)].map(String.init) else { return `default` }
        guard let value = Int64(text), range.contains(value) else {
            throw APIError.badRequest(
                "bad-parameter",
                "The parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)."
            )
        }
        return value
    }

    static func string(_ query: Parameters, _ name: String) -> String? {
        query[Substring(name)].map(String.init)
    }

    static func date(_ query: Parameters, _ name: String) throws -> Date? {
        guard let text = string(query, name) else { return nil }
        guard let date = WireCoding.parseDate(text) else {
            throw APIError.badRequest("bad-parameter", "The parameter '\(name)' must be an ISO-8601 time.")
        }
        return date
    }

    static func enumeration<Value: RawRepresentable & CaseIterable>(
        _ query: Parameters,
        _ name: String,
        _ type: Value.Type
    ) throws -> Value? where Value.RawValue == String {
        guard let text = string(query, name) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw APIError.badRequest(
                "bad-parameter",
                "The parameter '\(name)' must be one of: \(Value.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        return value
    }

    /// The stated purpose of a read: required, one line, at most 500 characters.
    static func reason(_ query: Parameters) throws -> String {
        guard let reason = string(query, "reason")?.trimmingCharacters(in: .whitespaces), !reason.isEmpty else {
            throw APIError.badRequest(
                "reason-required",
                "Say why you are looking (the parameter 'reason'); it is kept in the audit log."
            )
        }
        guard reason.count <= 500, !reason.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true })
        else {
            throw APIError.badRequest("bad-parameter", "The reason must be one line of at most 500 characters.")
        }
        return reason
    }
}
