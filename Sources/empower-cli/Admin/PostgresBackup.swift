import Central
import Foundation
import Logging
import Models

/// Backups of the PostgreSQL store with PostgreSQL's own tools, `pg_dump` and `pg_restore`, found on PATH.
/// The connection goes to them in the environment (PGHOST, PGPASSWORD…), never on their command line.
enum PostgresBackup {
    /// Writes a `pg_dump` custom-format dump of the database to `file`, beside it first, then renamed.
    static func dump(_ url: PostgresDatabaseURL, to file: URL) throws {
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw CLIError("\(file.path) already exists; give a new file name.")
        }
        let partial = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).partial")
        try? FileManager.default.removeItem(at: partial)
        defer { try? FileManager.default.removeItem(at: partial) }
        guard
            FileManager.default.createFile(atPath: partial.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw CLIError("\(file.path) cannot be written.") }
        try run("pg_dump", ["--format=custom", "--no-owner", "--file=\(partial.path)"], url: url)
        guard rename(partial.path, file.path) == 0 else { throw CLIError("\(file.path) cannot be written.") }
    }

    /// Restores a dump of `dump` into the database in one transaction (`pg_restore --clean --single-transaction`),
    /// then gives the store a new history epoch with an audit entry of the restore.
    /// - Returns: the new epoch.
    static func restore(from dump: URL, into url: PostgresDatabaseURL) async throws -> String {
        guard FileManager.default.fileExists(atPath: dump.path) else {
            throw CLIError("The backup \(dump.path) does not exist.")
        }
        let listing = try run(
            "pg_restore",
            ["--list", dump.path],
            url: nil,
            refusal: "\(dump.path) is not a pg_dump backup"
        )
        guard listing.contains("TABLE public history_epoch") || listing.contains("TABLE public operation ") else {
            throw CLIError("\(dump.path) is not a backup of an Empower store.")
        }
        let others = try run(
            "psql",
            [
                "--no-psqlrc", "--tuples-only", "--no-align", "--command",
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ],
            url: url
        )
        guard others.trimmingCharacters(in: .whitespacesAndNewlines) == "0" else {
            throw CLIError(
                "Other sessions are connected to the database (a server may be running on it): stop every server first."
            )
        }
        try run(
            "pg_restore",
            [
                "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                "--dbname=\(url.database)", dump.path,
            ],
            url: url
        )
        do {
            return try await PostgresCentralStore.withStore(url: url) { store in
                try await store.beginHistoryEpoch(restoredBy: .console(), from: dump.lastPathComponent, now: Date())
            }
        } catch {
            throw CLIError(
                "The backup was restored but not given a new history epoch (\(error)): run this restore again "
                    + "before starting a server."
            )
        }
    }

    /// Runs a PostgreSQL program with the database's connection in its environment.
    /// - Returns: what it wrote to standard output.
    @discardableResult
    private static func run(
        _ program: String,
        _ arguments: [String],
        url: PostgresDatabaseURL?,
        refusal: String? = nil
    ) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        var environment = ProcessInfo.processInfo.environment
        if let url {
            environment["PGHOST"] = url.host
            environment["PGPORT"] = "\(url.port)"
            environment["PGUSER"] = url.username
            environment["PGDATABASE"] = url.database
            environment["PGSSLMODE"] = url.tls.rawValue
            if let password = url.password { environment["PGPASSWORD"] = password }
        }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw CLIError("\(program) cannot be run: install PostgreSQL's client programs.")
        }
        // Read before waiting, so a full pipe never stalls the program.
        let outputText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if process.terminationStatus == 127 {
                throw CLIError("\(program) cannot be run: install PostgreSQL's client programs.")
            }
            let reason =
                errorText.split(separator: "\n").first.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw CLIError(refusal.map { "\($0): \(reason)" } ?? "\(program) failed: \(reason)")
        }
        return outputText
    }
}
