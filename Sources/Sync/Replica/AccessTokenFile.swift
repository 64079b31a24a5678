import Foundation

/// The device's access token, kept in a file beside its database that only its user can read (mode 0600),
/// never in the database and never printed.
public enum AccessTokenFile {
    /// The file's name inside the device's data directory.
    public static let fileName = "access-token"

    /// Writes the token, readable and writable by this user only (created with that mode, so it is never
    /// readable by others even for a moment).
    public static func save(_ token: String, in directory: URL, name: String = fileName) throws {
        let path = directory.appendingPathComponent(name).path
        let temporary = path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "the token file cannot be written")
        }
        // open's mode passes through the umask: set it exactly.
        guard fchmod(descriptor, 0o600) == 0 else {
            close(descriptor)
            unlink(temporary)
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "the token file cannot be written")
        }
        let bytes = Array(token.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ReplicaError.unusableDirectory(path: directory.path, reason: "the token file cannot be written")
        }
    }

    /// The token, or nil when the device has none (not enrolled through the server).
    public static func load(from directory: URL, name: String = fileName) -> String? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
            let token = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        else { return nil }
        return token
    }
}
