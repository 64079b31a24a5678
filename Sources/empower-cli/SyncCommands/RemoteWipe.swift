import Foundation
import Models
import Sync

/// What a device command does when the server says an administrator ordered this device wiped (lost or
/// stolen): erase the data directory (`DeviceDataWipe`), tell the server with the device's token, and end
/// with an error that says what happened (exit status 1).
enum RemoteWipe {
    /// Erases the data directory, forgets its unlocked key and confirms the wipe with the device's token (read
    /// before the erasure: the file is sealed with the key); the returned error is what the command ends with.
    static func carryOut(in directory: URL, serverURL: URL, token: String?) async -> CLIError {
        let lead =
            "This device was reported lost or stolen: an administrator revoked it and ordered its data erased."
        do {
            try DeviceDataWipe.begin(in: directory, serverURL: serverURL)
            var erased = try DeviceDataWipe.eraseData(in: directory)
            _ = KernelKeyring.forget(for: directory)
            let confirmation = await confirm(token: token, serverURL: serverURL, directory: directory)
            erased += try DeviceDataWipe.finish(in: directory)
            let files = "\(erased) file\(erased == 1 ? "" : "s")"
            return CLIError(
                "\(lead) Its data directory \(directory.path) has been erased (\(files)); no patrol data is left "
                    + "on this device. \(confirmation)"
            )
        } catch {
            return CLIError(
                "\(lead) The erasure of \(directory.path) could not finish: \(error). "
                    + "Run 'empower-cli sync' again to finish it, or remove the directory by hand."
            )
        }
    }

    /// Finishes a wipe that a crash or power cut interrupted; does nothing when none is pending.
    /// - Throws: the `CLIError` the command ends with when a wipe was pending.
    static func finishInterrupted(in directory: URL) async throws {
        guard DeviceDataWipe.isPending(in: directory) else { return }
        guard let serverURL = DeviceDataWipe.pendingServerURL(in: directory) else {
            // Without the server's URL nothing can be confirmed; the erasure still completes.
            let outcome: String
            do {
                try DeviceDataWipe.finish(in: directory)
                outcome = "was finished; the server was not told"
            } catch {
                outcome = "could not finish: \(error)"
            }
            throw CLIError("An interrupted wipe of \(directory.path) \(outcome).")
        }
        // The token is sealed: readable only while the key that sealed it is still unlocked.
        let token = (try? KernelKeyring.unlocked(for: directory)).flatMap { $0 }.flatMap {
            try? AccessTokenFile.load(from: directory, key: $0.key)
        }
        throw await carryOut(in: directory, serverURL: serverURL, token: token)
    }

    /// Sends the confirmation; a sentence for the person, whatever the answer.
    private static func confirm(token: String?, serverURL: URL, directory: URL) async -> String {
        guard let token else {
            return "The server could not be told (no access token was left); its audit log shows the order delivered."
        }
        let reason: String
        do throws(SyncError) {
            _ = try await HTTPTransport(
                serverURL: serverURL,
                token: token,
                requestTimeout: 15,
                trust: try? ServerTrust.stored(in: directory)
            ).confirmWipe()
            return "The server has recorded the wipe."
        } catch {
            switch error {
            case .unreachable: reason = "it could not be reached"
            case .server(let status, let code, _, _): reason = "it answered HTTP \(status), \(code)"
            case .badResponse: reason = "its answer could not be understood"
            }
        }
        return "The server could not be told (\(reason)); its audit log shows the order delivered."
    }
}

/// The server's answer to a request of `empower-cli search` or `export` when this device was ordered wiped.
struct WipeOrderedError: Error, CustomStringConvertible {
    var description: String {
        "The server says the device of this token was reported lost or stolen and ordered wiped."
    }
}
