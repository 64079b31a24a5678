import Foundation
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Bounds on what one client may hold of the server: time for a request and connections at once.
public struct ConnectionLimits: Sendable {
    /// From a request's first line to the last byte of its body (a slow body is closed at this).
    public var requestTime: Duration
    /// From a request's first line to the last byte of the answer.
    public var exchangeTime: Duration
    /// The most connections open at once from one client address; more are closed as they come.
    public var connectionsPerAddress: Int

    public init(
        requestTime: Duration = .seconds(30),
        exchangeTime: Duration = .seconds(120),
        connectionsPerAddress: Int = 64
    ) {
        self.requestTime = requestTime
        self.exchangeTime = exchangeTime
        self.connectionsPerAddress = connectionsPerAddress
    }
}

/// The connections open from each client address, shared by every connection of a server.
final class AddressConnections: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Counts a connection from `address` if it is within `limit`, and says whether it was.
    func open(_ address: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let count = counts[address, default: 0]
            guard count < limit else { return false }
            counts[address] = count + 1
            return true
        }
    }

    func close(_ address: String) {
        counts.withLock { counts in
            let count = counts[address, default: 1] - 1
            counts[address] = count > 0 ? count : nil
        }
    }
}

/// In every connection's pipeline, after HTTP decoding: closes a connection over its address's limit at once,
/// and one whose request or exchange takes longer than `ConnectionLimits` allows. (Hummingbird's idle timeout
/// covers the time between requests and a stalled request head.)
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let connections: AddressConnections
    private var address: String?
    private var requestDeadline: Scheduled<Void>?
    private var exchangeDeadline: Scheduled<Void>?

    init(limits: ConnectionLimits, connections: AddressConnections) {
        self.limits = limits
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context: context)
        context.fireChannelActive()
    }

    private func admit(context: ChannelHandlerContext) {
        guard address == nil, let ip = context.channel.remoteAddress?.ipAddress else { return }
        guard connections.open(ip, limit: limits.connectionsPerAddress) else {
            context.close(promise: nil)
            return
        }
        address = ip
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func release() {
        requestDeadline?.cancel()
        exchangeDeadline?.cancel()
        if let address { connections.close(address) }
        address = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestDeadline?.cancel()
            exchangeDeadline?.cancel()
            let channel = context.channel
            requestDeadline = context.eventLoop.scheduleTask(in: .init(limits.requestTime)) {
                channel.close(promise: nil)
            }
            exchangeDeadline = context.eventLoop.scheduleTask(in: .init(limits.exchangeTime)) {
                channel.close(promise: nil)
            }
        case .body:
            break
        case .end:
            requestDeadline?.cancel()
            requestDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            exchangeDeadline?.cancel()
            exchangeDeadline = nil
        }
        context.write(data, promise: promise)
    }
}
