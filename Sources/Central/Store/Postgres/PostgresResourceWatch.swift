import Logging
import PostgresNIO
import Synchronization

/// Turns PostgreSQL's "insufficient resources" errors (SQLSTATE class 53) into `StoreUnavailable`, and says in
/// the log, once each time it begins and once when it ends, that the database server's disk is full.
///
/// No reserve file is kept: the disk is the database server's, beyond this process's reach. PostgreSQL refuses
/// the write that finds it full (53100 `disk_full`), rolls its transaction back and goes on serving reads.
final class PostgresResourceWatch: Sendable {
    /// The database, for the log (its URL without the password).
    let location: String
    private let logger: Logger
    private let diskFull = Mutex(false)

    init(location: String, logger: Logger) {
        self.location = location
        self.logger = logger
    }

    /// The `StoreUnavailable` an error of PostgreSQL's stands for, if it is one of class 53.
    func unavailable(_ error: PSQLError) -> StoreUnavailable? {
        guard let state = error.serverInfo?[.sqlState], state.hasPrefix("53") else { return nil }
        guard state == "53100" else { return StoreUnavailable(.insufficientResources) }
        if !diskFull.withLock({ full in
            defer { full = true }
            return full
        }) {
            logger.critical(
                """
                Disk full: the database server of the central store (\(location)) has no room for a write \
                (SQLSTATE 53100). Writes are refused with 503 until there is room on its disk; reads go on.
                """
            )
        }
        return .diskFull
    }

    /// A push stored operations: if the disk was full, it has room again.
    func noteCommitted() {
        if diskFull.withLock({ full in
            defer { full = false }
            return full
        }) {
            logger.notice(
                "Disk space recovered: the database server of the central store (\(location)) takes writes again."
            )
        }
    }
}
