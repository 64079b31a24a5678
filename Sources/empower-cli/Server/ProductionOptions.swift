import ArgumentParser
import Central
import Foundation
import Logging

/// The options of `serve` for running it in production: TLS, the metrics listener, and the log.
struct ProductionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A PEM file of the server's TLS certificate chain (leaf first): serve HTTPS. Sending the server SIGHUP reads it and --tls-key again.",
            valueName: "file"
        )
    )
    var tlsCert: String?

    @Option(help: ArgumentHelp("The PEM file of the TLS certificate's private key.", valueName: "file"))
    var tlsKey: String?

    @Flag(
        help:
            "Serve plain HTTP on an address beyond this machine (only behind a proxy that does TLS): refused otherwise."
    )
    var allowPlainHttp = false

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://HOST:PORT/metrics, apart from the API's port and without a token: keep it on loopback or a private network (default: none).",
            valueName: "host:port"
        )
    )
    var metricsAddress: String?

    @Option(
        help: ArgumentHelp(
            "The least severe log level written: trace, debug, info, notice, warning, error or critical (default: $EMPOWER_LOG_LEVEL, or info).",
            valueName: "level"
        )
    )
    var logLevel: String?

    @Option(help: ArgumentHelp("The log's format on standard error: text or json.", valueName: "format"))
    var logFormat: LogFormat = .text

    /// The environment variable for --log-level (read by `ServeSettings`, as every option's variable is).
    static let logLevelEnvironmentVariable = "EMPOWER_LOG_LEVEL"

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("Give both --tls-cert FILE and --tls-key FILE, or neither.")
        }
        if tlsCert != nil, allowPlainHttp {
            throw ValidationError("--allow-plain-http is for serving without TLS; it does not go with --tls-cert.")
        }
        if let metricsAddress, Self.hostAndPort(metricsAddress) == nil {
            throw ValidationError("--metrics-address must be HOST:PORT, such as 127.0.0.1:9464.")
        }
        _ = try level()
    }

    /// The log level of --log-level (or its environment variable, through `ServeSettings`), else info.
    func level() throws -> Logger.Level {
        guard let text = logLevel else { return .info }
        guard let level = Self.logLevel(text) else {
            throw ValidationError("--log-level must be one of \(Self.logLevelNames); '\(text)' is none of them.")
        }
        return level
    }

    /// The level a log-level text names, in any case; nil when it names none (`logLevelNames` lists them).
    static func logLevel(_ text: String) -> Logger.Level? { Logger.Level(rawValue: text.lowercased()) }

    /// The log levels' names, for messages.
    static var logLevelNames: String { Logger.Level.allCases.map(\.rawValue).joined(separator: ", ") }

    /// Sets the process's log handler: text or JSON lines on standard error.
    func bootstrapLogging() {
        switch logFormat {
        case .text: LoggingSystem.bootstrap(StreamLogHandler.standardError)
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        }
    }

    /// The certificate of --tls-cert and --tls-key, read and checked; nil without them.
    func certificate() throws -> ServerCertificate? {
        guard let tlsCert, let tlsKey else { return nil }
        do {
            return try ServerCertificate(certificateFile: tlsCert, keyFile: tlsKey)
        } catch {
            throw CLIError("TLS cannot be served: \(error.description).")
        }
    }

    /// Refuses plain HTTP beyond this machine, unless --allow-plain-http says a proxy does TLS in front.
    func checkPlainHTTP(host: String, isLoopback: Bool) throws {
        guard tlsCert == nil, !isLoopback, !allowPlainHttp else { return }
        throw CLIError(
            "Refusing to serve plain HTTP on \(host), beyond this machine: tokens and patrol records would cross "
                + "the network unencrypted. Give --tls-cert FILE --tls-key FILE, or --allow-plain-http when a proxy "
                + "in front of this server does TLS."
        )
    }

    /// The metrics listener of --metrics-address (the process's metrics system is bootstrapped), or nil.
    func metricsEndpoint() -> MetricsEndpoint? {
        guard let metricsAddress, let (host, port) = Self.hostAndPort(metricsAddress) else { return nil }
        return MetricsEndpoint.bootstrap(host: host, port: port) { port in
            let shown = host.contains(":") ? "[\(host)]" : host
            FileHandle.standardOutput.write(Data("Metrics on http://\(shown):\(port)/metrics\n".utf8))
        }
    }

    /// HOST:PORT, or [IPv6]:PORT.
    static func hostAndPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}
