import Foundation
import Hummingbird
import Models

/// Reading query parameters with one clear 400 for each kind of mistake, never echoing the value.
enum QueryParameters {
    /// The handler behind a check that the request has only the query parameters it takes, each once: 400
    /// `unknown-parameter` naming the parameter and the ones taken (so `?cursor=0` is not silently read as no
    /// cursor), 400 `bad-parameter` for one given twice. Every route is registered through this.
    static func only<Context: RequestContext>(
        _ accepted: [String],
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        { request, context in
            try check(request.uri.queryParameters, accepted: accepted)
            return try await handler(request, context)
        }
    }

    static func check(_ query: Parameters, accepted: [String]) throws {
        var seen: Set<Substring> = []
        for parameter in query {
            // The name is the client's text: repeated only when it is short and plain.
            let isPlain =
                parameter.key.count <= 40
                && parameter.key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            let name = isPlain ? "'\(parameter.key)'" : "given"
            guard accepted.contains(String(parameter.key)) else {
                let taken = accepted.isEmpty ? "it takes none" : "it takes " + accepted.joined(separator: ", ")
                throw APIError.badRequest(
                    "unknown-parameter",
                    "This endpoint does not take the query parameter \(name); \(taken)."
                )
            }
            guard seen.insert(parameter.key).inserted else {
                throw APIError.badRequest("bad-parameter", "The query parameter \(name) is given twice.")
            }
        }
    }

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

    /// A free-text parameter that reaches the audit log: one line of plain text (`TextRules`) of at most `limit`
    /// characters; 400 `text-too-long` or `control-characters` naming the parameter.
    static func line(_ query: Parameters, _ name: String, limit: Int) throws -> String? {
        guard let text = string(query, name) else { return nil }
        do throws(ValidationError) { try TextRules.check(text, field: "parameter '\(name)'", limit: limit) } catch {
            throw APIError.badRequest(error.code, error.message)
        }
        return text
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
            let allowed = Value.allCases.map(\.rawValue)
            throw APIError(
                .badRequest,
                code: "unknown-value",
                message: "The parameter '\(name)' must be one of: \(allowed.joined(separator: ", ")).",
                allowed: allowed
            )
        }
        return value
    }

    /// The stated purpose of a read: required, one line of plain text, at most 500 characters.
    static func reason(_ query: Parameters) throws -> String {
        guard let reason = try line(query, "reason", limit: TextLimits.reason)?.trimmingCharacters(in: .whitespaces),
            !reason.isEmpty
        else {
            throw APIError.badRequest(
                "reason-required",
                "Say why you are looking (the parameter 'reason'); it is kept in the audit log."
            )
        }
        return reason
    }
}
