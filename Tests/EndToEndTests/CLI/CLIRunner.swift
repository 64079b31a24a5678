import Foundation

/// Runs the real `empower-cli` executable, built beside the test bundle.
struct CLIRunner {
    /// The outcome of one run.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable: SwiftPM builds it into the same products directory as the test bundle.
    static let executable: URL = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundleDirectory.appendingPathComponent("empower-cli")
    }()

    /// Runs the CLI to completion with `arguments`, and no standard input.
    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
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

    /// Starts `empower-cli serve` on a free port and returns the process with the URL it printed.
    static func startServer(dataDirectory: URL) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--port", "0", "--data", dataDirectory.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = ""
        let reader = stdout.fileHandleForReading
        while !buffer.contains("\n") {
            let chunk = reader.availableData
            guard !chunk.isEmpty else { throw CLIRunnerError.serverDidNotStart(buffer) }
            buffer += String(decoding: chunk, as: UTF8.self)
        }
        let line = buffer.split(separator: "\n")[0]
        guard let range = line.range(of: "http://"), let end = line[range.lowerBound...].firstIndex(of: " "),
            let url = URL(string: String(line[range.lowerBound..<end]))
        else { throw CLIRunnerError.serverDidNotStart(buffer) }
        return (process, url)
    }
}

enum CLIRunnerError: Error {
    case serverDidNotStart(String)
}
