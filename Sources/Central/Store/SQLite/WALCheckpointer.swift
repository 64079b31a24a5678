import Foundation
import GRDB

/// Copies the write-ahead log back into the database file from its own connection, a few times a second,
/// so that the fsync-heavy work of a checkpoint happens beside the pushes rather than inside one.
///
/// Passive checkpoints never wait for or block the writer. SQLite's own checkpoint on commit stays as a
/// backstop (at 256 MB of log) should this one fall behind or stop.
final class WALCheckpointer: Sendable {
    private let task: Task<Void, Never>

    init(path: String, interval: Duration = .milliseconds(200)) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        task = Task.detached(priority: .utility) {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                _ = try? await connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
            }
        }
    }

    deinit { task.cancel() }
}
