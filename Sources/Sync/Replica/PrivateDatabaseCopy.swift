import Foundation
import SQLiteSupport

/// A copy of a device database and its write-ahead log in a new temporary directory only this user can enter
/// (0700, files 0600), for reading a database that cannot or must not be written where it is: in a read-only data
/// directory, or a damaged file that a repair salvages from.
///
/// The `-wal` file is copied with the database, so commits not yet checkpointed are read too; the `-shm` file is
/// not (it is an index of the `-wal` file, which SQLite rebuilds). Content stays as sealed as in the original.
/// `remove()` deletes the copy; a process killed before that leaves it in the temporary directory, as private as
/// the data directory.
struct PrivateDatabaseCopy: Sendable {
    /// The copy of the database file.
    let file: URL

    /// Copies `original` and its `-wal` file, if any.
    /// - Throws: when they cannot be read or the copy cannot be written.
    init(of original: URL) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "empower-device-copy-\(UUID().uuidString.lowercased())"
        )
        try PrivateDataDirectory.prepare(directory)
        file = directory.appendingPathComponent(original.lastPathComponent)
        do {
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: original.path + suffix) {
                try Self.copy(original.path + suffix, to: file.path + suffix)
            }
        } catch {
            remove()
            throw error
        }
    }

    /// Deletes the copy and its directory.
    func remove() {
        try? FileManager.default.removeItem(at: file.deletingLastPathComponent())
    }

    /// Copies a file's bytes into a new file created with mode 0600.
    private static func copy(_ source: String, to destination: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw CocoaError(.fileReadNoPermission) }
        defer { try? input.close() }
        let descriptor = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, PrivateDataDirectory.fileMode)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission) }
        let output = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
            try output.write(contentsOf: chunk)
        }
    }
}
