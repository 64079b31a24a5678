import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on loopback that makes each direction a slow link, like a phone's in a basement: every chunk
/// read from one side leaves at `bitsPerSecond` (one chunk after another, as on a serial link) and arrives on
/// the other side `latency` later. The link is one for all connections, as a phone's radio is: the sync
/// engine's overlapping requests (the next page asked for while one is stored) share its bandwidth. Bounded: at
/// most `queueBytes` wait in each direction (beyond that the proxy stops reading, and TCP pushes back on the
/// sender); self-stopping: it closes everything at `stop()`, or on its own once `lifetime` has passed. Two threads a direction, blocking sockets: simple, and fine for the handful
/// of connections one device opens.
final class ThrottleProxy: Sendable {
    /// A link's shape, the same in each direction.
    struct Link: Sendable {
        var bitsPerSecond: Double
        /// One way; a round trip is twice this.
        var latency: Duration

        /// The weak signal of issue 16: 2 Mbit/s each way, 50 ms each way (100 ms round trip).
        static let weakSignal = Link(bitsPerSecond: 2_000_000, latency: .milliseconds(50))
    }

    /// The port the proxy listens on (127.0.0.1).
    let port: UInt16
    let link: Link
    private let target: UInt16
    private let listener: Int32
    private let queueBytes: Int
    private let state = Mutex(State())

    private struct State {
        var stopped = false
        var connections: [Connection] = []
        /// When each direction's link has sent everything queued on it so far.
        var upFree = ContinuousClock.now
        var downFree = ContinuousClock.now
        /// Bytes delivered towards the server and towards the client.
        var upBytes = 0
        var downBytes = 0
    }

    /// Listens on a free loopback port and forwards each connection to `127.0.0.1:targetPort`.
    init(
        targetPort: UInt16,
        link: Link = .weakSignal,
        queueBytes: Int = 64 << 10,
        lifetime: Duration = .seconds(3600)
    ) throws {
        self.target = targetPort
        self.link = link
        self.queueBytes = queueBytes
        (listener, port) = try Self.listen()
        let deadline = ContinuousClock.now + lifetime
        Thread { [self] in acceptLoop(until: deadline) }.start()
    }

    /// Bytes delivered so far towards the server (requests) and towards the client (answers), headers included.
    var bytes: (up: Int, down: Int) { state.withLock { ($0.upBytes, $0.downBytes) } }

    /// Closes the listener and every connection; waiting bytes are dropped. Safe to call more than once.
    func stop() {
        let connections = state.withLock { state in
            state.stopped = true
            return state.connections
        }
        for connection in connections { connection.cut() }
    }

    private var stopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop(until deadline: ContinuousClock.Instant) {
        defer {
            close(listener)
            stop()
        }
        while !stopped, ContinuousClock.now < deadline {
            var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            Self.sendAtOnce(client)
            guard let server = try? Self.connect(to: target) else {
                close(client)
                continue
            }
            let connection = Connection(client: client, server: server)
            let accepted = state.withLock { state in
                guard !state.stopped else { return false }
                state.connections.append(connection)
                return true
            }
            guard accepted else {
                close(client)
                close(server)
                continue
            }
            for (from, to, up) in [(client, server, true), (server, client, false)] {
                let queue = Queue()
                Thread { [self] in read(from: from, into: queue, up: up, connection: connection) }.start()
                Thread { [self] in write(queue, to: to, up: up, connection: connection) }.start()
            }
        }
    }

    /// Reads what one side sends and queues it with the time it reaches the other side.
    private func read(from socket: Int32, into queue: Queue, up: Bool, connection: Connection) {
        defer {
            queue.finish()
            connection.finishThread()
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopped {
            if queue.waitingBytes > queueBytes {
                usleep(1000)
                continue
            }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            // The chunk goes onto the link once the previous one has left, takes its size over the bandwidth to
            // send, and arrives one latency after its last bit left.
            let onTheWire = Duration.seconds(Double(count * 8) / link.bitsPerSecond)
            let sent = state.withLock { state in
                let free = max(up ? state.upFree : state.downFree, ContinuousClock.now) + onTheWire
                if up { state.upFree = free } else { state.downFree = free }
                return free
            }
            queue.append(Array(buffer[..<count]), arrivesAt: sent + link.latency)
        }
    }

    /// Delivers queued chunks to the other side when they are due; passes the end of the stream on.
    private func write(_ queue: Queue, to socket: Int32, up: Bool, connection: Connection) {
        defer { connection.finishThread() }
        while !stopped {
            switch queue.next() {
            case .wait(let due):
                let delay = min(due.map { $0 - ContinuousClock.now } ?? .milliseconds(1), .milliseconds(1))
                if delay > .zero { usleep(UInt32(delay.components.attoseconds / 1_000_000_000_000)) }
            case .end:
                shutdown(socket, Int32(SHUT_WR))
                return
            case .chunk(let bytes):
                var sent = 0
                while sent < bytes.count {
                    let count = bytes.withUnsafeBytes {
                        send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                    }
                    guard count > 0 else {
                        connection.cut()
                        return
                    }
                    sent += count
                }
                state.withLock { state in
                    if up { state.upBytes += bytes.count } else { state.downBytes += bytes.count }
                }
            }
        }
    }

    /// One proxied connection: its two sockets, closed once its four threads have ended (and never touched after:
    /// their numbers may belong to other files by then).
    private final class Connection: Sendable {
        let client: Int32
        let server: Int32
        /// Threads still running.
        private let running = Mutex(4)

        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }

        /// Ends both directions: blocked reads return, later writes fail.
        func cut() {
            running.withLock { running in
                guard running > 0 else { return }
                shutdown(client, Int32(SHUT_RDWR))
                shutdown(server, Int32(SHUT_RDWR))
            }
        }

        func finishThread() {
            running.withLock { running in
                running -= 1
                if running == 0 {
                    close(client)
                    close(server)
                }
            }
        }
    }

    /// The chunks of one direction in order, each with the time it is due on the other side.
    private final class Queue: Sendable {
        enum Next {
            /// Nothing due yet: the next chunk's time, if there is one.
            case wait(ContinuousClock.Instant?)
            case chunk([UInt8])
            /// The sender closed its side and everything before has been delivered.
            case end
        }

        private let state = Mutex<(chunks: [([UInt8], ContinuousClock.Instant)], bytes: Int, ended: Bool)>(
            ([], 0, false)
        )

        var waitingBytes: Int { state.withLock { $0.bytes } }

        func append(_ bytes: [UInt8], arrivesAt due: ContinuousClock.Instant) {
            state.withLock {
                $0.chunks.append((bytes, due))
                $0.bytes += bytes.count
            }
        }

        func finish() { state.withLock { $0.ended = true } }

        func next() -> Next {
            state.withLock { state in
                guard let (bytes, due) = state.chunks.first else { return state.ended ? .end : .wait(nil) }
                guard due <= ContinuousClock.now else { return .wait(due) }
                state.chunks.removeFirst()
                state.bytes -= bytes.count
                return .chunk(bytes)
            }
        }
    }

    /// A socket listening on a free loopback port, and the port.
    static func listen() throws -> (socket: Int32, port: UInt16) {
        let socket = try socket()
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && Glibc.listen(socket, 64) == 0
                    && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else {
            close(socket)
            throw BenchError("The throttling proxy could not listen: \(String(cString: strerror(errno))).")
        }
        return (socket, UInt16(bigEndian: address.sin_port))
    }

    private static func socket() throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BenchError("No socket for the throttling proxy.") }
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        sendAtOnce(socket)
        return socket
    }

    /// Turns Nagle's algorithm off: the proxy decides when bytes leave, and Nagle would add delays of its own.
    private static func sendAtOnce(_ socket: Int32) {
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A socket connected to `127.0.0.1:port`.
    static func connect(to port: UInt16) throws -> Int32 {
        let socket = try socket()
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(socket)
            throw BenchError("The throttling proxy could not reach port \(port).")
        }
        return socket
    }
}
