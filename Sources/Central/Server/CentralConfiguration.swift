import Foundation
import Models

/// How the central server runs. Reading it from flags lives in `empower-cli serve`.
public struct CentralConfiguration: Sendable {
    /// The address to listen on. Loopback by default: serve other machines only behind TLS.
    public var host: String
    /// The port; 0 picks a free one (its number is passed to `onServerRunning`).
    public var port: Int
    /// Each token's request rate limit.
    public var rateLimiter: RateLimiter
    /// The key that signs the audit log's tree heads. `serve` reads it from its key file; without one (tests,
    /// the demo, benchmarks) a key is made for the run and heads cannot be checked once it ends.
    public var auditKey: AuditSigningKey
    /// How often the sealer integrates new audit entries into the tree.
    public var auditSealInterval: Duration
    /// TLS, production: the certificate served (reloaded on SIGHUP). Nil: plain HTTP.
    public var tls: ServerCertificate? = nil
    /// The `/metrics` listener, production: nil for none.
    public var metrics: MetricsEndpoint? = nil
    /// Counts below this are hidden on the public page (`PublicSuppression`; `serve --public-threshold`).
    public var publicThreshold: Int = PublicSuppression.defaultThreshold
    /// Refused credentials allowed per client address (429 beyond them).
    public var failureLimits = FailureLimits()
    /// Time allowed for a request and its answer, and connections per client address.
    public var connectionLimits = ConnectionLimits()
    /// The retention review periods (`serve --retention-config`; the documented defaults otherwise).
    public var retention: RetentionPolicy = .defaults

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        rateLimiter: RateLimiter = RateLimiter(),
        auditKey: AuditSigningKey? = nil,
        auditSealInterval: Duration = .milliseconds(500)
    ) {
        self.host = host
        self.port = port
        self.rateLimiter = rateLimiter
        self.auditKey = auditKey ?? (try! AuditSigningKey(name: "empower-audit"))
        self.auditSealInterval = auditSealInterval
    }

    /// Whether the host is a loopback address, reachable only from this machine.
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// Whether `host` is a loopback address, reachable only from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
    }
}
