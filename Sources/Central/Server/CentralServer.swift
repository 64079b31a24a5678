import Foundation
import Hummingbird
import Logging
import Models
import NIOCore

/// The central server as a library: `empower-cli serve`, the demo and the tests all build it here.
public enum CentralServer {
    /// Builds the HTTP application over a store.
    ///
    /// Run it with `runService()` for SIGINT/SIGTERM handling (in-flight requests drain, then it stops), or
    /// hand it to a `ServiceGroup`.
    /// - Parameters:
    ///   - onServerRunning: called once the port is open, with the port number (useful with port 0).
    public static func buildApplication(
        configuration: CentralConfiguration,
        store: any CentralStore,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = buildRouter(
            store: store,
            rateLimiter: configuration.rateLimiter,
            auditKey: configuration.auditKey.publicKey
        )
        let sealer = AuditSealer(
            store: store,
            key: configuration.auditKey,
            interval: configuration.auditSealInterval,
            logger: logger
        )
        return Application(
            router: router,
            // A connection that sends nothing for 30 seconds (a stalled or deliberately slow client) is closed.
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "empower-central"
            ),
            services: [sealer],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }

    /// The router with every endpoint, for in-process tests (`app.test(.router)`) as well as the server.
    ///
    /// Every endpoint but `/v1/health` and `/v1/enrol` needs `Authorization: Bearer …` (see
    /// `AuthenticationMiddleware`); the caller's role decides what it may do.
    /// - Parameter auditKey: the audit log's public key, which `verify` checks heads against (nil: not checked).
    public static func buildRouter(
        store: any CentralStore,
        rateLimiter: RateLimiter = RateLimiter(),
        auditKey: AuditPublicKey? = nil
    ) -> Router<EmpowerRequestContext> {
        let router = Router(context: EmpowerRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: AuthenticationMiddleware(accounts: store, rateLimiter: rateLimiter))
        let clock = ServerClock()
        let v1 = router.group("v1")
        v1.get("health", use: QueryParameters.only([]) { _, _ in try JSONResponse.make(HealthResponse()) })
        SyncRoutes(store: store, clock: clock).register(on: v1)
        RecordRoutes(store: store).register(on: v1)
        AdminRoutes(store: store, auditKey: auditKey).register(on: v1)
        DeviceRoutes(store: store).register(on: v1)
        return router
    }
}
