import Foundation
import Hummingbird
import Models
import NIOCore

extension Request {
    /// Reads the body (at most `ProtocolLimits.maxRequestBodyBytes`, inflated if it is gzip) and decodes it with the wire coder.
    ///
    /// - Throws: `APIError` 413 for a body too large, 400 `too-deep` for one nested too deep, 400 `unknown-value`
    ///   for a value outside an enumeration (`WireEnumeration`), 400 `bad-json` for
    ///   one that holds `null` (the API documents no field as nullable: a field that has no value is left out)
    ///   and, naming the offending field, for one that does not decode; 400 `bad-json` naming the broken rule for one
    ///   that is not strict JSON (`WireCoding.checkStrictJSON`: a key twice in an object, invalid UTF-8, ...); 400
    ///   `clock-out-of-range` naming the field for a clock stamp outside `HLCTimestamp.plausibleWallMilliseconds`.
    /// - Parameter decode: how to decode the bytes (a fast path of `WireCoding`); `JSONDecoder` by default. It must
    ///   refuse every body that is not strict JSON, as both do.
    func decodeJSON<Value: Decodable>(
        _ type: Value.Type,
        using decode: (Data) throws -> Value = { try WireCoding.decode(Value.self, from: $0) }
    ) async throws -> Value {
        let buffer = try await collectDecodedBody(upTo: ProtocolLimits.maxRequestBodyBytes)
        let shape = Self.shape(of: buffer.readableBytesView)
        guard shape.depth <= ProtocolLimits.maxJSONDepth else {
            throw APIError.badRequest(
                "too-deep",
                "The body nests arrays and objects more than \(ProtocolLimits.maxJSONDepth) deep."
            )
        }
        // Optional decoding would take `null` for "left out"; the document gives every field a type without null,
        // so a client that sends null for an array or a string is told so instead of being half understood.
        guard !shape.holdsNull else {
            throw APIError.badRequest(
                "bad-json",
                "The body holds null: no field takes null; leave out a field that has no value."
            )
        }
        let data = Data(buffer.readableBytesView)
        do {
            return try decode(data)
        } catch {
            // One rule for every body, whichever decoder reads it: strict JSON (no key twice, valid UTF-8, RFC 8259's
            // numbers). Every decoder refuses anything else (`WireCoding`'s fast paths and `decode` alike), so the
            // body is checked against the rule only once refused, to tell the client which part it broke.
            do throws(WireCoding.NotStrictJSON) { try WireCoding.checkStrictJSON(data) } catch {
                throw APIError.badRequest("bad-json", "The body is not valid JSON: \(error.reason).")
            }
            throw Self.refusal(error)
        }
    }

    /// The answer to a strict-JSON body its decoder refused.
    private static func refusal(_ error: any Error) -> APIError {
        switch error {
        case let error as DecodingError:
            if case .dataCorrupted(let context) = error {
                if let unknown = context.underlyingError as? UnknownValue { return .unknownValue(unknown) }
                if context.underlyingError is ClockStampOutOfRange {
                    return .badRequest("clock-out-of-range", describe(error))
                }
            }
            return .badRequest("bad-json", describe(error))
        default:
            return .badRequest("bad-json", "The body is not valid JSON.")
        }
    }

    /// What one pass over a body finds outside strings: the deepest nesting of arrays and objects, and whether a
    /// `null` appears (in JSON, an `n` outside strings is only ever the start of `null`; malformed JSON is the
    /// decoder's to refuse).
    static func shape(of bytes: some Sequence<UInt8>) -> (depth: Int, holdsNull: Bool) {
        var depth = 0
        var deepest = 0
        var holdsNull = false
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: "n"): holdsNull = true
            default: break
            }
        }
        return (deepest, holdsNull)
    }

    /// Says what is wrong and where, without repeating the client's values.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the body" : "'\(text.dropFirst(text.hasPrefix(".") ? 1 : 0))'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "The field \(path(context.codingPath + [key])) is missing."
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "The field \(path(context.codingPath)) has the wrong type."
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "The body is not valid JSON." }
            if context.underlyingError is ClockStampOutOfRange {
                return "The field \(path(context.codingPath)) is not a clock stamp from 2020 to 2200: a stamp is "
                    + "milliseconds since 1970 times 65,536 plus a counter (docs/openapi.yaml, HLCTimestamp)."
            }
            // The decoder's own description repeats the refused value; say only where the problem is.
            return
                "The field \(path(context.codingPath)) has a value that is not allowed (docs/openapi.yaml describes every field)."
        @unknown default:
            return "The body could not be decoded."
        }
    }
}
