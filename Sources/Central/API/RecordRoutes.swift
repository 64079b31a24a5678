import Foundation
import Hummingbird
import Models

/// Reads of the merged log for supervisors (every venue) and venue staff (their venues only, as
/// `AccessProjection` projects them): search, one record, and export. Every read states its purpose and is audited before anything is sent.
struct RecordRoutes: Sendable {
    typealias Context = EmpowerRequestContext

    let store: any CentralStore

    static let readerRoles: Set<Role> = [.supervisor, .venueStaff]

    /// The query parameters a search takes: its purpose and `filter`'s.
    static let searchParameters = ["reason", "venue", "since", "until", "night", "type", "behaviour", "action"]

    func register(on group: RouterGroup<Context>) {
        // Every read also takes `protocolVersion`: version 2 writes the records' clock stamps as strings.
        let version = QueryParameters.protocolVersion
        group.get("records", use: QueryParameters.only(Self.searchParameters + [version], search))
        group.get(
            "records/export",
            use: QueryParameters.only(Self.searchParameters + ["recipient", "format", version], export)
        )
        group.get("records/:id", use: QueryParameters.only(["reason", version], show))
    }

    /// `GET /v1/records?reason=…&venue=ID&since=…&until=…&night=YYYY-MM-DD&type=…&behaviour=…&action=…`.
    @Sendable func search(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(Self.readerRoles)
        let query = request.uri.queryParameters
        let filter = try Self.filter(query, for: caller)
        let reason = try QueryParameters.reason(query)
        let clockStamps = try QueryParameters.clockStamps(query)
        let records = try await store.records(matching: filter, for: caller)
        try await store.appendAudit(
            AuditEntry(
                at: Date(),
                caller: caller,
                action: .search,
                recordIds: records.map(\.id),
                scope: Self.describe(filter),
                count: records.count,
                reason: reason
            )
        )
        return try JSONResponse.make(RecordList(records: records), clockStamps: clockStamps)
    }

    /// `GET /v1/records/export?reason=…&recipient=…&format=csv|json` and the search filters.
    @Sendable func export(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(Self.readerRoles)
        let query = request.uri.queryParameters
        let filter = try Self.filter(query, for: caller)
        let reason = try QueryParameters.reason(query)
        let format = QueryParameters.string(query, "format") ?? "json"
        let clockStamps = try QueryParameters.clockStamps(query)
        guard ["csv", "json"].contains(format) else {
            throw APIError.badRequest("bad-parameter", "The parameter 'format' must be csv or json.")
        }
        guard
            let recipient = try QueryParameters.line(query, "recipient", limit: TextLimits.recipient)?
                .trimmingCharacters(in: .whitespaces),
            !recipient.isEmpty
        else {
            throw APIError.badRequest(
                "recipient-required",
                "Say who receives the export (the parameter 'recipient', at most 200 characters)."
            )
        }
        let records = try await store.records(matching: filter, for: caller)
        try await store.appendAudit(
            AuditEntry(
                at: Date(),
                caller: caller,
                action: .export,
                recordIds: records.map(\.id),
                scope: Self.describe(filter) + ", as \(format)",
                count: records.count,
                reason: reason,
                recipient: recipient
            )
        )
        guard format == "csv" else {
            return try JSONResponse.make(RecordList(records: records), clockStamps: clockStamps)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"empower-export.csv\"",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: RecordCSV.make(records)))
        )
    }

    /// `GET /v1/records/{id}?reason=…`: one record; a record outside the caller's venues is not found.
    @Sendable func show(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller(Self.readerRoles)
        guard let text = context.parameters.get("id"), let id = UUID(text: text) else {
            throw APIError.badRequest("bad-parameter", "The record id must be a UUID.")
        }
        let reason = try QueryParameters.reason(request.uri.queryParameters)
        let clockStamps = try QueryParameters.clockStamps(request.uri.queryParameters)
        // A record outside the caller's scope is not found, exactly as one that does not exist.
        guard let record = try await store.records(matching: RecordFilter(recordId: id), for: caller).first else {
            throw APIError.notFound("No record with that id.")
        }
        try await store.appendAudit(
            AuditEntry(at: Date(), caller: caller, action: .show, recordIds: [id], count: 1, reason: reason)
        )
        return try JSONResponse.make(record, clockStamps: clockStamps)
    }

    /// The filter a request asks for, narrowed to the caller's venues.
    static func filter(_ query: Parameters, for caller: Caller) throws -> RecordFilter {
        var filter = RecordFilter()
        if let venue = QueryParameters.string(query, "venue") {
            do throws(ValidationError) { try Identifiers.validateVenue(venue) } catch {
                throw APIError.badRequest("bad-parameter", error.message)
            }
            filter.venueId = venue
        }
        filter.since = try QueryParameters.date(query, "since")
        filter.until = try QueryParameters.date(query, "until")
        if let text = QueryParameters.string(query, "night") {
            guard let night = OperationalNight(text) else {
                throw APIError.badRequest(
                    "bad-parameter",
                    "The parameter 'night' must be the date a night begins on, YYYY-MM-DD (18:00 to 06:00 the next "
                        + "day, Europe/London)."
                )
            }
            filter = filter.narrowed(to: night)
        }
        if let type = try QueryParameters.enumeration(query, "type", RecordType.self) { filter.types = [type] }
        filter.behaviour = try QueryParameters.enumeration(query, "behaviour", Behaviour.self)
        filter.action = try QueryParameters.enumeration(query, "action", InterventionAction.self)
        if caller.role == .venueStaff { filter.scopeVenueIds = caller.venueIds }
        return filter
    }

    /// The filter in words, for the audit log.
    static func describe(_ filter: RecordFilter) -> String {
        var parts: [String] = []
        if let venueIds = filter.scopeVenueIds {
            parts.append("made at " + venueIds.sorted().joined(separator: ", "))
        }
        if let venueId = filter.venueId { parts.append("venue \(venueId)") }
        if let since = filter.since { parts.append("since \(WireCoding.formatDate(since))") }
        if let until = filter.until { parts.append("until \(WireCoding.formatDate(until))") }
        if let types = filter.types { parts.append("type " + types.map(\.rawValue).sorted().joined(separator: ", ")) }
        if let behaviour = filter.behaviour { parts.append("behaviour \(behaviour.rawValue)") }
        if let action = filter.action { parts.append("action \(action.rawValue)") }
        return parts.isEmpty ? "all records" : parts.joined(separator: "; ")
    }
}
