import Foundation

/// A data directory only its owner can enter (0700) holding files only its owner can read (0600), whatever the
/// process umask: the device's and the server's data directories hold personal data and tokens.
///
/// SQLite creates a database's `-wal` and `-shm` files with the database file's own mode, so a database file
/// created here with 0600 before SQLite opens it keeps all three private.
public enum PrivateDataDirectory {
    /// The mode of a data directory: the owner only.
    public static let directoryMode: mode_t = 0o700
    /// The mode of every file in it: the owner only, never executable.
    public static let fileMode: mode_t = 0o600

    /// Why a data directory could not be made private, for a message to a person.
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Creates `directory` with mode 0700 (missing parents are created with the umask's modes, as `mkdir -p`
    /// would), or narrows an existing one to 0700.
    ///
    /// - Throws: `Failure` when the directory cannot be created or its mode cannot be set.
    public static func prepare(_ directory: URL) throws {
        let path = directory.path
        let parent = directory.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: parent.path) {
            do {
                try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            } catch {
                throw Failure(path: parent.path, reason: "it cannot be created")
            }
        }
        if mkdir(path, directoryMode) != 0, errno != EEXIST {
            throw Failure(path: path, reason: "it cannot be created (\(String(cString: strerror(errno))))")
        }
        // mkdir's mode passes through the umask, and an existing directory keeps its own: set it exactly.
        try setMode(directoryMode, of: path)
    }

    /// Makes sure the SQLite database file `file` exists with mode 0600 before SQLite opens it, and narrows an
    /// existing database file and its `-wal`, `-shm` and `-journal` files to 0600.
    ///
    /// - Throws: `Failure` when the file cannot be created or its mode cannot be set.
    public static func prepareDatabaseFile(_ file: URL) throws {
        let path = file.path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            throw Failure(path: path, reason: "it cannot be created (\(String(cString: strerror(errno))))")
        }
        let changed = fchmod(descriptor, fileMode)
        close(descriptor)
        guard changed == 0 else { throw Failure(path: path, reason: "its mode cannot be set to 0600") }
        for suffix in ["-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try setMode(fileMode, of: path + suffix)
        }
    }

    /// Makes the directory's entries (created, renamed or removed) durable: `fsync` on the directory itself.
    public static func syncEntries(of directory: URL) {
        let descriptor = open(directory.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func setMode(_ mode: mode_t, of path: String) throws {
        guard chmod(path, mode) == 0 else {
            throw Failure(path: path, reason: "its mode cannot be set to 0\(String(mode, radix: 8))")
        }
    }
}
