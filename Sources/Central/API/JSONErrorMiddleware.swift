import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models

/// Turns every error into a JSON body `{code, message}`: the API's own errors as they are, the framework's
/// (unknown route, wrong method, body too large) with a stable code, a store out of room as a 503 with
/// `Retry-After`, and anything else as a 500 that says nothing of its cause to the client (the cause's type is
/// logged, never request content).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as AccountError {
            let status: HTTPResponse.Status =
                switch error.kind {
                case .invalid: .badRequest
                case .notFound: .notFound
                case .conflict: .conflict
                case .forbidden: .forbidden
                }
            return try APIError(status, code: error.code, message: error.message)
                .response(from: request, context: context)
        } catch is RedactionNotSettled {
            return try APIError(
                .serviceUnavailable,
                code: "busy",
                message: "The push is stored, but the server could not yet finish clearing redacted content from "
                    + "its files; send it again.",
                headers: [.retryAfter: "1"]
            ).response(from: request, context: context)
        } catch let error as StoreUnavailable {
            return try APIError.unavailable(error).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try Self.apiError(for: error.status).response(from: request, context: context)
        } catch {
            context.logger.error(
                "request.failed",
                metadata: ["error.type": "\(type(of: error))", "http.path": "\(request.uri.path)"]
            )
            return try APIError(
                .internalServerError,
                code: "internal",
                message: "The server failed to handle the request; nothing was changed by the failed step. Try again."
            ).response(from: request, context: context)
        }
    }

    private static func apiError(for status: HTTPResponse.Status) -> APIError {
        switch status {
        case .notFound: .notFound("No such endpoint. The API lives under /v1; see the README.")
        case .methodNotAllowed:
            APIError(status, code: "method-not-allowed", message: "This endpoint does not take that HTTP method.")
        case .contentTooLarge: .bodyTooLarge
        case .badRequest: .badRequest("bad-request", "The request is malformed.")
        default: APIError(status, code: "http-\(status.code)", message: status.reasonPhrase)
        }
    }
}
