import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus

/// The `/metrics` listener (`serve --metrics-address`): a server of its own, apart from the API's port, that
/// answers `GET /metrics` with every metric (`EmpowerMetrics`) in the Prometheus text format. Keep it on
/// loopback or a private network: it needs no token.
public struct MetricsEndpoint: Sendable {
    public var host: String
    /// 0 picks a free one (its number is passed to `onRunning`).
    public var port: Int
    let registry: PrometheusCollectorRegistry
    /// Called once the port is open, with its number.
    let onRunning: @Sendable (Int) async -> Void

    /// Makes the process's metrics system report to a new Prometheus registry. Once per process.
    public static func bootstrap(
        host: String,
        port: Int,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> MetricsEndpoint {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        EmpowerMetrics.declare()
        return MetricsEndpoint(host: host, port: port, registry: registry, onRunning: onRunning)
    }

    /// The media type of the Prometheus text format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The listener, run as a service beside the API's.
    func application(logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        let registry = self.registry
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: Self.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        let onRunning = self.onRunning
        let port = self.port
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(host, port: port), serverName: "empower-metrics"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
