import Central
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL server the tests use, from `EMPOWER_TEST_DATABASE_URL` (`scripts/with-postgres.sh` sets it).
///
/// Without it the PostgreSQL tests still run, and fail saying how to run them, unless
/// `EMPOWER_ALLOW_SKIP_POSTGRES=1` (never in CI) leaves them out with a warning.
public enum PostgresTestServer {
    public static let variable = "EMPOWER_TEST_DATABASE_URL"

    public static let howToRun = """
        Run the tests with a PostgreSQL server: bash scripts/with-postgres.sh swift test … (it starts a \
        throwaway server and sets \(variable)), or set \(variable)=postgres://USER@HOST:PORT/DATABASE for a \
        server whose user may create databases.
        """

    public static var url: String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static var skipAllowed: Bool {
        ProcessInfo.processInfo.environment["EMPOWER_ALLOW_SKIP_POSTGRES"] == "1"
    }

    /// Whether the PostgreSQL tests run: always, unless no server is given and skipping is allowed; then the
    /// warning names `what` is skipped.
    public static func enabled(_ what: String) -> Bool {
        guard url == nil, skipAllowed else { return true }
        print("WARNING: PostgreSQL \(what) skipped (EMPOWER_ALLOW_SKIP_POSTGRES=1). \(howToRun)")
        return false
    }

    /// The server's URL, or a failure that says how to give one.
    public static func requireURL() throws -> PostgresDatabaseURL {
        guard let text = url else {
            throw PostgresTestError("\(variable) is not set, so the PostgreSQL tests cannot run. \(howToRun)")
        }
        return try PostgresDatabaseURL(text)
    }

    /// Runs `body` with a new, empty database on the test server (its name begins with `prefix`), dropped
    /// afterwards.
    public static func withScratchDatabase<Result>(
        prefix: String = "empower_t_",
        _ body: (PostgresDatabaseURL) async throws -> Result
    ) async throws
        -> Result
    {
        let server = try requireURL()
        let name = prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await execute("CREATE DATABASE \(name)", on: server)
        do {
            let result = try await body(server.replacingDatabase(with: name))
            try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
            return result
        } catch {
            try? await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
            throw error
        }
    }

    /// Runs one statement on the database of `url`, outside any transaction.
    public static func execute(_ sql: String, on url: PostgresDatabaseURL) async throws {
        try await withConnection(to: url) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
        }
    }

    /// One plain connection (not the store's pool), for the test's own SQL.
    public static func withConnection<Result>(
        to url: PostgresDatabaseURL,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await url.withConnection(logger: logger, body)
    }

    /// The logger of the test's own connections: silent.
    public static let logger = Logger(label: "empower.tests.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A PostgreSQL test that cannot run, or a server that did not start, with what to do about it.
public struct PostgresTestError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension PostgresDatabaseURL {
    /// The URL as `serve --database` reads it (with the password, unlike `description`).
    public var urlText: String {
        let password =
            password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? ""
        let user = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
        return "postgres://\(user)\(password)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}
