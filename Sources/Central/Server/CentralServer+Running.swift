import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

extension CentralServer {
    /// Runs a server on a free loopback port for the duration of `body`, then shuts it down gracefully.
    ///
    /// For the demo, tests and benchmarks: the server is the real one, over real HTTP.
    /// - Parameters:
    ///   - rateLimiter: each token's request rate limit.
    ///   - auditKey: the key that signs audit heads (default: one made for the run).
    ///   - failureLimits: refused credentials allowed per client address.
    ///   - body: receives the server's base URL, such as `http://127.0.0.1:53122`.
    public static func withRunningServer<Result: Sendable>(
        store: any CentralStore,
        rateLimiter: RateLimiter = RateLimiter(),
        auditKey: AuditSigningKey? = nil,
        failureLimits: FailureLimits = FailureLimits(),
        logger: Logger = Logger(label: "empower.central", factory: { _ in SwiftLogNoOpLogHandler() }),
        _ body: @Sendable (URL) async throws -> Result
    ) async throws -> Result {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var configuration = CentralConfiguration(
            host: "127.0.0.1",
            port: 0,
            rateLimiter: rateLimiter,
            auditKey: auditKey
        )
        configuration.failureLimits = failureLimits
        let app = buildApplication(
            configuration: configuration,
            store: store,
            logger: logger
        ) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                throw CancellationError()
            }
            do {
                let result = try await body(URL(string: "http://127.0.0.1:\(port)")!)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

extension CentralServer {
    /// Runs the server until SIGINT or SIGTERM; requests in flight finish before it returns.
    public static func serve(
        configuration: CentralConfiguration,
        store: any CentralStore,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let app = buildApplication(
            configuration: configuration,
            store: store,
            logger: logger,
            onServerRunning: onServerRunning
        )
        try await app.runService()
    }
}
