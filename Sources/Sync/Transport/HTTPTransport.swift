import AsyncHTTPClient
import CompressNIO
import Foundation
import Models
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTP transport to the central server, on AsyncHTTPClient (SwiftNIO).
///
/// Not Foundation's URLSession: on Linux it keeps a processor busy while it waits for an answer (measured:
/// 3.0 s of processor time in 3.1 s of waiting with a 3.5 MB body or `Connection: close`, 1.0 s with a small
/// body), which on a device is battery and on the 2-core machines we measure on takes the server's share.
/// SwiftNIO waits in `epoll` instead.
public struct HTTPTransport: SyncTransport {
    public let serverURL: URL
    private let token: String?
    private let requestTimeout: TimeInterval
    private let client: HTTPClient
    private let compression: Bool
    private let meter: TrafficMeter?
    private let trust: ServerTrust?

    /// - Parameters:
    ///   - serverURL: the server's base URL, such as `http://127.0.0.1:8080`.
    ///   - token: the device's access token, sent as `Authorization: Bearer …` (never logged).
    ///   - requestTimeout: seconds to wait for a whole answer before giving up on a request.
    ///   - client: the connection pool to use; by default one shared by the whole process.
    ///   - compression: whether to ask for gzip answers and, once the server has said it takes them, send pushes
    ///     as gzip (`Accept-Encoding` / `Content-Encoding`); off only to measure what it saves.
    ///   - meter: counts the bytes of the bodies sent and received, if given.
    ///   - trust: the CAs that sign the server's certificate when not the system's (`device init --ca`).
    ///   - serverTakesGzip: that the server said so before, in an earlier process (`LocalReplica.serverTakesGzip`):
    ///     pushes go gzip from the first (and plain again if it answers 415).
    public init(
        serverURL: URL,
        token: String?,
        requestTimeout: TimeInterval = 30,
        client: HTTPClient = HTTPTransport.sharedClient,
        trust: ServerTrust? = nil,
        compression: Bool = true,
        meter: TrafficMeter? = nil,
        serverTakesGzip: Bool = false
    ) {
        self.serverURL = serverURL
        self.token = token
        self.requestTimeout = requestTimeout
        self.client = client
        self.compression = compression
        self.meter = meter
        self.trust = trust
        if compression && serverTakesGzip {
            _ = Self.gzipServers.withLock { $0.insert(serverURL.absoluteString) }
        }
    }

    /// Whether the server has said it takes gzip request bodies (and not refused one since), as far as this
    /// process knows: to keep with the device for the next one.
    public var serverTakesGzip: Bool {
        Self.gzipServers.withLock { $0.contains(serverURL.absoluteString) }
    }

    /// The servers (by base URL) that said, with `Accept-Encoding: gzip` on an answer, that they take gzip
    /// request bodies: until one has, pushes to it go plain, so a server that predates gzip is never sent it.
    private static let gzipServers = Mutex<Set<String>>([])

    /// gzip at its fastest level: a page of operations shrinks about twelvefold.
    private static let gzip = CompressionAlgorithm.gzip(configuration: .init(compressionLevel: .fastestCompression))

    /// The process's connection pool: no redirects followed (a token is never sent elsewhere), no proxy, no
    /// decompression, no retried connection attempts; connections are kept for 60 s. It lives as long as the
    /// process and is never shut down.
    public static let sharedClient = makeClient(connectionsPerHost: 8)

    /// A connection pool with this transport's settings, for a process that runs many devices at once
    /// (a benchmark): kept for the process's lifetime, or shut down (`shutdown()`) once unused.
    public static func makeClient(connectionsPerHost: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            connectionPool: .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost
            ),
            proxy: nil,
            decompression: .disabled
        )
        configuration.httpVersion = .http1Only
        // A refused or failed connection is reported at once; the sync engine decides whether and when to retry.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// The largest answer read: a full pull page is a few megabytes.
    static let maxResponseBytes = 64 << 20

    public func push(deviceId: String, batch: OutboxBatch) async throws(SyncError) -> PushResponse {
        let body: Data
        do {
            body = try WireAssembly.pushRequest(deviceId: deviceId, encodedOperations: batch.encodedOperations)
        } catch {
            throw .badResponse("the push could not be encoded")
        }
        let server = serverURL.absoluteString
        guard compression, Self.gzipServers.withLock({ $0.contains(server) }) else {
            return try await send(path: "v1/sync/push", method: .POST, body: body)
        }
        var plain = ByteBuffer(data: body)
        guard let compressed = try? plain.compress(with: Self.gzip) else {
            return try await send(path: "v1/sync/push", method: .POST, body: body)
        }
        do {
            return try await send(path: "v1/sync/push", method: .POST, body: compressed, encoding: "gzip")
        } catch {
            guard case .server(let status, _, _, _) = error, status == 415 else { throw error }
            // The server no longer takes gzip (it was replaced by an older one): the same push, plain.
            _ = Self.gzipServers.withLock { $0.remove(server) }
            return try await send(path: "v1/sync/push", method: .POST, body: body)
        }
    }

    public func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> PullResponse {
        try await pull(after: cursor, limit: limit, omittingOwn: false)
    }

    public func pull(after cursor: Int64, limit: Int, omittingOwn: Bool) async throws(SyncError) -> PullResponse {
        try await send(
            path: "v1/sync/pull?after=\(cursor)&limit=\(limit)&protocolVersion=\(WireCoding.protocolVersion)"
                + (omittingOwn ? "&omitOwn=true" : ""),
            method: .GET,
            body: nil,
            decode: WireCoding.decodePullResponse
        )
    }

    public func venues() async throws(SyncError) -> [Venue] {
        let list: VenueList = try await send(path: "v1/venues", method: .GET, body: nil)
        return list.venues
    }

    /// Exchanges a one-time enrolment token (this transport's token) for the device's access token and
    /// who the device belongs to.
    public func enrol() async throws(SyncError) -> Enrolment {
        try await send(path: "v1/enrol", method: .POST, body: Data("{}".utf8))
    }

    /// Tells the server this device erased its data after it was ordered wiped (this transport's token is the
    /// device's access token); the server audits it and retires the token.
    public func confirmWipe() async throws(SyncError) -> WipeConfirmation {
        try await send(path: DeviceWipeProtocol.confirmationPath, method: .POST, body: nil)
    }

    private func send<Response: Decodable>(
        path: String,
        method: HTTPMethod,
        body: Data?,
        decode: (Data) throws -> Response = { try WireCoding.decode(Response.self, from: $0) }
    ) async throws(SyncError) -> Response {
        try await send(path: path, method: method, body: body.map { ByteBuffer(data: $0) }, decode: decode)
    }

    private func send<Response: Decodable>(
        path: String,
        method: HTTPMethod,
        body: ByteBuffer?,
        encoding: String? = nil,
        decode: (Data) throws -> Response = { try WireCoding.decode(Response.self, from: $0) }
    ) async throws(SyncError) -> Response {
        guard let url = URL(string: path, relativeTo: serverURL.appendingPathComponent("/")) else {
            throw .badResponse("the URL for \(path) could not be made")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.tlsConfiguration = trust?.tlsConfiguration
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if compression { request.headers.add(name: "Accept-Encoding", value: "gzip") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            if let encoding { request.headers.add(name: "Content-Encoding", value: encoding) }
            request.body = .bytes(body)
        }
        let status: Int
        let retryAfter: String?
        let data: Data
        do {
            let milliseconds = Int64(requestTimeout * 1000)
            let deadline = ContinuousClock.now + .milliseconds(milliseconds)
            let response = try await client.execute(request, timeout: .milliseconds(milliseconds))
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After")
            if compression, response.headers[canonicalForm: "Accept-Encoding"].contains("gzip") {
                _ = Self.gzipServers.withLock { $0.insert(serverURL.absoluteString) }
            }
            let gzipped = response.headers.first(name: "Content-Encoding")?.lowercased() == "gzip"
            var received = try await Self.withDeadline(deadline) {
                try await response.body.collect(upTo: Self.maxResponseBytes)
            }
            meter?.record(
                sent: body?.readableBytes ?? 0,
                sentGzip: encoding != nil,
                received: received.readableBytes,
                receivedGzip: gzipped
            )
            if gzipped { received = try received.decompress(with: .gzip(), maxSize: Self.maxResponseBytes) }
            data = Data(buffer: received)
        } catch {
            throw .unreachable(server: serverURL.absoluteString, reason: Self.reason(for: error))
        }
        guard (200..<300).contains(status) else {
            let error = try? WireCoding.decode(ErrorBody.self, from: data)
            throw .server(
                status: status,
                code: error?.code ?? "http-\(status)",
                message: error?.message ?? "no explanation was given",
                // Only whole seconds: "nan", "inf" or a date would not be a usable delay.
                retryAfter: retryAfter.flatMap { UInt32($0) }.map(Double.init)
            )
        }
        do {
            return try decode(data)
        } catch {
            throw .badResponse("the body of \(path) is not the expected JSON")
        }
    }

    /// Runs `work`, giving up at `deadline`: AsyncHTTPClient's own deadline ends with the answer's head, and an
    /// answer whose body stops coming would otherwise be waited for as long as its connection stays open.
    private static func withDeadline<Result: Sendable>(
        _ deadline: ContinuousClock.Instant,
        _ work: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Result.self) { group in
            group.addTask(operation: work)
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw HTTPClientError.deadlineExceeded
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Why a request got no answer, in a few words for a person.
    public static func reason(for error: any Error) -> String {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return "its TLS certificate is not trusted: it is not signed by a CA this device trusts, has expired, "
                + "or is not for this host name. For a private CA, enrol with 'device init --ca FILE'"
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout: return "timed out"
            case .remoteConnectionClosed, .bodyLengthMismatch: return "the connection was cut"
            default: return "network error"
            }
        }
        if let error = error as? NIOConnectionError {
            return error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
                ? "connection refused" : "network error"
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET, EPIPE: return "the connection was cut"
            default: return "network error"
            }
        }
        if error is ChannelError { return "the connection was cut" }
        if error is NIOTooManyBytesError { return "the answer is too large" }
        return "network error"
    }
}
