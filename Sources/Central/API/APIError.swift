import Foundation
import HTTPTypes
import Hummingbird
import Models

/// An error the API answers with: an HTTP status, a stable machine code and a message for a person.
///
/// Messages never repeat the client's data back (no record content, no tokens).
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields
    /// With `unknown-value`: every value the field takes (`ErrorBody.allowed`).
    public var allowed: [String]?

    public init(
        _ status: HTTPResponse.Status,
        code: String,
        message: String,
        headers: HTTPFields = [:],
        allowed: [String]? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.allowed = allowed
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        EmpowerMetrics.countRefusal(code: code, status: status.code)
        var response = try JSONResponse.make(ErrorBody(code: code, message: message, allowed: allowed), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    static func badRequest(_ code: String, _ message: String) -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    /// 400 `unknown-value`: a value outside an enumeration, named with the values the field takes.
    static func unknownValue(_ unknown: UnknownValue) -> APIError {
        APIError(.badRequest, code: "unknown-value", message: unknown.message, allowed: unknown.allowed)
    }

    static let bodyTooLarge = APIError(
        .contentTooLarge,
        code: "body-too-large",
        message:
            "The request body is larger than \(ProtocolLimits.maxRequestBodyBytes) bytes; send fewer operations at once."
    )

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, code: "not-found", message: message)
    }

    /// The store cannot take a write now (`StoreUnavailable`): 503, and when to try again. A full disk needs
    /// someone to make room, so devices are asked to wait longer than for a passing shortage.
    static func unavailable(_ error: StoreUnavailable) -> APIError {
        switch error.reason {
        case .diskFull:
            APIError(
                .serviceUnavailable,
                code: "disk-full",
                message: "The server's disk is full, so it cannot store anything just now. "
                    + "Send this again later: nothing is lost or stored twice.",
                headers: [.retryAfter: "\(diskFullRetrySeconds)"]
            )
        case .insufficientResources:
            APIError(
                .serviceUnavailable,
                code: "insufficient-resources",
                message: "The server's database is short of resources just now. "
                    + "Send this again later: nothing is lost or stored twice.",
                headers: [.retryAfter: "2"]
            )
        }
    }

    /// The `Retry-After` of a `disk-full` answer, in seconds.
    static let diskFullRetrySeconds = 10
}

/// Builds JSON responses with Empower's one wire coder.
enum JSONResponse {
    static func make(
        _ value: some Encodable,
        status: HTTPResponse.Status = .ok,
        clockStamps: ClockStampForm = .number
    ) throws -> Response {
        make(encoded: try WireCoding.encode(value, clockStamps: clockStamps), status: status)
    }

    /// A response with JSON already encoded.
    static func make(encoded data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
