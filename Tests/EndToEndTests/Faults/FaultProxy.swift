import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestSupport

/// A TCP proxy on loopback that sits between a device and the real server and, request by request, injects
/// the faults of a bad network: lost connections before and after the server saw the request, late answers,
/// truncated answers, and overloaded gateways answering 502, 503 or 429 themselves.
///
/// It reads each HTTP/1.1 request in full (head and `Content-Length` body) from the client, decides the
/// request's fate from a seeded schedule, and forwards it, when it does, on a fresh upstream connection.
/// Client connections are kept alive unless the client asks otherwise, so a fault may hit a reused connection.
///
/// The schedule deals each kind of route (push, pull, other) from its own shuffled deck holding every fault
/// once (and the normal outcomes several times), so each fault strikes every route early and often.
final class FaultProxy: Sendable {
    /// What happens to one request.
    enum Fault: String, CaseIterable, Sendable, Comparable {
        /// Forwarded; the answer is passed back.
        case forward
        /// Forwarded after 50–300 ms; the answer is passed back.
        case delay
        /// The connection is closed once the request is read; the server never sees it.
        case dropBeforeForward
        /// Forwarded and answered in full by the server, then the connection is closed before any byte of the
        /// answer reaches the client: the server did the work, the client cannot know.
        case dropAfterForward
        /// Forwarded; the answer's head and half its body are passed back, then the connection is closed.
        case truncateResponse
        /// Forwarded; the answer's head and half its body are passed back, then nothing more, the connection
        /// left open: only the client's own timeout ends the request. Not dealt at random (each costs a timeout).
        case stallResponse
        /// Not forwarded; answered 503 with a JSON body.
        case status503
        /// Not forwarded; answered 502 with a JSON body.
        case status502
        /// Not forwarded; answered 429 with `Retry-After: 0` and a JSON body.
        case status429

        static func < (lhs: Fault, rhs: Fault) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }

        /// A fault that the client sees as a failed request.
        var failsRequest: Bool { self != .forward && self != .delay }
    }

    /// The route a request is for, each with its own deck.
    enum Route: String, Sendable, Hashable {
        case push, pull, other
    }

    /// One request and what was done to it.
    struct Injection: Sendable {
        var fault: Fault
        var route: Route
        var method: String
        var target: String
        /// The server's status, when the request was forwarded and answered.
        var upstreamStatus: Int?
        /// Whether this was not the first request on its client connection.
        var reusedConnection: Bool
        /// The request's `Content-Encoding` header, if it had one.
        var contentEncoding: String? = nil
        /// When the proxy received the request.
        var receivedAt: ContinuousClock.Instant = .now
        /// When the server's answer came back, if it did.
        var answeredAt: ContinuousClock.Instant? = nil
    }

    /// The deck each route deals from: every fault once, the normal outcomes more often.
    static let deck: [Fault] =
        [.forward, .forward, .forward, .delay, .delay]
        + Fault.allCases.filter { $0.failsRequest && $0 != .stallResponse }

    let seed: UInt64
    private let upstreamHost: String
    private let upstreamPort: Int
    private let state: Mutex<State>

    private struct State {
        var generator: SeededGenerator
        var decks: [Route: [Fault]] = [:]
        var injections: [Injection] = []
        var connections = 0
        var upstreamErrors: [String] = []
        var incompleteRequests: [String] = []
        /// The faults still to deal in order, last first, when scripted.
        var script: [Fault]?
    }

    private init(upstream: URL, seed: UInt64, script: [Fault]?) {
        self.seed = seed
        upstreamHost = upstream.host ?? "127.0.0.1"
        upstreamPort = upstream.port ?? 80
        state = Mutex(State(generator: SeededGenerator(seed: seed), script: script.map { Array($0.reversed()) }))
    }

    /// Every request seen, in the order their fate was decided.
    var injections: [Injection] { state.withLock { $0.injections } }

    /// How many requests each fault struck.
    var counts: [Fault: Int] { Dictionary(grouping: injections, by: \.fault).mapValues(\.count) }

    /// Client connections accepted.
    var connections: Int { state.withLock { $0.connections } }

    /// Requests whose client closed the connection before sending them in full.
    var incompleteRequests: [String] { state.withLock { $0.incompleteRequests } }

    /// Failures to reach the server that were not injected; there should be none.
    var upstreamErrors: [String] { state.withLock { $0.upstreamErrors } }

    /// Runs a proxy to `upstream` on a free loopback port for the duration of `body`.
    ///
    /// - Parameters:
    ///   - seed: the seed of the schedule (and of the delays).
    ///   - script: when given, the faults of the first requests in order (whatever their route), then
    ///     `.forward`, instead of the random schedule.
    static func withRunningProxy<Result: Sendable>(
        upstream: URL,
        seed: UInt64,
        script: [Fault]? = nil,
        _ body: (FaultProxy, URL) async throws -> Result
    ) async throws -> Result {
        let proxy = FaultProxy(upstream: upstream, seed: seed, script: script)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        guard let port = server.channel.localAddress?.port else { throw ProxyError("the proxy has no port") }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // On threads of its own: a test that blocks Swift's concurrency pool (a `CLIRunner.run` waiting for
            // a CLI that talks to this proxy) must not stall the proxy it waits on.
            group.addTask(executorPreference: ProxyExecutor.shared) {
                try await server.executeThenClose { connections in
                    await withDiscardingTaskGroup { handlers in
                        do {
                            for try await connection in connections {
                                handlers.addTask { await proxy.serve(connection) }
                            }
                        } catch {
                            // The listener closed: the proxy is stopping.
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body(proxy, URL(string: "http://127.0.0.1:\(port)")!)
        }
    }

    // MARK: - One client connection

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        state.withLock { $0.connections += 1 }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var reader = MessageReader(inbound.makeAsyncIterator())
                var served = 0
                while let request = try await reader.readRequest() {
                    let (index, fault, delay) = decide(for: request, reused: served > 0)
                    served += 1
                    switch fault {
                    case .dropBeforeForward:
                        return
                    case .status503, .status502, .status429:
                        // Answered without forwarding; the client closes after it (`Connection: close`), and the
                        // loop ends when it does.
                        try await outbound.write(ByteBuffer(bytes: Self.cannedResponse(for: fault)))
                    case .forward, .delay, .dropAfterForward, .truncateResponse, .stallResponse:
                        if delay > .zero { try await Task.sleep(for: delay) }
                        guard let response = await forward(request) else { return }
                        record(upstreamStatus: response.status, at: index)
                        switch fault {
                        case .dropAfterForward:
                            return
                        case .truncateResponse:
                            let cut = response.headLength + max(0, (response.bytes.count - response.headLength) / 2)
                            try await outbound.write(ByteBuffer(bytes: response.bytes.prefix(cut)))
                            // Give the partial answer time to leave before the connection is closed.
                            try await Task.sleep(for: .milliseconds(20))
                            return
                        case .stallResponse:
                            let cut = response.headLength + max(0, (response.bytes.count - response.headLength) / 2)
                            try await outbound.write(ByteBuffer(bytes: response.bytes.prefix(cut)))
                            try await Task.sleep(for: .seconds(60))
                            return
                        default:
                            // The client's connection stays open for its next request, unless it asked otherwise.
                            let closing = request.header("Connection")?.lowercased() == "close"
                            try await outbound.write(ByteBuffer(bytes: response.bytesForClient(closing: closing)))
                        }
                    }
                }
            }
        } catch let error as ProxyError {
            state.withLock { $0.incompleteRequests.append(error.description) }
        } catch {
            // The client went away, or the proxy is stopping: nothing to do.
        }
    }

    /// Deals the fault for a request from its route's deck, logs it, and for a delay, says how long.
    private func decide(for request: Message, reused: Bool) -> (index: Int, Fault, Duration) {
        let route = Self.route(of: request)
        return state.withLock { state in
            let fault: Fault
            if state.script != nil {
                fault = state.script?.popLast() ?? .forward
            } else {
                if state.decks[route, default: []].isEmpty {
                    state.decks[route] = Self.deck.shuffled(using: &state.generator)
                }
                fault = state.decks[route]!.removeLast()
            }
            let delay: Duration =
                fault == .delay ? .milliseconds(Int.random(in: 50...300, using: &state.generator)) : .zero
            state.injections.append(
                Injection(
                    fault: fault,
                    route: route,
                    method: request.method,
                    target: request.target,
                    upstreamStatus: nil,
                    reusedConnection: reused,
                    contentEncoding: request.header("Content-Encoding")
                )
            )
            return (state.injections.count - 1, fault, delay)
        }
    }

    private func record(upstreamStatus: Int, at index: Int) {
        state.withLock {
            $0.injections[index].upstreamStatus = upstreamStatus
            $0.injections[index].answeredAt = .now
        }
    }

    private static func route(of request: Message) -> Route {
        if request.target.hasPrefix("/v1/sync/push") { return .push }
        if request.target.hasPrefix("/v1/sync/pull") { return .pull }
        return .other
    }

    private static func cannedResponse(for fault: Fault) -> [UInt8] {
        let (status, reason, extra): (Int, String, String) =
            switch fault {
            case .status502: (502, "Bad Gateway", "")
            case .status429: (429, "Too Many Requests", "Retry-After: 0\r\n")
            default: (503, "Service Unavailable", "")
            }
        let body = #"{"code":"proxy-\#(status)","message":"Injected by the fault proxy."}"#
        let head =
            "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\n\(extra)"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        return Array((head + body).utf8)
    }

    // MARK: - Upstream

    /// Sends the request to the server on a fresh connection and reads its whole answer.
    private func forward(_ request: Message) async -> Message? {
        do {
            let upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: upstreamHost, port: upstreamPort) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await upstream.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: request.bytesForUpstream))
                var reader = MessageReader(inbound.makeAsyncIterator())
                guard let response = try await reader.readResponse() else {
                    throw ProxyError("the server closed without answering \(request.method) \(request.target)")
                }
                return response
            }
        } catch {
            state.withLock { $0.upstreamErrors.append("\(request.method) \(request.target): \(error)") }
            return nil
        }
    }
}

extension FaultProxy {
    /// An error of the proxy itself.
    struct ProxyError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One HTTP/1.1 message as bytes, with what the proxy needs of its head.
    struct Message: Sendable {
        /// The whole message: head, blank line and body.
        let bytes: [UInt8]
        /// The length of the head including the blank line.
        let headLength: Int
        /// The request's method and target, or empty for a response.
        let method: String
        let target: String
        /// The response's status, or 0 for a request.
        let status: Int
        /// The header lines, without the start line.
        let headerLines: [String]

        init(bytes: [UInt8], headLength: Int) {
            self.bytes = bytes
            self.headLength = headLength
            let head = String(decoding: bytes.prefix(headLength), as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            let startLine = lines.isEmpty ? "" : lines.removeFirst()
            headerLines = lines
            let parts = startLine.split(separator: " ", maxSplits: 2).map(String.init)
            if startLine.hasPrefix("HTTP/") {
                method = ""
                target = ""
                status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            } else {
                method = parts.first ?? ""
                target = parts.count > 1 ? parts[1] : ""
                status = 0
            }
        }

        /// The value of a header, by case-insensitive name.
        func header(_ name: String) -> String? {
            for line in headerLines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].trimmingCharacters(in: .whitespaces).caseInsensitiveCompare(name) == .orderedSame {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }

        /// The message with its `Connection` header replaced (or removed, for `nil`).
        private func replacingConnection(with value: String?) -> [UInt8] {
            let startLine = String(decoding: bytes.prefix(headLength), as: UTF8.self)
                .components(separatedBy: "\r\n")[0]
            var lines =
                [startLine]
                + headerLines.filter {
                    !$0.lowercased().hasPrefix("connection:") && !$0.lowercased().hasPrefix("keep-alive:")
                }
            if let value { lines.append("Connection: \(value)") }
            return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + bytes[headLength...]
        }

        /// The request as sent to the server: one request per upstream connection.
        var bytesForUpstream: [UInt8] { replacingConnection(with: "close") }

        /// The response as passed back to the client, saying whether the connection closes after it.
        func bytesForClient(closing: Bool) -> [UInt8] { replacingConnection(with: closing ? "close" : nil) }
    }

    /// Reads HTTP/1.1 messages from a stream of byte buffers.
    struct MessageReader {
        private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        private var buffer: [UInt8] = []
        private var finished = false

        init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
            self.iterator = iterator
        }

        /// The next request in full, or nil once the client has closed.
        mutating func readRequest() async throws -> Message? {
            guard let headLength = try await readHead() else { return nil }
            let head = Message(bytes: Array(buffer.prefix(headLength)), headLength: headLength)
            if head.header("Transfer-Encoding") != nil { throw ProxyError("chunked requests are not supported") }
            let length = head.header("Content-Length").flatMap(Int.init) ?? 0
            return try await take(headLength: headLength, bodyLength: length)
        }

        /// The response in full: by `Content-Length`, or up to the end of the connection.
        mutating func readResponse() async throws -> Message? {
            guard let headLength = try await readHead() else { return nil }
            let head = Message(bytes: Array(buffer.prefix(headLength)), headLength: headLength)
            if let length = head.header("Content-Length").flatMap(Int.init) {
                return try await take(headLength: headLength, bodyLength: length)
            }
            while try await fill() {}
            return Message(bytes: buffer, headLength: headLength)
        }

        private mutating func take(headLength: Int, bodyLength: Int) async throws -> Message? {
            while buffer.count < headLength + bodyLength {
                guard try await fill() else {
                    let startLine = String(decoding: buffer.prefix(headLength), as: UTF8.self)
                        .components(separatedBy: "\r\n")[0]
                    throw ProxyError(
                        "\(startLine): the connection closed after \(buffer.count - headLength) of \(bodyLength) body bytes"
                    )
                }
            }
            let message = Message(bytes: Array(buffer.prefix(headLength + bodyLength)), headLength: headLength)
            buffer.removeFirst(headLength + bodyLength)
            return message
        }

        /// Reads until a whole head is buffered; returns its length, or nil if the stream ended first.
        private mutating func readHead() async throws -> Int? {
            while true {
                if let end = Self.endOfHead(in: buffer) { return end }
                guard try await fill() else { return nil }
            }
        }

        /// Appends the next buffer; false at the end of the stream.
        private mutating func fill() async throws -> Bool {
            guard !finished, let chunk = try await iterator.next() else {
                finished = true
                return false
            }
            buffer.append(contentsOf: chunk.readableBytesView)
            return true
        }

        private static func endOfHead(in bytes: [UInt8]) -> Int? {
            guard bytes.count >= 4 else { return nil }
            for index in 0...(bytes.count - 4)
            where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index + 4
            }
            return nil
        }
    }

}

/// Runs the proxy's tasks on Dispatch's threads rather than Swift's concurrency pool, which has one thread per core
/// and which tests block while they wait for a CLI process.
private final class ProxyExecutor: TaskExecutor {
    static let shared = ProxyExecutor()
    private let queue = DispatchQueue(label: "fault-proxy", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
