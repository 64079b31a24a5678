import Foundation
import Hummingbird
import Logging
import Metrics

/// Logs one line per request and counts it (`EmpowerMetrics`): the route template (never the path or query as
/// sent, which may name records or hold search terms), the method, the status and the time taken. The request
/// id is in every line of the request's logger (`hb.request.id`), this one included.
struct RequestTelemetryMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        // The matched route's template (such as /v1/records/{id}); one label for every path that matched none.
        let route = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : $0 } ?? "unmatched"
        let status: Int
        do {
            let response = try await next(request, context)
            status = response.status.code
            record(route: route, method: request.method.rawValue, status: status, since: started, context: context)
            return response
        } catch let error as any HTTPResponseError {
            record(
                route: route,
                method: request.method.rawValue,
                status: error.status.code,
                since: started,
                context: context
            )
            throw error
        } catch {
            record(route: route, method: request.method.rawValue, status: 500, since: started, context: context)
            throw error
        }
    }

    private func record(
        route: String,
        method: String,
        status: Int,
        since started: ContinuousClock.Instant,
        context: Context
    ) {
        let elapsed = ContinuousClock.now - started
        EmpowerMetrics.requests(route: route, method: method, status: status).increment()
        EmpowerMetrics.requestDuration(route: route, method: method).recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        )
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "http.method": "\(method)", "http.route": "\(route)", "http.status": "\(status)",
                "duration.ms": "\(String(format: "%.1f", milliseconds))",
            ]
        )
    }
}
