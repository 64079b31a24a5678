import Foundation
import Synchronization
import Testing

@testable import empower_bench

#if canImport(Glibc)
import Glibc
#endif

/// The bench's throttling proxy over real loopback sockets: bytes arrive whole and in order, no faster than the
/// link allows (a correctness check with generous bounds, not a performance assertion), and it stops by itself.
@Suite struct ThrottleProxyTests {
    /// A server that reads until the client closes its side, then answers with the bytes' count and checksum,
    /// and `extra` bytes of `pattern` after them.
    final class CountingServer: Sendable {
        let port: UInt16
        private let listener: Int32

        init(extra: Int = 0, connections: Int = 1) throws {
            (listener, port) = try ThrottleProxy.listen()
            Thread { [listener] in
                for _ in 0..<connections {
                    let client = accept(listener, nil, nil)
                    guard client >= 0 else { return }
                    Thread { CountingServer.answer(client, extra: extra) }.start()
                }
            }.start()
        }

        static func answer(_ client: Int32, extra: Int) {
            let (count, sum) = ThrottleProxyTests.readAll(client)
            let answer = Array("\(count) \(sum)\n".utf8) + ThrottleProxyTests.pattern(extra)
            var sent = 0
            while sent < answer.count {
                let count = answer.withUnsafeBytes {
                    send(client, $0.baseAddress! + sent, answer.count - sent, Int32(MSG_NOSIGNAL))
                }
                guard count > 0 else { break }
                sent += count
            }
            close(client)
        }

        func stop() { close(listener) }
    }

    /// Reads until the end of the stream: the bytes read and their sum weighted by position (order matters).
    static func readAll(_ socket: Int32) -> (count: Int, sum: Int) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        var count = 0
        var sum = 0
        while true {
            let read = buffer.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress, $0.count) }
            guard read > 0 else { return (count, sum) }
            for byte in buffer[..<read] {
                sum = (sum &* 31 &+ Int(byte)) % 1_000_000_007
                count += 1
            }
        }
    }

    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(($0 * 7 + $0 / 251) % 256) } }

    @Test func bytesArriveWholeAndNoFasterThanTheLink() async throws {
        let server = try CountingServer()
        defer { server.stop() }
        let link = ThrottleProxy.Link(bitsPerSecond: 2_000_000, latency: .milliseconds(50))
        let proxy = try ThrottleProxy(targetPort: server.port, link: link, queueBytes: 16 << 10)
        defer { proxy.stop() }

        let bytes = Self.pattern(100_000)
        let start = ContinuousClock.now
        let socket = try ThrottleProxy.connect(to: proxy.port)
        defer { close(socket) }
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes {
                send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            try #require(count > 0)
            sent += count
        }
        shutdown(socket, Int32(SHUT_WR))
        var answer = [UInt8](repeating: 0, count: 64)
        let read = answer.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress, $0.count) }
        let elapsed = ContinuousClock.now - start

        let expected = Self.pattern(100_000).reduce(0) { ($0 &* 31 &+ Int($1)) % 1_000_000_007 }
        #expect(String(decoding: answer[..<max(read, 0)], as: UTF8.self) == "100000 \(expected)\n")
        // 800,000 bits at 2 Mbit/s is 0.4 s, plus 50 ms each way; loopback alone takes milliseconds.
        #expect(elapsed >= .milliseconds(450), "100 KB crossed a 2 Mbit/s link in \(elapsed)")
        #expect(elapsed < .seconds(30))
        #expect(proxy.bytes.up == 100_000)
        #expect(proxy.bytes.down == read)
    }

    /// A long answer (as a pull page is) keeps to the link's rate however long it runs.
    @Test func aLargeAnswerTakesAtLeastItsSizeOverTheBandwidth() async throws {
        let server = try CountingServer(extra: 1_000_000)
        defer { server.stop() }
        let proxy = try ThrottleProxy(targetPort: server.port)
        defer { proxy.stop() }

        let start = ContinuousClock.now
        let socket = try ThrottleProxy.connect(to: proxy.port)
        defer { close(socket) }
        shutdown(socket, Int32(SHUT_WR))
        let (count, _) = Self.readAll(socket)
        let elapsed = ContinuousClock.now - start

        #expect(count == 1_000_000 + "0 0\n".utf8.count)
        // 8,000,000 bits at 2 Mbit/s is 4 s.
        #expect(elapsed >= .seconds(4), "1 MB crossed a 2 Mbit/s link in \(elapsed)")
        #expect(elapsed < .seconds(60))
    }

    /// Connections at once share the one link, as a phone's requests share its radio.
    @Test func connectionsAtOnceShareTheLink() async throws {
        let server = try CountingServer(extra: 500_000, connections: 2)
        defer { server.stop() }
        let proxy = try ThrottleProxy(targetPort: server.port)
        defer { proxy.stop() }

        let start = ContinuousClock.now
        let sockets = [try ThrottleProxy.connect(to: proxy.port), try ThrottleProxy.connect(to: proxy.port)]
        defer { for socket in sockets { close(socket) } }
        let counts = Mutex([Int]())
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            shutdown(sockets[index], Int32(SHUT_WR))
            let (count, _) = Self.readAll(sockets[index])
            counts.withLock { $0.append(count) }
        }
        let elapsed = ContinuousClock.now - start

        #expect(counts.withLock { $0 } == [500_004, 500_004])
        // 1 MB in all: 4 s at 2 Mbit/s, however many connections carry it.
        #expect(elapsed >= .seconds(4), "1 MB over two connections crossed a 2 Mbit/s link in \(elapsed)")
        #expect(elapsed < .seconds(60))
    }

    @Test func stopsByItselfOnceItsLifetimeHasPassed() async throws {
        let server = try CountingServer()
        defer { server.stop() }
        let proxy = try ThrottleProxy(targetPort: server.port, lifetime: .milliseconds(200))
        defer { proxy.stop() }
        try await Task.sleep(for: .seconds(1))
        #expect(throws: BenchError.self) { close(try ThrottleProxy.connect(to: proxy.port)) }
    }
}
