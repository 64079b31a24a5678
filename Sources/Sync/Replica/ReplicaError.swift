import Foundation
import Models

/// Why the local replica refused or failed an action; each says what to do next.
public enum ReplicaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// No device database at the path: `device init` has not been run there.
    case notInitialised(path: String)
    /// `device init` found a device database already there.
    case alreadyInitialised(path: String)
    /// The data directory cannot be read or written.
    case unusableDirectory(path: String, reason: String)
    /// The record or operation breaks a rule.
    case invalid(ValidationError)
    /// The record an amendment or note refers to is not on this device.
    case unknownRecord(UUID)
    /// The user may not do this from this device.
    case notAllowed(String)
    /// The device's content is encrypted and its key was not given: the device is locked.
    case locked
    /// The key given is not the device's data key.
    case wrongKey
    /// The device was set up before content was encrypted, and its content has not been encrypted yet.
    case notEncrypted(path: String)
    /// A stored value failed its integrity check: changed outside Empower, or damaged.
    case damagedContent

    public var description: String {
        switch self {
        case .notInitialised(let path):
            "No device is set up in \(path). Run 'empower-cli device init' first (or pass --data)."
        case .alreadyInitialised(let path):
            "A device is already set up in \(path); it was left unchanged."
        case .unusableDirectory(let path, let reason):
            "The data directory \(path) cannot be used: \(reason)."
        case .invalid(let error):
            error.message
        case .unknownRecord(let id):
            "No record \(id.text.lowercased()) is on this device. Sync first, or check the id."
        case .notAllowed(let reason):
            reason
        case .locked:
            "The device is locked: run `empower-cli device unlock`."
        case .wrongKey:
            "The key given does not open this device's content."
        case .notEncrypted(let path):
            "The device in \(path) was set up before its content was encrypted: run `empower-cli device unlock` "
                + "to choose a secret; its content is then encrypted in place."
        case .damagedContent:
            "Stored content failed its integrity check: the device's database was changed outside Empower or is "
                + "damaged."
        }
    }
}
