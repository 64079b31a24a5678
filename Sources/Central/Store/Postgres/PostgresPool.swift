import Logging
import PostgresNIO
import ServiceLifecycle

/// The store's connection pool (`PostgresClient`) as a `Service`, run in a `ServiceGroup` like the server's
/// other services.
///
/// Nothing may lease a connection before the pool runs (PostgresNIO warns when something does, and the lease
/// waits), so `withRunning` starts the group and waits until `run()` has handed over to the client before its
/// body leases anything. The group encloses everything that uses the store (the schema migration, then the
/// server with its own services), so the pool starts first and stops last: after the body has returned, the
/// group is shut down gracefully and the pool closes its connections.
final class PostgresPool: Service {
    let client: PostgresClient
    private let started: AsyncStream<Void>
    private let start: AsyncStream<Void>.Continuation

    init(client: PostgresClient) {
        self.client = client
        (started, start) = AsyncStream.makeStream(of: Void.self)
    }

    func run() async {
        start.finish()
        await client.run()
    }

    /// Runs `body` once the pool runs, in a `ServiceGroup` of its own; shuts the group down gracefully when
    /// `body` returns or throws, and waits for the pool to stop.
    func withRunning<Result>(logger: Logger, _ body: () async throws -> Result) async throws -> Result {
        let group = ServiceGroup(configuration: .init(services: [self], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            for await _ in started {}
            do {
                let result = try await body()
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
