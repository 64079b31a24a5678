import ArgumentParser
import Central
import Foundation
import Models

/// The store a backup or restore acts on: the server's data directory or its PostgreSQL database.
struct BackupTargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server's data directory (SQLite).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("The server's PostgreSQL database.", valueName: "url"))
    var database: String?

    func validate() throws {
        guard (data == nil) != (database == nil) else {
            throw ValidationError("Give one of --data DIR or --database URL.")
        }
        if let database {
            do { _ = try PostgresDatabaseURL(database) } catch { throw ValidationError("--database: \(error.message)") }
        }
    }
}

/// `empower-cli admin backup`: a consistent copy of the store, taken while the server serves.
struct AdminBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the server's store to a backup file while it serves.",
        discussion: """
            Acts on the server's files on its machine, not through the API. With --data the SQLite store is \
            copied as one consistent snapshot (VACUUM INTO: the server's writes go on meanwhile); with \
            --database, pg_dump writes its custom format (see docs/backup.md for continuous archiving). The \
            file is written beside --out and renamed into place once complete, with mode 0600: it holds every \
            record. Put it back with 'admin restore'.

            Example: empower-cli admin backup --data /var/lib/empower --out /backups/empower-2026-12-06.sqlite
            """
    )

    @OptionGroup var target: BackupTargetOptions

    @Option(help: ArgumentHelp("The backup file to write (must not exist).", valueName: "file"))
    var out: String

    func run() async throws {
        let file = URL(fileURLWithPath: out)
        if let data = target.data {
            let count: Int
            do {
                count = try SQLiteBackup.backUp(directory: URL(fileURLWithPath: data), to: file)
            } catch let error as SQLiteBackup.Failure {
                throw CLIError(error.description)
            }
            print("Backed up \(count) operation\(count == 1 ? "" : "s") to \(file.path).")
        } else {
            try PostgresBackup.dump(try PostgresDatabaseURL(target.database!), to: file)
            print("Backed up the database to \(file.path).")
        }
    }
}

/// `empower-cli admin restore`: a backup put back as the store, with the server stopped.
struct AdminRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup back as the server's store (stop the server first).",
        discussion: """
            Refuses while a server runs on the data directory, and refuses a file that is not an Empower store \
            or is damaged. The backup is brought to this version's schema and given a new history epoch beside \
            the store, and replaces it by a rename: the store is the old one or the restored one, never half of \
            either (the old file is kept as central.sqlite.before-restore). With --database, pg_restore runs in \
            one transaction; stop every server sharing the database first. \
            The restored server has forgotten what it acknowledged after the backup; the new epoch tells each \
            device at its next sync to offer again everything it holds and to pull from the start, so nothing \
            a device still holds is lost, and nothing is stored twice. The audit log records the restore; its \
            heads held elsewhere past the backup no longer match (docs/backup.md).

            Example: empower-cli admin restore --data /var/lib/empower --from /backups/empower-2026-12-06.sqlite
            """
    )

    @OptionGroup var target: BackupTargetOptions

    @Option(help: ArgumentHelp("The backup file to put back.", valueName: "file"))
    var from: String

    func run() async throws {
        let file = URL(fileURLWithPath: from)
        let epoch: String
        if let data = target.data {
            do {
                epoch = try await SQLiteBackup.restore(
                    from: file,
                    into: URL(fileURLWithPath: data),
                    by: .console(),
                    now: Date()
                )
            } catch let error as SQLiteBackup.Failure {
                throw CLIError(error.description)
            }
        } else {
            epoch = try await PostgresBackup.restore(from: file, into: try PostgresDatabaseURL(target.database!))
        }
        print(
            "Restored \(file.path). The store's history is now \(epoch): devices offer again what they hold at their "
                + "next sync."
        )
    }
}
