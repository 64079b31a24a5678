import Foundation

/// Starting the real `empower-cli serve` (SQLite or PostgreSQL) and reading the URL it prints.
public enum ServeLaunch {
    /// The executable: SwiftPM builds it into the same products directory as the test bundle.
    public static let executable: URL = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundleDirectory.appendingPathComponent("empower-cli")
    }()

    /// Starts `empower-cli serve` with `arguments` and returns the process with the URL it printed.
    ///
    /// - Parameters:
    ///   - arguments: the options of `serve` (its store, port, and so on).
    ///   - launcher: a command that runs the server, such as `nsenter` into another mount namespace; it must
    ///     exec it, so that the process is the server's.
    ///   - standardError: where the server's log goes.
    /// - Throws: `ServeLaunchError` with what the server printed, when it stops before naming its URL (the
    ///   process is stopped then).
    public static func start(
        _ arguments: [String],
        launcher: [String] = [],
        standardError: FileHandle = .nullDevice
    ) throws -> (Process, URL) {
        let process = Process()
        let command = launcher + [executable.path, "serve"] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = standardError
        try process.run()
        var buffer = ""
        let reader = stdout.fileHandleForReading
        // The line that names the server's URL (a metrics listener's line may come first).
        func serverLine() -> Substring? {
            buffer.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                .first { $0.hasPrefix("Empower central server on ") }
        }
        func failed() -> ServeLaunchError {
            if process.isRunning { process.terminate() }
            return ServeLaunchError(output: buffer)
        }
        while serverLine() == nil {
            let chunk = reader.availableData
            guard !chunk.isEmpty else { throw failed() }
            buffer += String(decoding: chunk, as: UTF8.self)
        }
        let line = serverLine()!
        guard let range = line.range(of: "https://") ?? line.range(of: "http://"),
            let end = line[range.lowerBound...].firstIndex(of: " "),
            let url = URL(string: String(line[range.lowerBound..<end]))
        else { throw failed() }
        return (process, url)
    }
}

/// `empower-cli serve` stopped, or printed no URL, before it named its URL.
public struct ServeLaunchError: Error, CustomStringConvertible {
    /// What it printed on its standard output.
    public var output: String
    public var description: String { "empower-cli serve did not start: \(output)" }
}
