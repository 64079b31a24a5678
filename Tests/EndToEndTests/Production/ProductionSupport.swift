import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Waits until `condition` holds, checking every 50 ms, for at most `seconds`.
func eventually(seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !(try await condition()) {
        guard ContinuousClock.now < deadline else { throw WaitedInVain(seconds: seconds) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

struct WaitedInVain: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "waited \(seconds) s in vain" }
}

/// A free TCP port on loopback, as the system hands one out now (for an option that takes a port number).
func freeLoopbackPort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw WaitedInVain(seconds: 0) }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    guard bound == 0, named == 0 else { throw WaitedInVain(seconds: 0) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// One plain HTTP request over loopback (URLSession), for the metrics listener and raw API calls.
func httpGet(_ url: URL, token: String? = nil) async throws -> (status: Int, body: String) {
    var request = URLRequest(url: url)
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

/// Runs the CLI with `arguments` and no standard input, ending it with SIGKILL when it has not finished within
/// `seconds` (a `serve` that should have refused to start would otherwise run on). - Returns: its status, nil
/// when it had to be ended, and its standard error.
func runBounded(
    _ arguments: [String],
    seconds: Double = 30,
    environment: [String: String] = [:]
) async throws -> (status: Int32?, stderr: String) {
    let errors = try makeTemporaryDirectory().appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
    let process = Process()
    process.executableURL = CLIRunner.executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: errors)
    try process.run()
    let deadline = ContinuousClock.now + .seconds(seconds)
    while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    let ended = !process.isRunning
    if !ended { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    return (ended ? process.terminationStatus : nil, try String(contentsOf: errors, encoding: .utf8))
}
