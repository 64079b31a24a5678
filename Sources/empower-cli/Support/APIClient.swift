import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Sync

/// Requests to the central server's API with a bearer token, for the admin and supervisor commands (sync
/// has its own transport). Refusals become plain messages with the server's code. On the sync transport's
/// connection pool (AsyncHTTPClient), trusting the same CAs.
struct APIClient: Sendable {
    let serverURL: URL
    let token: String
    /// The CAs of a private CA (`device init --ca`, `admin --ca`); nil: the system's.
    let trust: ServerTrust?

    init(serverURL: URL, token: String, trust: ServerTrust? = nil) {
        self.serverURL = serverURL
        self.token = token
        self.trust = trust
    }

    /// The largest answer read (an export of many records).
    static let maxResponseBytes = 256 << 20

    /// The raw body of a successful answer.
    func data(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        guard let url = URL(string: path, relativeTo: serverURL.appendingPathComponent("/")) else {
            throw CLIError("The request URL could not be made.")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        request.tlsConfiguration = trust?.tlsConfiguration
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let status: Int
        let data: Data
        do {
            let response = try await HTTPTransport.sharedClient.execute(request, timeout: .seconds(120))
            status = Int(response.status.code)
            data = Data(buffer: try await response.body.collect(upTo: Self.maxResponseBytes))
        } catch {
            throw CLIError(
                "The server \(serverURL.absoluteString) could not be reached (\(HTTPTransport.reason(for: error)))."
            )
        }
        guard (200..<300).contains(status) else {
            let error = try? WireCoding.decode(ErrorBody.self, from: data)
            if status == 401, error?.code == DeviceWipeProtocol.orderedCode { throw WipeOrderedError() }
            if status == 401 {
                throw CLIError(
                    "The server does not accept this token: it has been revoked or has expired, or it is not one. "
                        + "Ask an administrator."
                )
            }
            throw CLIError(
                "The server refused (HTTP \(status), \(error?.code ?? "error")): \(error?.message ?? "no explanation")"
            )
        }
        return data
    }

    /// A successful answer decoded.
    func send<Response: Decodable>(
        _ method: String,
        _ path: String,
        body: (some Encodable)? = Optional<Int>.none
    )
        async throws -> Response
    {
        let data = try await data(method, path, body: try body.map { try WireCoding.encode($0) })
        do {
            return try WireCoding.decode(Response.self, from: data)
        } catch {
            throw CLIError("The server's answer could not be understood.")
        }
    }

    /// A query string from the items that have a value.
    static func query(_ items: [(String, String?)]) -> String {
        var components = URLComponents()
        components.queryItems = items.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        // "+" is a space in query strings: encode it so times like +01:00 survive.
        return components.percentEncodedQuery.map { "?" + $0.replacingOccurrences(of: "+", with: "%2B") } ?? ""
    }
}
