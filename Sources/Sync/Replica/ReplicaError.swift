import Foundation
import GRDB
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
    /// The device's database file is damaged: empty, cut short, corrupted, not a device database, or without the
    /// device's identity. `empower-cli device repair` keeps what it can (`ReplicaRepair`).
    case damaged(file: String, reason: String)
    /// The data directory cannot be written (a read-only file system, an immutable directory or file): the device's
    /// records can be read, but nothing can be recorded or synced.
    case readOnly(path: String)

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
        case .damaged(let file, let reason):
            "The device's database \(file) is damaged: \(reason). Run 'empower-cli device repair': it keeps what "
                + "this device has not yet sent to the server, moves the damaged file aside, and the next "
                + "'empower-cli sync' brings back everything else."
        case .readOnly(let path):
            "The data directory \(path) is read-only: the records on this device can be read ('list', 'show', "
                + "'status'), but nothing can be recorded, synced or repaired until it can be written again. "
                + "Nothing was changed."
        }
    }
}

extension ReplicaError {
    /// What an error of SQLite on the device's database `file` means for the person: the file is damaged
    /// (`SQLITE_CORRUPT`, `SQLITE_NOTADB`), its directory is read-only (`SQLITE_READONLY`), or, for any other
    /// error, it cannot be used.
    init(_ error: DatabaseError, file: String) {
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        switch error.resultCode.primaryResultCode {
        case .SQLITE_CORRUPT: self = .damaged(file: file, reason: "SQLite finds it malformed")
        case .SQLITE_NOTADB: self = .damaged(file: file, reason: "it is not an SQLite database")
        case .SQLITE_READONLY: self = .readOnly(path: directory)
        default:
            self = .unusableDirectory(
                path: directory,
                reason: "its database could not be opened (SQLite error \(error.resultCode.primaryResultCode.rawValue))"
            )
        }
    }

    /// `error` as the person at a device command should see it: an error of SQLite that says the device's database
    /// `file` is damaged or read-only becomes that `ReplicaError`; any other error is returned as it is.
    public static func explaining(_ error: any Error, file: String) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode.primaryResultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_READONLY: return ReplicaError(error, file: file)
        default: return error
        }
    }
}
