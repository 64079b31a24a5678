import Central
import Foundation
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL server the end-to-end tests use, from `EMPOWER_TEST_DATABASE_URL` (set by
/// `scripts/with-postgres.sh`). Without it the tests fail saying how to run them, unless
/// `EMPOWER_ALLOW_SKIP_POSTGRES=1` (never in CI) turns them off with a warning.
enum PostgresTestDatabase {
    static let variable = "EMPOWER_TEST_DATABASE_URL"

    static var url: String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the PostgreSQL tests run: always, unless no server is given and skipping is allowed.
    static let enabled: Bool = {
        guard url == nil, ProcessInfo.processInfo.environment["EMPOWER_ALLOW_SKIP_POSTGRES"] == "1" else {
            return true
        }
        print(
            "WARNING: PostgreSQL end-to-end tests skipped (EMPOWER_ALLOW_SKIP_POSTGRES=1); run them with scripts/with-postgres.sh."
        )
        return false
    }()

    private static let logger = Logger(label: "empower.e2e.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with a new, empty database on the test server, dropped afterwards.
    static func withScratchDatabase<Result>(
        _ body: (PostgresDatabaseURL) async throws -> Result
    ) async throws
        -> Result
    {
        guard let text = url else {
            throw PostgresTestError(
                """
                \(variable) is not set, so the PostgreSQL tests cannot run. Run them with \
                bash scripts/with-postgres.sh swift test … (it starts a throwaway server), or set \(variable)=\
                postgres://USER@HOST:PORT/DATABASE for a server whose user may create databases.
                """
            )
        }
        let server = try PostgresDatabaseURL(text)
        let name = "empower_e2e_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
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
    static func execute(_ sql: String, on url: PostgresDatabaseURL) async throws {
        let tls: PostgresConnection.Configuration.TLS =
            url.tls == .disable ? .disable : .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: url.host,
                port: url.port,
                username: url.username,
                password: url.password,
                database: url.database,
                tls: tls
            ),
            id: 1,
            logger: logger
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

struct PostgresTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A real `empower-cli serve --database …` process.
final class ServerProcess {
    let process: Process
    let url: URL

    /// Starts the server on a free port and waits for the line that names it; its log goes to `standardError`.
    init(database: PostgresDatabaseURL, arguments: [String] = [], standardError: FileHandle = .nullDevice) throws {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["serve", "--port", "0", "--database", "\(database.urlText)"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = standardError
        try process.run()
        var buffer = ""
        let reader = stdout.fileHandleForReading
        while !buffer.contains("\n") {
            let chunk = reader.availableData
            guard !chunk.isEmpty else {
                process.terminate()
                throw PostgresTestError("empower-cli serve --database did not start: \(buffer)")
            }
            buffer += String(decoding: chunk, as: UTF8.self)
        }
        let line = buffer.split(separator: "\n")[0]
        guard let range = line.range(of: "http://"), let end = line[range.lowerBound...].firstIndex(of: " "),
            let url = URL(string: String(line[range.lowerBound..<end]))
        else {
            process.terminate()
            throw PostgresTestError("empower-cli serve printed no URL: \(buffer)")
        }
        self.process = process
        self.url = url
    }

    /// Stops the server (SIGTERM: requests in flight finish) and waits for it.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

extension PostgresDatabaseURL {
    /// The URL as `serve --database` reads it (with the password, unlike `description`).
    var urlText: String {
        let password =
            password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? ""
        let user = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
        return "postgres://\(user)\(password)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}
