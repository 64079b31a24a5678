import Foundation
import Sync

extension DeviceDataOptions {
    /// Runs `body` with a client for the server this device syncs with, with its access token; when the server
    /// says this device was ordered wiped, erases its data directory instead (`RemoteWipe`).
    func withClient<Result>(_ body: (APIClient) async throws -> Result) async throws -> Result {
        try await RemoteWipe.finishInterrupted(in: directory)
        // The replica is closed before any wipe touches its files.
        let (identity, storedToken) = try {
            let (replica, key) = try openUnlockedWithKey(readingOnly: true)
            return (try replica.identity(), try accessToken(key: key))
        }()
        guard let token = storedToken else {
            throw CLIError("This device has no access token: enrol it with 'empower-cli device init --token'.")
        }
        do {
            let client = APIClient(serverURL: identity.serverURL, token: token, trust: try storedTrust())
            return try await body(client)
        } catch is WipeOrderedError {
            throw await RemoteWipe.carryOut(in: directory, serverURL: identity.serverURL, token: token)
        }
    }

    /// The CAs this device was enrolled to trust (`device init --ca`), if any.
    func storedTrust() throws -> ServerTrust? {
        do {
            return try ServerTrust.stored(in: directory)
        } catch {
            throw CLIError(error.description)
        }
    }
}
