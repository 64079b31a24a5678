import Foundation

/// How the central server runs. Reading it from flags lives in `empower-cli serve`.
public struct CentralConfiguration: Sendable {
    /// The address to listen on. Loopback by default: until authentication exists, nothing else is safe.
    public var host: String
    /// The port; 0 picks a free one (its number is passed to `onServerRunning`).
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }

    /// Whether the host is a loopback address, reachable only from this machine.
    public var isLoopback: Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
    }
}
