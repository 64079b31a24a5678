import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Models
import NIOCore
import ServiceLifecycle

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
        let connections = AddressConnections()
        let router = buildRouter(
            store: store,
            rateLimiter: configuration.rateLimiter,
            auditKey: configuration.auditKey.publicKey,
            publicThreshold: configuration.publicThreshold,
            dashboardSecureCookie: configuration.tls != nil,
            failureLimits: configuration.failureLimits,
            retention: configuration.retention
        )
        let sealer = AuditSealer(
            store: store,
            key: configuration.auditKey,
            interval: configuration.auditSealInterval,
            logger: logger
        )
        // A connection that sends nothing for 30 seconds (a stalled or deliberately slow client) is closed, as is
        // one whose request or exchange outlasts `ConnectionLimits`, or one over its address's share.
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(limits: configuration.connectionLimits, connections: connections)],
            idleTimeout: .seconds(30)
        )
        var server = HTTPServerBuilder.http1(configuration: http1)
        var services: [any Service] = [
            sealer, RetentionReviewJob(store: store, policy: configuration.retention, logger: logger),
        ]
        if let tls = configuration.tls {
            let tlsConfiguration = tls.tlsConfiguration
            server = HTTPServerBuilder { responder in
                try TLSChannel(
                    HTTP1Channel(responder: responder, configuration: http1),
                    tlsConfiguration: tlsConfiguration
                )
            }
        }
        services.append(CertificateReloadService(certificate: configuration.tls, logger: logger))
        if let metrics = configuration.metrics { services.append(metrics.application(logger: logger)) }
        return Application(
            router: router,
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "empower-central"
            ),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }

    /// The router with every endpoint, for in-process tests (`app.test(.router)`) as well as the server.
    ///
    /// Every endpoint but `/v1/health` and `/v1/enrol` needs `Authorization: Bearer …` (see
    /// `AuthenticationMiddleware`); the caller's role decides what it may do.
    /// - Parameters:
    ///   - auditKey: the audit log's public key, which `verify` checks heads against (nil: not checked).
    ///   - publicThreshold: counts below it are hidden on the public page (`PublicSuppression`).
    ///   - dashboardSecureCookie: mark the dashboard's session cookie `Secure` (served over TLS).
    ///   - failureLimits: refused credentials allowed per client address.
    ///   - retention: the retention review policy; `retentionClock`: the time its routes read (tests set it).
    public static func buildRouter(
        store: any CentralStore,
        rateLimiter: RateLimiter = RateLimiter(),
        auditKey: AuditPublicKey? = nil,
        publicThreshold: Int = PublicSuppression.defaultThreshold,
        dashboardSecureCookie: Bool = false,
        failureLimits: FailureLimits = FailureLimits(),
        retention: RetentionPolicy = .defaults,
        retentionClock: @escaping @Sendable () -> Date = { Date() }
    ) -> Router<EmpowerRequestContext> {
        let router = Router(context: EmpowerRequestContext.self)
        router.add(middleware: RequestTelemetryMiddleware())
        router.add(middleware: ResponseCompressionMiddleware())
        router.add(middleware: JSONErrorMiddleware())
        router.add(
            middleware: AuthenticationMiddleware(
                accounts: store,
                rateLimiter: rateLimiter,
                failureLimits: failureLimits
            )
        )
        let clock = ServerClock()
        let v1 = router.group("v1")
        v1.get("health", use: QueryParameters.only([]) { _, _ in try JSONResponse.make(HealthResponse()) })
        SyncRoutes(store: store, clock: clock, epoch: HistoryEpochCache(store: store)).register(on: v1)
        RecordRoutes(store: store).register(on: v1)
        AdminRoutes(store: store, auditKey: auditKey).register(on: v1)
        DeviceRoutes(store: store).register(on: v1)
        PublicRoutes(store: store, threshold: publicThreshold).register(on: router)
        DashboardRoutes(store: store, sessions: DashboardSessions(store: store), secureCookie: dashboardSecureCookie)
            .register(on: router)
        RetentionRoutes(store: store, policy: retention, clock: retentionClock).register(on: v1)
        return router
    }
}
