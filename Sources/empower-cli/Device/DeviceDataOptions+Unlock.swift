import Foundation
import Sync

extension DeviceDataOptions {
    /// Opens the device with its unlocked key from the kernel keyring, for commands that read or write content.
    /// - Parameter readingOnly: the command only reads: a read-only data directory is read from a private copy
    ///   (`LocalReplica.open(in:key:readingOnly:)`) instead of being refused with `ReplicaError.readOnly`.
    /// - Throws: `ReplicaError.locked` ("run `empower-cli device unlock`") when it is locked or its unlock ended,
    ///   `ReplicaError.notEncrypted` for a device made before encryption, `KeyringError` without a keyring.
    func openUnlocked(readingOnly: Bool = false) throws -> LocalReplica {
        try openUnlockedWithKey(readingOnly: readingOnly).replica
    }

    /// `openUnlocked`, and the key, for what else the key opens (the access token).
    func openUnlockedWithKey(readingOnly: Bool = false) throws -> (replica: LocalReplica, key: DataKey) {
        let unlocked = try KernelKeyring.unlocked(for: directory)
        let replica: LocalReplica
        do {
            replica = try LocalReplica.open(in: directory, key: unlocked?.key, readingOnly: readingOnly)
        } catch ReplicaError.wrongKey {
            // A key left from an earlier device in the same directory: it opens nothing here.
            KernelKeyring.forget(for: directory)
            throw ReplicaError.locked
        }
        guard replica.isEncrypted else { throw ReplicaError.notEncrypted(path: directory.path) }
        guard let unlocked else { throw ReplicaError.locked }
        return (replica, unlocked.key)
    }

    /// Opens the device without its key, for what works while it is locked (`status`).
    func openLocked(readingOnly: Bool = false) throws -> LocalReplica {
        try LocalReplica.open(in: directory, key: nil, readingOnly: readingOnly)
    }

    /// The device's access token, opened with its unlocked key.
    func accessToken(key: DataKey) throws -> String? {
        try AccessTokenFile.load(from: directory, key: key)
    }
}
