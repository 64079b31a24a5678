import Foundation
import HTTPTypes
import Hummingbird
import Models

/// Derives the caller from `Authorization: Bearer …` on every endpoint but health and enrolment, limits
/// each token's request rate, and each client address's refused credentials (`FailureLimits`).
///
/// The token itself is never logged or echoed; it is looked up by its hash.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = EmpowerRequestContext

    let accounts: any AccountDirectory
    let rateLimiter: RateLimiter
    let failureLimits: FailureLimits
    /// Paths answered without an access token (enrolment and the wipe confirmation check their own).
    static let openPaths: Set<String> = ["/v1/health", "/v1/enrol", "/" + DeviceWipeProtocol.confirmationPath]

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.uri.path != "/v1/health", let address = context.clientAddress else {
            return try await authenticate(request, context: context, next: next)
        }
        // An address that sent too many refused credentials is answered before they are looked at.
        let limiter = request.uri.path == "/v1/enrol" ? failureLimits.enrolment : failureLimits.authentication
        if let wait = limiter.wait(address: address, now: Date()) {
            EmpowerMetrics.countRateLimited()
            throw APIError(
                .tooManyRequests,
                code: "too-many-failures",
                message: "Too many refused credentials from this address; wait and try again.",
                headers: [.retryAfter: "\(Int(wait.rounded(.up)))"]
            )
        }
        do {
            return try await authenticate(request, context: context, next: next)
        } catch let error as APIError where error.status == .unauthorized {
            limiter.charge(address: address, now: Date())
            throw error
        }
    }

    private func authenticate(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !Self.openPaths.contains(request.uri.path), !PublicRoutes.isOpen(request.uri.path),
            !Self.isDashboardPage(request.uri.path)
        else {
            return try await next(request, context)
        }
        guard let token = Self.bearerToken(in: request) else { throw APIError.unauthorized }
        guard let caller = try await accounts.caller(forToken: token, now: Date()) else {
            // Only the token a wipe was ordered for learns of it; every other refused token hears what it always did.
            if try await accounts.deliverWipe(token: token, now: Date()) != nil { throw APIError.wipeOrdered }
            throw APIError.unauthorized
        }
        if let wait = rateLimiter.admit(key: AccessToken.hash(token), now: Date()) {
            EmpowerMetrics.countRateLimited()
            throw APIError(
                .tooManyRequests,
                code: "rate-limited",
                message: "Too many requests with this token; wait and try again.",
                headers: [.retryAfter: "\(Int(wait.rounded(.up)))"]
            )
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }

    /// Whether a path is one of the dashboard's pages, which check their session cookie (`DashboardRoutes`).
    static func isDashboardPage(_ path: String) -> Bool {
        path == "/dashboard" || path.hasPrefix("/dashboard/")
    }

    /// The token of an `Authorization: Bearer TOKEN` header, if there is exactly that.
    static func bearerToken(in request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }
}
