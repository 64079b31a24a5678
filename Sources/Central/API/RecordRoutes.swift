import Foundation
import Hummingbird
import Models

/// Read access to the merged log: listing and one record with its history.
struct RecordRoutes<Context: RequestContext>: Sendable {
    let store: any CentralStore

    func register(on group: RouterGroup<Context>) {
        group.get("records", use: list)
        group.get("records/:id", use: show)
    }

    /// `GET /v1/records?venue=ID&since=ISO-8601&type=sighting`.
    @Sendable func list(request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = RecordFilter()
        if let venue = query["venue"].map(String.init) {
            do throws(ValidationError) { try Identifiers.validateVenue(venue) } catch {
                throw APIError.badRequest("bad-parameter", error.message)
            }
            filter.venueId = venue
        }
        if let since = query["since"].map(String.init) {
            guard let date = WireCoding.parseDate(since) else {
                throw APIError.badRequest("bad-parameter", "The parameter 'since' must be an ISO-8601 time.")
            }
            filter.since = date
        }
        if let type = query["type"].map(String.init) {
            guard let recordType = RecordType(rawValue: type) else {
                throw APIError.badRequest(
                    "bad-parameter",
                    "The parameter 'type' must be sighting, intervention or note."
                )
            }
            filter.types = [recordType]
        }
        return try JSONResponse.make(RecordList(records: try await store.records(matching: filter)))
    }

    /// `GET /v1/records/{id}`.
    @Sendable func show(request: Request, context: Context) async throws -> Response {
        guard let text = context.parameters.get("id"), let id = UUID(text: text) else {
            throw APIError.badRequest("bad-parameter", "The record id must be a UUID.")
        }
        guard let record = try await store.record(id: id) else { throw APIError.notFound("No record with that id.") }
        return try JSONResponse.make(record)
    }
}
