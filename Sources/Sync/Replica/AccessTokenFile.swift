import Foundation

/// The device's access token, kept in a file beside its database that only its user can read (mode 0600),
/// never in the database and never printed; in a device's data directory it is sealed with the device's data key
/// (`save(_:in:key:)`), so a lost device does not give it away.
public enum AccessTokenFile {
    /// The file's name inside the device's data directory.
    public static let fileName = "access-token"

    /// What a sealed token file starts with; the sealed bytes follow as they are (no encoding that could hide a
    /// token left in clear from a search of the file's bytes).
    static let sealedPrefix = Data("empower-sealed-v1\n".utf8)

    /// Writes the token sealed with the device's data key, as `save(_:in:name:)` writes it.
    public static func save(_ token: String, in directory: URL, key: DataKey) throws {
        let sealed = try ContentCipher(key).seal(token, as: .accessToken, of: .none)
        try writeFile(sealedPrefix + sealed, in: directory, name: fileName)
    }

    /// The token sealed by `save(_:in:key:)`, or nil when the device has none (not enrolled through the server).
    /// - Throws: `ReplicaError.notEncrypted` when the file holds a token in clear (a device made before
    ///   encryption: `sealIfClear` seals it), `ReplicaError.damagedContent` when it does not open with `key`.
    public static func load(from directory: URL, key: DataKey) throws -> String? {
        guard let stored = FileManager.default.contents(atPath: directory.appendingPathComponent(fileName).path),
            !stored.isEmpty
        else { return nil }
        guard stored.starts(with: sealedPrefix) else { throw ReplicaError.notEncrypted(path: directory.path) }
        return try ContentCipher(key).openText(
            Data(stored.dropFirst(sealedPrefix.count)),
            as: .accessToken,
            of: .none
        )
    }

    /// Seals a token kept in clear by a device made before encryption; does nothing to a sealed one or none.
    public static func sealIfClear(in directory: URL, key: DataKey) throws {
        guard let stored = FileManager.default.contents(atPath: directory.appendingPathComponent(fileName).path),
            !stored.starts(with: sealedPrefix), let token = load(from: directory)
        else { return }
        try save(token, in: directory, key: key)
    }

    /// Writes the token, readable and writable by this user only (created with that mode, so it is never
    /// readable by others even for a moment).
    public static func save(_ token: String, in directory: URL, name: String = fileName) throws {
        try writeFile(Data(token.utf8), in: directory, name: name)
    }

    /// Writes the file's bytes, created with mode 0600, synced, then renamed into place.
    private static func writeFile(_ bytes: Data, in directory: URL, name: String) throws {
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
