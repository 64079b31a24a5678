import Foundation
import GRDB

/// Clears a committed redaction's content out of a WAL database's write-ahead log.
///
/// `secure_delete` overwrites the content in the database's pages, but every commit that wrote those pages before
/// left whole copies of them in the `-wal` file, and they stay there until a checkpoint copies the log into the
/// database and the log is truncated — which in WAL mode happens only on a clean close. A `TRUNCATE` checkpoint
/// right after the redaction commits does that at once: the log's frames go into the database file (where the
/// pages are now the redacted ones) and the `-wal` file is cut to zero bytes.
public enum RedactionCheckpoint {
    /// How many checkpoints are tried before giving up; each waits for readers on older snapshots for up to the
    /// connection's busy timeout.
    public static let attempts = 5

    /// What a checkpoint did.
    public struct Outcome: Sendable, Equatable {
        /// Whether the log was emptied and truncated.
        public var completed: Bool
        /// How many attempts it took (the last one completing, or `attempts` when none did).
        public var attempts: Int
    }

    /// Runs `PRAGMA wal_checkpoint(TRUNCATE)` on the writer connection, again while a reader on an older snapshot
    /// keeps it from completing, at most `attempts` times (each try waits up to the busy timeout for readers).
    ///
    /// Call it after the transaction that redacted has committed, outside any transaction. GRDB's writer
    /// connection is held for the time of each try, so no commit comes in between.
    ///
    /// - Throws: what SQLite throws other than "busy".
    @discardableResult
    public static func truncateLog(of writer: some DatabaseWriter, attempts: Int = attempts) throws -> Outcome {
        for attempt in 1...max(1, attempts) {
            if try writer.writeWithoutTransaction(tryTruncate) { return Outcome(completed: true, attempts: attempt) }
            usleep(useconds_t(10_000 * attempt))
        }
        return Outcome(completed: false, attempts: max(1, attempts))
    }

    /// `truncateLog(of:attempts:)` for async callers: waits between tries without holding a thread.
    @discardableResult
    public static func truncateLog(of writer: some DatabaseWriter, attempts: Int = attempts) async throws -> Outcome {
        for attempt in 1...max(1, attempts) {
            if try await writer.writeWithoutTransaction(tryTruncate) {
                return Outcome(completed: true, attempts: attempt)
            }
            try await Task.sleep(for: .milliseconds(10 * attempt))
        }
        return Outcome(completed: false, attempts: max(1, attempts))
    }

    /// One `TRUNCATE` checkpoint: true when it emptied and truncated the log.
    @Sendable private static func tryTruncate(_ db: Database) throws -> Bool {
        do {
            // (busy, frames in the log, frames checkpointed): busy is 1 when readers kept it from finishing.
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return (row?[0] as Int?) == 0
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            return false
        }
    }
}
