import Foundation
import HTTPTypes
import Hummingbird
import Models
import Mustache

/// The supervisors' dashboard: a one-time sign-in link asked for with a supervisor's token
/// (`POST /v1/dashboard/sign-in`), and the pages under `/dashboard`, each read with the session cookie the link
/// gave and logged as a consultation with the session's purpose.
///
/// Pages are HTML rendered on the server (`DashboardTemplates`), charts SVG drawn on the server (`SVGChart`),
/// with a Content-Security-Policy that lets nothing load from elsewhere and no script run.
public struct DashboardRoutes: Sendable {
    typealias Context = EmpowerRequestContext

    let store: any CentralStore
    let sessions: DashboardSessions
    /// Whether the cookie is marked `Secure` (the server is reached over TLS).
    let secureCookie: Bool

    static let cookieName = "empower_dashboard"

    func register(on router: Router<Context>) {
        router.post("v1/dashboard/sign-in", use: QueryParameters.only([], issueSignIn))
        router.get("dashboard/sign-in", use: signIn)
        router.post("dashboard/sign-out", use: signOut)
        router.get("dashboard/style.css") { _, _ in
            Self.response(.ok, contentType: "text/css; charset=utf-8", body: DashboardTemplates.style)
        }
        router.get("dashboard/icon.svg") { _, _ in
            Self.response(.ok, contentType: "image/svg+xml", body: DashboardTemplates.icon)
        }
        for page in DashboardPage.allCases {
            router.get(RouterPath(String(page.path.dropFirst()))) { request, _ in
                try await show(page, request: request)
            }
        }
    }

    /// `POST /v1/dashboard/sign-in` with `{"reason": …}`: a one-time link for the caller, a supervisor.
    @Sendable func issueSignIn(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(DashboardSessions.roles)
        let body = try await request.decodeJSON(DashboardSignInRequest.self)
        let reason = body.reason.trimmingCharacters(in: .whitespaces)
        do throws(ValidationError) { try TextRules.check(reason, field: "reason", limit: TextLimits.reason) } catch {
            throw APIError.badRequest(error.code, error.message)
        }
        guard !reason.isEmpty else {
            throw APIError.badRequest(
                "reason-required",
                "Say why you are looking (the field 'reason'); it is kept in the audit log with every page you view."
            )
        }
        let now = Date()
        let token = try await sessions.issueSignIn(for: caller, reason: reason, now: now)
        return try JSONResponse.make(
            DashboardSignInLink(path: "/dashboard/sign-in?token=\(token)", expiresAt: now + sessions.linkLifetime),
            status: .created
        )
    }

    /// `GET /dashboard/sign-in?token=…`: the link opened; a session cookie and the first page, or a refusal.
    @Sendable func signIn(request: Request, context: Context) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        guard let (sessionToken, _) = try await sessions.redeem(token, now: Date()) else {
            return Self.message(
                .unauthorized,
                title: "This sign-in link cannot be used",
                message: "A sign-in link works once, for a minute, for a supervisor's enrolled device. "
                    + "Run 'empower-cli dashboard --reason …' on your device for a new one."
            )
        }
        var response = Self.response(.seeOther, contentType: "text/plain; charset=utf-8", body: "Signed in.")
        response.headers[.location] = DashboardPage.hotspots.path
        response.headers[.setCookie] = cookie(sessionToken, maxAge: Int(sessions.idleTimeout))
        return response
    }

    /// `POST /dashboard/sign-out`: ends the session and clears the cookie.
    @Sendable func signOut(request: Request, context: Context) async throws -> Response {
        if let token = Self.sessionToken(in: request) { try await sessions.end(token: token, now: Date()) }
        var response = Self.message(
            .ok,
            title: "Signed out",
            message: "Your dashboard session has ended. Run 'empower-cli dashboard --reason …' to sign in again."
        )
        response.headers[.setCookie] = cookie("", maxAge: 0)
        return response
    }

    /// A page: the session checked, the filter read, the figures aggregated, the view logged, the page rendered.
    func show(_ page: DashboardPage, request: Request) async throws -> Response {
        let now = Date()
        guard let token = Self.sessionToken(in: request),
            let session = try await sessions.session(forToken: token, now: now)
        else {
            return Self.message(
                .unauthorized,
                title: "Sign in to the dashboard",
                message: "You are not signed in, or your session ended (signed out, or unused for too long). "
                    + "Run 'empower-cli dashboard --reason …' on your enrolled device for a sign-in link."
            )
        }
        let venues = try await store.venues()
        let filter: DashboardFilter
        do {
            filter = try Self.filter(request.uri.queryParameters, venues: venues, now: now)
        } catch let error as APIError {
            return Self.message(.badRequest, title: "That filter cannot be used", message: error.message)
        }
        let (html, listed) = try await Self.render(page, filter: filter, venues: venues, session: session, store: store)
        try await store.appendAudit(
            AuditEntry(
                at: now,
                caller: session.caller,
                action: .dashboardViewed,
                recordIds: listed,
                scope: "\(page.rawValue): \(filter.description)",
                count: listed.count,
                reason: session.reason
            )
        )
        return Self.response(.ok, contentType: "text/html; charset=utf-8", body: html)
    }

    /// A page's HTML for a session, and the records it lists (what `show` logs); public for `empower-bench`,
    /// which times it.
    public static func render(
        _ page: DashboardPage,
        filter: DashboardFilter,
        venues: [Venue],
        session: DashboardSessions.Session,
        store: any CentralStore
    ) async throws -> (html: String, listed: [UUID]) {
        let (sections, listed) = try await DashboardPageBuilder(store: store, filter: filter, venues: venues).build(
            page
        )
        let areas = Set(venues.map(\.area)).sorted()
        let view = DashboardView(
            title: page.title,
            path: page.path,
            nav: DashboardPage.allCases.map {
                DashboardView.Link(label: $0.title, href: $0.path + Self.query(filter), current: $0 == page)
            },
            filter: DashboardView.FilterForm(
                action: page.path,
                from: filter.from,
                to: filter.to,
                areas: areas.map { DashboardView.Option(value: $0, label: $0, selected: $0 == filter.area) },
                venues: venues.sorted { $0.name < $1.name }.map {
                    DashboardView.Option(
                        value: $0.id,
                        label: "\($0.name) (\($0.area))",
                        selected: $0.id == filter.venueId
                    )
                }
            ),
            sections: sections,
            signedInAs: session.caller.userId,
            reason: session.reason,
            period: "Nights \(filter.from) to \(filter.to)"
                + (filter.area.map { ", \($0)" } ?? "")
                + (filter.venueId.flatMap { id in venues.first { $0.id == id }?.name }.map { ", \($0)" } ?? "")
                + ". Times are Europe/London."
        )
        return (DashboardTemplates.library.render(view, withTemplate: "page") ?? "", listed)
    }

    /// The filter of a page's query: `from` and `to` nights (`yyyy-MM-dd`, the last 28 nights by default),
    /// `area` (a venue area) or `venue` (a venue id); empty values mean none.
    static func filter(_ query: Parameters, venues: [Venue], now: Date) throws -> DashboardFilter {
        func value(_ name: String) -> String? {
            query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        let period = DashboardFilter.defaultPeriod(now: now)
        let from = value("from") ?? period.from
        let to = value("to") ?? period.to
        for (name, night) in [("from", from), ("to", to)] where DashboardNight.start(ofNight: night) == nil {
            throw APIError.badRequest("bad-parameter", "The '\(name)' night must be a date written yyyy-mm-dd.")
        }
        guard from <= to else {
            throw APIError.badRequest("bad-parameter", "The first night must not be after the last.")
        }
        let area = value("area")
        if let area, !venues.contains(where: { $0.area == area }) {
            throw APIError.badRequest("bad-parameter", "No venue is in that area; pick one from the list.")
        }
        let venueId = value("venue")
        if let venueId, !venues.contains(where: { $0.id == venueId }) {
            throw APIError.badRequest("bad-parameter", "There is no such venue; pick one from the list.")
        }
        return DashboardFilter(from: from, to: to, area: area, venueId: venueId)
    }

    /// The filter as a query string, kept when moving between pages.
    private static func query(_ filter: DashboardFilter) -> String {
        var items = [URLQueryItem(name: "from", value: filter.from), URLQueryItem(name: "to", value: filter.to)]
        if let area = filter.area { items.append(URLQueryItem(name: "area", value: area)) }
        if let venueId = filter.venueId { items.append(URLQueryItem(name: "venue", value: venueId)) }
        var components = URLComponents()
        components.queryItems = items
        return "?" + (components.percentEncodedQuery ?? "")
    }

    private func cookie(_ value: String, maxAge: Int) -> String {
        "\(Self.cookieName)=\(value); Path=/dashboard; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (secureCookie ? "; Secure" : "")
    }

    /// The session token of the request's cookie, if any.
    static func sessionToken(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == cookieName { return String(parts[1]) }
            }
        }
        return nil
    }

    /// A page that says one thing (a refusal, signing out).
    static func message(_ status: HTTPResponse.Status, title: String, message: String) -> Response {
        let html =
            DashboardTemplates.library.render(["title": title, "message": message], withTemplate: "message") ?? ""
        return response(status, contentType: "text/html; charset=utf-8", body: html)
    }

    /// Every dashboard response: the pages' headers (`PageResponse`: nothing loads from elsewhere, nothing is
    /// cached, framed or sent on as a referrer, such as the sign-in link's token), with no script at all and
    /// forms (the filter, signing out) sent only to the server itself.
    static func response(_ status: HTTPResponse.Status, contentType: String, body: String) -> Response {
        var headers = PageResponse.securityHeaders
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; connect-src 'none'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"
}
