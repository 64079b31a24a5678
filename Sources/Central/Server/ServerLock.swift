import Foundation

/// The lock a running server holds on its data directory (`serve.lock`, an `flock`), so that a second server
/// and `admin restore` can tell the directory is in use. The kernel releases it when the process ends, however
/// it ends.
public final class ServerLock: Sendable {
    /// The lock file's name inside the data directory.
    public static let fileName = "serve.lock"

    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the lock on `directory`, or returns nil when a running server holds it.
    /// - Throws: `CocoaError` when the lock file cannot be opened.
    public static func take(in directory: URL) throws -> ServerLock? {
        let path = directory.appendingPathComponent(fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return ServerLock(descriptor: descriptor)
    }
}
