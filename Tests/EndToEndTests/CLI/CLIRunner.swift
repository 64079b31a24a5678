import Foundation
import TestSupport

/// Runs the real `empower-cli` executable, built beside the test bundle.
struct CLIRunner {
    /// The outcome of one run.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable: SwiftPM builds it into the same products directory as the test bundle.
    static let executable = ServeLaunch.executable

    /// Runs the CLI to completion with `arguments`, and no standard input.
    ///
    /// - Parameters:
    ///   - launcher: a command that runs the CLI, given as its first arguments (such as `unshare …` or
    ///     `faketime -f +2h`).
    ///   - environment: variables added to this process's environment for the run.
    static func run(
        _ arguments: [String],
        launcher: [String] = [],
        timeout: TimeInterval = 60,
        environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe never blocks the child.
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errors, as: UTF8.self)
        )
    }

    /// Starts `empower-cli serve` on `port` (0: a free one) and returns the process with the URL it printed.
    ///
    /// - Parameters:
    ///   - diskReserveMegabytes: the server's disk reserve; 1 MB rather than the default 64: tests start many.
    ///   - launcher: a command that runs the server, such as `nsenter` into another mount namespace; it must
    ///     exec it, so that the process is the server's.
    ///   - standardError: where the server's log goes.
    ///   - arguments: more options of `serve`.
    static func startServer(
        dataDirectory: URL,
        port: Int = 0,
        diskReserveMegabytes: Int = 1,
        launcher: [String] = [],
        standardError: FileHandle = .nullDevice,
        arguments: [String] = []
    ) throws -> (Process, URL) {
        try ServeLaunch.start(
            ["--port", "\(port)", "--data", dataDirectory.path, "--disk-reserve-mb", "\(diskReserveMegabytes)"]
                + arguments,
            launcher: launcher,
            standardError: standardError
        )
    }
}

/// Accounts made the way an administrator makes them: the real `empower-cli admin` commands on a server's data
/// directory (they work while `serve` runs on it), and the real `device init` with the enrolment token.
enum CLIAccounts {
    /// `admin user add` on the server's data directory; a user that exists already is left as it is.
    static func addUser(_ id: String, role: String, venue: String? = nil, serverData: URL) throws {
        let added = try CLIRunner.run(
            ["admin", "user", "add", "--data", serverData.path, "--id", id, "--role", role]
                + (venue.map { ["--venue", $0] } ?? [])
        )
        guard added.status == 0 || added.stderr.contains("exists") else {
            throw CLIAccountsError("admin user add \(id) failed: \(added.stderr)")
        }
    }

    /// `admin device enrol` on the server's data directory: the one-time enrolment token it prints.
    static func enrolmentToken(user: String, device: String, serverData: URL) throws -> String {
        let enrolled = try CLIRunner.run([
            "admin", "device", "enrol", "--data", serverData.path, "--user", user, "--device", device,
        ])
        let token = enrolled.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard enrolled.status == 0, token.hasPrefix("emp_"), !token.contains("\n") else {
            throw CLIAccountsError("admin device enrol \(device) failed: \(enrolled.stdout) \(enrolled.stderr)")
        }
        return token
    }

    /// The unlock secret of every device these tests set up with `device init`, in a file of its own.
    static let secretFile: URL = {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "empower-e2e-secret-\(UUID().uuidString)"
        )
        _ = FileManager.default.createFile(atPath: file.path, contents: Data(testSecret.utf8))
        return file
    }()

    /// The secret in `secretFile`.
    static let testSecret = "correct horse battery staple"

    /// `device init --server URL --token TOKEN --data DIR --secret-file FILE`: the device is left unlocked.
    static func initDevice(server: URL, token: String, directory: URL) throws -> CLIRunner.Result {
        try CLIRunner.run([
            "device", "init", "--server", server.absoluteString, "--token", token, "--data", directory.path,
            "--secret-file", secretFile.path,
        ])
    }

    /// A device enrolled for a user (added if new) through a running server, set up in `directory`.
    @discardableResult
    static func enrolDevice(
        _ deviceId: String,
        user: String,
        role: String = "officer",
        venue: String? = nil,
        server: URL,
        serverData: URL,
        directory: URL
    ) throws -> URL {
        try addUser(user, role: role, venue: venue, serverData: serverData)
        let token = try enrolmentToken(user: user, device: deviceId, serverData: serverData)
        let initialised = try initDevice(server: server, token: token, directory: directory)
        guard initialised.status == 0 else {
            throw CLIAccountsError("device init of \(deviceId) failed: \(initialised.stderr)")
        }
        return directory
    }
}

struct CLIAccountsError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A real `empower-cli serve` process on its own data directory, stopped with SIGTERM by `stop()` or when it is
/// released, so that no test leaves a server behind.
final class ServeProcess {
    /// The server's data directory.
    let data: URL
    let url: URL
    private let process: Process

    /// Starts a server on `data` (a fresh directory under a new temporary one when nil), on `port` (0: a free
    /// one; a server started again on its last port is at the same URL for the devices). The other parameters
    /// are `CLIRunner.startServer`'s.
    init(
        data: URL? = nil,
        port: Int = 0,
        diskReserveMegabytes: Int = 1,
        launcher: [String] = [],
        standardError: FileHandle = .nullDevice,
        arguments: [String] = []
    ) throws {
        let directory = try data ?? makeTemporaryDirectory().appendingPathComponent("central")
        self.data = directory
        (process, url) = try CLIRunner.startServer(
            dataDirectory: directory,
            port: port,
            diskReserveMegabytes: diskReserveMegabytes,
            launcher: launcher,
            standardError: standardError,
            arguments: arguments
        )
    }

    /// The central store's SQLite file.
    var databasePath: String { data.appendingPathComponent("central.sqlite").path }

    var isRunning: Bool { process.isRunning }

    /// The server's process id (for signals such as SIGHUP).
    var processIdentifier: Int32 { process.processIdentifier }

    /// SIGTERM, then waits until the server has drained and stopped.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// The process's exit, once it has stopped.
    var termination: (reason: Process.TerminationReason, status: Int32) {
        (process.terminationReason, process.terminationStatus)
    }

    /// SIGKILL: no draining, no clean close of the database; waits until the process has gone.
    func kill() {
        guard process.isRunning else { return }
        _ = Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A device enrolled for a user (added if new) in `directory` through this server.
    @discardableResult
    func enrolDevice(
        _ deviceId: String,
        user: String,
        role: String = "officer",
        venue: String? = nil,
        in directory: URL
    ) throws -> URL {
        try CLIAccounts.enrolDevice(
            deviceId,
            user: user,
            role: role,
            venue: venue,
            server: url,
            serverData: data,
            directory: directory
        )
    }
}
