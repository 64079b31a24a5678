import Central
import Foundation
import TestSupport
import Testing

/// The PostgreSQL connection pool runs as a service: nothing leases a connection before it runs, and it stops
/// last, after the server has drained. Before, 5 of 11 starts logged PostgresNIO's warning that a connection
/// was leased before `PostgresClient.run()` was called (the schema migration raced the pool's task).
@Suite("PostgreSQL: the connection pool as a service", .enabled(if: PostgresTestServer.endToEndEnabled))
struct PostgresPoolServiceTests {
    /// Starts: the race lost about half of them, so five all clean would be luck one time in twenty.
    static let starts = 5

    @Test("serve --database: no lease before the pool runs, in any of 5 starts, and each stop is clean")
    func noLeaseBeforeRun() async throws {
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        try await PostgresTestServer.withScratchDatabase(prefix: "empower_e2e_") { database in
            for start in 1...Self.starts {
                let log = workspace.appendingPathComponent("serve-\(start).log")
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                // The first start migrates a new database; the others find it up to date.
                let server = try ServerProcess(
                    database: database,
                    standardError: try FileHandle(forWritingTo: log)
                )
                #expect(try await httpGet(server.url.appendingPathComponent("v1/health")).status == 200)
                server.stop()
                let text = try String(contentsOf: log, encoding: .utf8)
                #expect(
                    !text.contains("hasn't been called"),
                    "start \(start) leased before the pool ran; log:\n\(text)"
                )
                #expect(server.process.terminationReason == .exit, "start \(start) ended by a signal; log:\n\(text)")
                #expect(server.process.terminationStatus == 0, "start \(start) did not stop cleanly; log:\n\(text)")
                let problems = text.split(separator: "\n").filter { $0.contains("error") || $0.contains("warning") }
                #expect(problems.isEmpty, "start \(start) logged problems: \(problems)")
            }
        }
    }
}
