import CKeyring
import Crypto
import Foundation

/// Holds an unlocked device's data key between commands, in the Linux kernel's keyring.
///
/// The key is a "user" key in the calling user's keyring (`@u`): only processes of the same user that possess
/// it can read it, it lives in kernel memory (never on disk, never in swap), and it has a kernel timeout, so the
/// kernel itself forgets it when the unlock period ends, whether or not any Empower process is running.
/// `forget` revokes it at once. Its description names the data directory (a hash of its path), so several
/// devices on one machine are unlocked independently.
///
/// The payload is the 32-byte key followed by the unlock's end (seconds since 1970, big-endian), so a reader
/// also refuses a key past its end even if the kernel's timer has not fired yet, and `status` can show it.
public enum KernelKeyring {
    /// An unlocked device's key and when its unlock ends.
    public struct Unlocked: Sendable {
        public var key: DataKey
        public var until: Date
    }

    /// The longest unlock: the kernel's timeout is a 32-bit count of seconds, and a shift is far shorter.
    public static let longestUnlock: TimeInterval = 7 * 24 * 3600

    /// The key's description in the keyring, for `directory`.
    public static func description(for directory: URL) -> String {
        let path = directory.standardizedFileURL.resolvingSymlinksInPath().path
        let digest = SHA256.hash(data: Data(path.utf8))
        return "empower-device:" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Keeps `key` for `directory` for `duration` seconds (replacing an earlier unlock).
    /// - Returns: when the unlock ends.
    /// - Throws: `KeyringError.unavailable` when the kernel refuses (no keyring support, or blocked by a sandbox).
    @discardableResult
    public static func store(
        _ key: DataKey,
        for directory: URL,
        lasting duration: TimeInterval,
        now: Date = Date()
    ) throws -> Date {
        let seconds = max(1, min(Int(duration.rounded(.up)), Int(longestUnlock)))
        let until = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Double(seconds)).rounded(.up))
        var payload = key.withUnsafeBytes { Array($0) }
        withUnsafeBytes(of: Int64(until.timeIntervalSince1970).bigEndian) { payload.append(contentsOf: $0) }
        defer { payload.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        let serial = payload.withUnsafeBytes { bytes in
            empower_keyring_add(description(for: directory), bytes.baseAddress, bytes.count, UInt32(seconds))
        }
        guard serial > 0 else { throw KeyringError.unavailable(errno: errno) }
        return until
    }

    /// The unlocked key for `directory`, or nil when it is locked (never unlocked, locked, or the unlock ended).
    /// - Throws: `KeyringError.unavailable` when the kernel refuses to search the keyring at all.
    public static func unlocked(for directory: URL, now: Date = Date()) throws -> Unlocked? {
        let serial = empower_keyring_find(description(for: directory))
        guard serial > 0 else {
            switch errno {
            case ENOKEY, EKEYEXPIRED, EKEYREVOKED, EACCES: return nil
            default: throw KeyringError.unavailable(errno: errno)
            }
        }
        let length = DataKey.byteCount + 8
        var payload = [UInt8](repeating: 0, count: length)
        defer { payload.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        let read = payload.withUnsafeMutableBytes { empower_keyring_read(serial, $0.baseAddress, length) }
        guard read == length, let key = DataKey(rawBytes: payload[..<DataKey.byteCount]) else { return nil }
        let seconds = payload[DataKey.byteCount...].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let until = Date(timeIntervalSince1970: Double(seconds))
        guard until > now else {
            _ = empower_keyring_forget(serial)
            return nil
        }
        return Unlocked(key: key, until: until)
    }

    /// Ends the unlock of `directory` at once: the key is revoked, so no process can read it any more.
    /// - Returns: whether it was unlocked.
    @discardableResult
    public static func forget(for directory: URL) -> Bool {
        let serial = empower_keyring_find(description(for: directory))
        guard serial > 0 else { return false }
        return empower_keyring_forget(serial) == 0
    }
}

/// The kernel keyring could not be used.
public enum KeyringError: Error, Sendable, Equatable, CustomStringConvertible {
    case unavailable(errno: Int32)

    public var description: String {
        switch self {
        case .unavailable(let code):
            "The kernel keyring, which holds the unlocked device's key, cannot be used here "
                + "(\(String(cString: strerror(code)))). It needs Linux with keyring support, not blocked by a "
                + "container's seccomp profile (add_key and keyctl must be allowed)."
        }
    }
}
