import Foundation
import Sync

/// A command that works on this device's data directory.
protocol DeviceDataCommand {
    var storage: DeviceDataOptions { get }
}

extension DeviceDataCommand {
    /// `error` as the person at the terminal should see it: SQLite's word, wherever it comes from, that the device's
    /// database is damaged or read-only becomes that `ReplicaError`, naming the file and what to do.
    func explaining(_ error: any Error) -> any Error {
        ReplicaError.explaining(error, file: storage.directory.appendingPathComponent(LocalReplica.fileName).path)
    }
}
