import Foundation
import Models

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP transport to the central server, on Foundation's URLSession (libcurl on Linux).
public struct URLSessionTransport: SyncTransport {
    public let serverURL: URL
    private let token: String?
    private let session: URLSession

    /// - Parameters:
    ///   - serverURL: the server's base URL, such as `http://127.0.0.1:8080`.
    ///   - token: the device's access token, sent as `Authorization: Bearer …` (never logged).
    ///   - requestTimeout: seconds to wait for a response before giving up on a request.
    public init(serverURL: URL, token: String?, requestTimeout: TimeInterval = 30) {
        self.serverURL = serverURL
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = requestTimeout * 4
        configuration.httpAdditionalHeaders = ["Accept": "application/json"]
        self.session = URLSession(configuration: configuration)
    }

    public func push(deviceId: String, batch: OutboxBatch) async throws(SyncError) -> PushResponse {
        let body: Data
        do {
            body = try WireAssembly.pushRequest(deviceId: deviceId, encodedOperations: batch.encodedOperations)
        } catch {
            throw .badResponse("the push could not be encoded")
        }
        return try await send(path: "v1/sync/push", method: "POST", body: body)
    }

    public func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> PullResponse {
        try await send(
            path: "v1/sync/pull?after=\(cursor)&limit=\(limit)",
            method: "GET",
            body: nil,
            decode: WireCoding.decodePullResponse
        )
    }

    public func venues() async throws(SyncError) -> [Venue] {
        let list: VenueList = try await send(path: "v1/venues", method: "GET", body: nil)
        return list.venues
    }

    /// Exchanges a one-time enrolment token (this transport's token) for the device's access token and
    /// who the device belongs to.
    public func enrol() async throws(SyncError) -> Enrolment {
        try await send(path: "v1/enrol", method: "POST", body: Data("{}".utf8))
    }

    private func send<Response: Decodable>(
        path: String,
        method: String,
        body: Data?,
        decode: (Data) throws -> Response = { try WireCoding.decode(Response.self, from: $0) }
    ) async throws(SyncError) -> Response {
        guard let url = URL(string: path, relativeTo: serverURL.appendingPathComponent("/")) else {
            throw .badResponse("the URL for \(path) could not be made")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            // libcurl otherwise sends "Expect: 100-continue" with larger bodies and waits up to a second
            // for an interim answer the server never sends.
            request.setValue("", forHTTPHeaderField: "Expect")
            // A body sent on a kept-alive connection that the network dropped is re-sent by libcurl without its
            // bytes, and then waits for the whole timeout; a fresh connection per push fails fast instead.
            request.setValue("close", forHTTPHeaderField: "Connection")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw .unreachable(server: serverURL.absoluteString, reason: Self.reason(for: error))
        }
        guard let http = response as? HTTPURLResponse else { throw .badResponse("not an HTTP response") }
        guard (200..<300).contains(http.statusCode) else {
            let error = try? WireCoding.decode(ErrorBody.self, from: data)
            throw .server(
                status: http.statusCode,
                code: error?.code ?? "http-\(http.statusCode)",
                message: error?.message ?? "no explanation was given",
                // Only whole seconds: "nan", "inf" or a date would not be a usable delay.
                retryAfter: http.value(forHTTPHeaderField: "Retry-After").flatMap { UInt32($0) }.map(Double.init)
            )
        }
        do {
            return try decode(data)
        } catch {
            throw .badResponse("the body of \(path) is not the expected JSON")
        }
    }

    private static func reason(for error: any Error) -> String {
        guard let urlError = error as? URLError else { return "network error" }
        switch urlError.code {
        case .timedOut: return "timed out"
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host"
        case .notConnectedToInternet, .networkConnectionLost: return "no network"
        default: return "network error \(urlError.code.rawValue)"
        }
    }
}
