import Foundation

/// A new file written once, for what a command hands to a person (`export --out`): never replaces a file, not even
/// one that appeared while the command ran, and never follows a symbolic link.
public enum ExclusiveFile {
    /// Why the file was not written.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether something is at `path` already: a file, a directory or a symbolic link, even one that leads nowhere.
    public static func isTaken(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Creates `path` with mode 0600 (`O_CREAT | O_EXCL | O_NOFOLLOW`: a file or link already there, even a
    /// dangling link, is refused) and writes `contents`; a file that could not be written whole is removed.
    public static func create(_ path: String, contents: Data) throws(Refusal) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = errno
            if reason == EEXIST || reason == ELOOP {
                throw Refusal(description: "\(path) exists already; choose a new file name.")
            }
            throw Refusal(description: "\(path) could not be created: \(String(cString: strerror(reason))).")
        }
        var written = 0
        let complete = contents.withUnsafeBytes { bytes -> Bool in
            while written < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                written += count
            }
            return true
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard complete, synced else {
            unlink(path)
            throw Refusal(description: "\(path) could not be written whole; nothing was left behind.")
        }
    }
}
