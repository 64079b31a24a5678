import Central
import Foundation
import GRDB
import Logging
import PostgresNIO

/// A central store the benchmarks run on: SQLite in a data directory, or PostgreSQL on the server named by
/// `bench --database`, where every measure gets a database of its own, dropped afterwards.
enum BenchStore: Sendable, Hashable {
    case sqlite
    /// The server's URL; its database is used only to create and drop the scratch databases.
    case postgres(PostgresDatabaseURL)

    var name: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }

    static let logger = Logger(label: "empower.bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with a new, empty store of this kind, removed afterwards whatever the outcome.
    func withScratch<Result>(
        in workspace: URL,
        named name: String,
        _ body: (ScratchStore) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .sqlite:
            let directory = workspace.appendingPathComponent("central-\(name)")
            defer { try? FileManager.default.removeItem(at: directory) }
            return try await body(ScratchStore(kind: self, directory: directory, database: nil))
        case .postgres(let server):
            let database = "empower_bench_" + name.lowercased().filter { $0.isLetter || $0.isNumber }
            try await Self.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", on: server)
            try await Self.execute("CREATE DATABASE \(database)", on: server)
            do {
                let result = try await body(
                    ScratchStore(kind: self, directory: nil, database: server.replacingDatabase(with: database))
                )
                try await Self.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", on: server)
                return result
            } catch {
                try? await Self.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", on: server)
                throw error
            }
        }
    }

    /// Runs `body` on one connection of its own to `url`'s database.
    static func withConnection<Result>(
        to url: PostgresDatabaseURL,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await url.withConnection(logger: logger, body)
    }

    static func execute(_ sql: String, on url: PostgresDatabaseURL) async throws {
        try await withConnection(to: url) { _ = try await $0.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
    }

    /// The PostgreSQL server's version and the settings that decide what a commit costs.
    static func serverDescription(_ url: PostgresDatabaseURL) async throws -> String {
        try await withConnection(to: url) { connection in
            var values: [String] = []
            for query in ["SHOW server_version", "SHOW fsync", "SHOW synchronous_commit", "SHOW shared_buffers"] {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: query), logger: logger).collect()
                values.append(try rows.first?.decode(String.self) ?? "?")
            }
            return "PostgreSQL \(values[0]) (fsync \(values[1]), synchronous_commit \(values[2]), "
                + "shared_buffers \(values[3]))"
        }
    }
}

/// One fresh store for one measure: opened in this process for setup (accounts, filling), served by
/// `empower-cli serve` processes for what is measured.
struct ScratchStore: Sendable {
    let kind: BenchStore
    let directory: URL?
    let database: PostgresDatabaseURL?

    /// The arguments that put `empower-cli serve` on this store.
    var serveArguments: [String] {
        if let directory { return ["--data", directory.path] }
        return ["--database", Self.argument(database!)]
    }

    /// Runs `body` with the store opened in this process.
    func withStore<Result>(_ body: (any CentralStore) async throws -> Result) async throws -> Result {
        if let directory { return try await body(try SQLiteCentralStore(directory: directory)) }
        return try await PostgresCentralStore.withStore(url: database!, logger: BenchStore.logger) {
            try await body($0)
        }
    }

    /// The position of the last stored operation.
    func lastPosition() async throws -> Int64 {
        if let directory {
            return try await DatabaseQueue(path: directory.appendingPathComponent(SQLiteCentralStore.fileName).path)
                .read { try Int64.fetchOne($0, sql: "SELECT MAX(seq) FROM operation") ?? 0 }
        }
        return try await BenchStore.withConnection(to: database!) { connection in
            let rows = try await connection.query("SELECT last_seq FROM operation_position", logger: BenchStore.logger)
                .collect()
            return try rows.first?.decode(Int64.self) ?? 0
        }
    }

    /// A URL as `serve --database` reads it, password and TLS mode included.
    static func argument(_ url: PostgresDatabaseURL) -> String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = url.username
        components.password = url.password
        components.host = url.host
        components.port = url.port
        components.path = "/" + url.database
        components.queryItems = [URLQueryItem(name: "sslmode", value: url.tls.rawValue)]
        return components.string!
    }
}

/// A server in its own process (`empower-cli serve`), so its CPU and memory are its own, as in production.
final class BenchServer {
    let process: Process
    let url: URL

    init(executable: URL, store: ScratchStore) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--port", "0", "--rate-limit", "1000000"] + store.serveArguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw BenchError("The benchmark server did not start.") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let start = text.range(of: "http://"), let end = text[start.lowerBound...].firstIndex(of: " "),
            let url = URL(string: String(text[start.lowerBound..<end]))
        else {
            process.terminate()
            throw BenchError("The benchmark server did not say where it listens.")
        }
        self.url = url
    }

    /// The server's peak resident memory so far, in bytes.
    var peakMemory: Int { BacklogBench.peakMemory(of: "\(process.processIdentifier)") }

    /// The CPU seconds the server has used so far.
    var cpuSeconds: Double { BenchCommand.cpuSeconds(of: "\(process.processIdentifier)") }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
