import Foundation
import SQLiteSupport

/// Erases a device's data directory when the server says an administrator ordered the device wiped (lost or
/// stolen), in an order that survives a crash or a power cut part way:
///
/// 1. `begin` writes a marker file (holding only the server's URL) and syncs it: from then on a command that
///    finds it finishes the wipe before doing anything else, with or without a signal.
/// 2. `eraseData` removes every entry of the directory but the marker, the access token and the server's CA file — the database
///    first, so that no command can open the replica any more — whatever its name (files added by later
///    versions, such as keys, go too), without following symbolic links out of the directory.
/// 3. The caller confirms to the server with the access token, which is why the token goes last.
/// 4. `finish` removes the token, the marker and the directory itself.
///
/// Files are unlinked, not overwritten first. On the flash storage of a phone or laptop an overwrite does not
/// reach the old blocks (the flash translation layer writes elsewhere and remaps), nor do journalling and
/// copy-on-write file systems promise it does, so it would cost time and wear for an assurance it cannot give.
/// What keeps the data of a device that is never switched on again, or was copied before, is encryption at
/// rest with the key in the data directory: unlinking the key is the erasure that counts (crypto-erase).
/// SQLite's `secure_delete` already zeroes content freed inside the database.
public enum DeviceDataWipe {
    /// The marker's name inside the data directory.
    public static let markerName = "wipe-in-progress"
    /// The device database's name, removed first (the same as `LocalReplica.fileName`).
    static let databaseName = LocalReplica.fileName

    /// Why part of the directory could not be erased; what was erased stays erased.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path) could not be removed (\(reason))" }
    }

    /// Whether a wipe was begun in `directory` and not finished.
    public static func isPending(in directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(markerName).path)
    }

    /// The server URL kept in the marker of an unfinished wipe.
    public static func pendingServerURL(in directory: URL) -> URL? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(markerName).path),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        return URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Writes the marker durably (step 1). Idempotent.
    /// - Throws: `Failure` when it cannot be written (the directory is then left as it was).
    public static func begin(in directory: URL, serverURL: URL) throws {
        let path = directory.appendingPathComponent(markerName).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array(serverURL.absoluteString.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0 else { throw Failure(path: path, reason: "it could not be written") }
        PrivateDataDirectory.syncEntries(of: directory)
    }

    /// Removes every entry of the directory but the marker and the access token (step 2), the database first.
    /// - Returns: how many files were removed (those inside removed subdirectories included).
    /// - Throws: `Failure` for the first entry that could not be removed, after trying every other one.
    @discardableResult
    public static func eraseData(in directory: URL) throws -> Int {
        // The CA file is public (no patrol data): it stays for the confirmation over TLS, and goes in `finish`.
        let kept: Set<String> = [markerName, AccessTokenFile.fileName, ServerTrust.fileName]
        let names = try entries(of: directory).filter { !kept.contains($0) }
        // The database first (its WAL and shared-memory files next), so no command opens the replica again.
        let ordered = names.sorted { lhs, rhs in
            let lhsFirst = lhs.hasPrefix(databaseName)
            let rhsFirst = rhs.hasPrefix(databaseName)
            return lhsFirst != rhsFirst ? lhsFirst : lhs < rhs
        }
        var removed = 0
        var firstFailure: Failure?
        for name in ordered {
            do {
                removed += try remove(directory.appendingPathComponent(name))
            } catch let failure as Failure {
                firstFailure = firstFailure ?? failure
            }
        }
        PrivateDataDirectory.syncEntries(of: directory)
        if let firstFailure { throw firstFailure }
        // Checked, not assumed: the wipe is confirmed to the server only when nothing but these two is left.
        if let left = try entries(of: directory).first(where: { !kept.contains($0) }) {
            throw Failure(path: directory.appendingPathComponent(left).path, reason: "it is still there")
        }
        return removed
    }

    /// Removes the access token, the marker and then the directory itself (step 4).
    /// - Returns: how many files went besides the marker (the token, and anything that appeared since step 2).
    /// - Throws: `Failure` when something is left (the marker stays while anything else does).
    @discardableResult
    public static func finish(in directory: URL) throws -> Int {
        let removed =
            try eraseData(in: directory) + remove(directory.appendingPathComponent(AccessTokenFile.fileName))
            + remove(directory.appendingPathComponent(ServerTrust.fileName))
        _ = try remove(directory.appendingPathComponent(markerName))
        // A data directory reached through a symbolic link: the link goes, and the emptied directory it named.
        var status = stat()
        if lstat(directory.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK {
            let target = directory.resolvingSymlinksInPath()
            guard unlink(directory.path) == 0, rmdir(target.path) == 0 || errno == ENOENT else {
                throw Failure(path: directory.path, reason: String(cString: strerror(errno)))
            }
            PrivateDataDirectory.syncEntries(of: target.deletingLastPathComponent())
        } else if rmdir(directory.path) != 0 && errno != ENOENT {
            throw Failure(path: directory.path, reason: String(cString: strerror(errno)))
        }
        PrivateDataDirectory.syncEntries(of: directory.deletingLastPathComponent())
        return removed
    }

    /// The names in a directory (none when it is gone).
    private static func entries(of directory: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            if !FileManager.default.fileExists(atPath: directory.path) { return [] }
            throw Failure(path: directory.path, reason: "it cannot be listed")
        }
    }

    /// Removes one entry: a file or a symbolic link (never what it points to) with `unlink`, a directory with
    /// everything in it. - Returns: how many files went.
    private static func remove(_ url: URL) throws -> Int {
        var status = stat()
        guard lstat(url.path, &status) == 0 else {
            if errno == ENOENT { return 0 }
            throw Failure(path: url.path, reason: String(cString: strerror(errno)))
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            var removed = 0
            for name in try entries(of: url) { removed += try remove(url.appendingPathComponent(name)) }
            guard rmdir(url.path) == 0 else { throw Failure(path: url.path, reason: String(cString: strerror(errno))) }
            return removed
        }
        guard unlink(url.path) == 0 || errno == ENOENT else {
            throw Failure(path: url.path, reason: String(cString: strerror(errno)))
        }
        return 1
    }
}
