import Foundation
import PostgresNIO

/// Where the PostgreSQL central store lives: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with an
/// optional `?sslmode=disable|prefer|require` (as libpq: `prefer` by default).
public struct PostgresDatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain otherwise.
        case prefer
        /// TLS or no connection.
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String,
        tls: TLSMode = .prefer
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Reads a `postgres://` (or `postgresql://`) URL.
    public init(_ text: String) throws(InvalidURL) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw InvalidURL("The database URL must look like postgres://user@host:5432/database.")
        }
        guard let host = components.host, !host.isEmpty else {
            throw InvalidURL("The database URL names no host (postgres://user@HOST:5432/database).")
        }
        guard let user = components.user, !user.isEmpty else {
            throw InvalidURL("The database URL names no user (postgres://USER@host:5432/database).")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw InvalidURL("The database URL names no database (postgres://user@host:5432/DATABASE).")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw InvalidURL("sslmode must be disable, prefer or require.")
                }
                tls = mode
            default:
                throw InvalidURL("The database URL has an unknown parameter \(item.name); only sslmode is read.")
            }
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: user,
            password: components.password,
            database: database,
            tls: tls
        )
    }

    /// The URL with its password hidden, for messages and logs.
    public var description: String {
        let credentials = username + (password == nil ? "" : ":***")
        return "postgres://\(credentials)@\(host):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls)")
    }

    /// The same server and user, another database.
    public func replacingDatabase(with name: String) -> PostgresDatabaseURL {
        var url = self
        url.database = name
        return url
    }

    /// Why a database URL was refused.
    public struct InvalidURL: Error, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// The connection pool's configuration.
    func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch self.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    /// One connection's configuration, for the check made before the pool starts (and for tools that need a
    /// single connection beside the store, such as the benchmarks).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch self.tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        return PostgresConnection.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls
        )
    }

    /// Runs `body` on one connection of its own (not a store's pool), closed afterwards whatever happens: for
    /// tools and tests that need their own SQL beside the store.
    public func withConnection<Result>(
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await PostgresConnection.connect(
            configuration: try connectionConfiguration(),
            id: 1,
            logger: logger
        )
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
