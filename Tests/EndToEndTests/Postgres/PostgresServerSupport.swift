import Central
import Foundation
import TestSupport

extension PostgresTestServer {
    /// Whether the PostgreSQL end-to-end tests run (`enabled`).
    static let endToEndEnabled = enabled("end-to-end tests")
}

/// A real `empower-cli serve --database …` process.
final class ServerProcess {
    let process: Process
    let url: URL

    /// Starts the server on a free port and waits for the line that names it; its log goes to `standardError`.
    init(database: PostgresDatabaseURL, arguments: [String] = [], standardError: FileHandle = .nullDevice) throws {
        (process, url) = try ServeLaunch.start(
            ["--port", "0", "--database", "\(database.urlText)"] + arguments,
            standardError: standardError
        )
    }

    /// Stops the server (SIGTERM: requests in flight finish) and waits for it.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
