import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client over loopback from a chosen source address (Linux routes all of 127/8 to lo, so
/// 127.0.0.2, 127.0.0.3… are distinct clients to the server): for tests of what the server does to a socket.
final class RawClient: @unchecked Sendable {
    private let descriptor: Int32

    /// Connects from `source` to 127.0.0.1:`port`.
    init(from source: String, port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawClientError("socket") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw RawClientError("bind \(source)") }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw RawClientError("connect") }
    }

    deinit { close(descriptor) }

    /// Sends text; false when the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            == bytes.count
    }

    /// What arrives within `timeout` seconds, until the server closes the connection or a whole answer with
    /// a body of Content-Length bytes has come.
    /// - Returns: the text received, and whether the server closed the connection.
    func receive(timeout: Double) -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&poller, 1, wait) > 0 else { break }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
            received += buffer[0..<count]
            if Self.isComplete(String(decoding: received, as: UTF8.self)) { break }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    /// A request and its answer: the status line's code, the headers (lowercased names) and the body.
    func exchange(
        _ method: String,
        _ path: String,
        token: String? = nil,
        body: String = ""
    ) throws -> (
        status: Int, headers: [String: String], body: String
    ) {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        if !body.isEmpty { request += "Content-Type: application/json\r\n" }
        guard send(request + "\r\n" + body) else { throw RawClientError("the server closed the connection") }
        let (text, _) = receive(timeout: 30)
        guard let split = text.range(of: "\r\n\r\n") else { throw RawClientError("no answer: \(text)") }
        let lines = text[..<split.lowerBound].split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ")[1]) else {
            throw RawClientError("no status line: \(text)")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        return (status, headers, String(text[split.upperBound...]))
    }

    /// `exchange` on a thread of its own: a socket read blocks, and must not block the threads that the server
    /// in this process answers on.
    func request(
        _ method: String,
        _ path: String,
        token: String? = nil,
        body: String = ""
    ) async throws -> (
        status: Int, headers: [String: String], body: String
    ) {
        try await Self.offPool { try self.exchange(method, path, token: token, body: body) }
    }

    /// `receive` on a thread of its own.
    func awaitReceive(timeout: Double) async -> (text: String, closed: Bool) {
        (try? await Self.offPool { self.receive(timeout: timeout) }) ?? ("", false)
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    private static func isComplete(_ text: String) -> Bool {
        guard let split = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<split.lowerBound].lowercased()
        guard let range = head.range(of: "content-length:") else { return true }
        let length = Int(head[range.upperBound...].prefix { $0 != "\r" }.trimmingCharacters(in: .whitespaces)) ?? 0
        return text[split.upperBound...].utf8.count >= length
    }
}

struct RawClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
