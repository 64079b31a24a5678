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
        }
    }
}
