import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli sync`: push what is queued, pull what is new.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Send queued records to the central server and fetch everyone else's.",
        discussion: """
            When the server cannot be reached, nothing is lost: records stay queued on this device and the
            command exits with status 1. Run it again when there is a signal.
            """
    )

    @Option(help: ArgumentHelp("Seconds to wait for the server before giving up.", valueName: "seconds"))
    var timeout: Double = 30

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        guard timeout > 0, timeout <= 600 else {
            throw ArgumentParser.ValidationError("--timeout must be between 0 and 600 seconds.")
        }
    }

    func run() async throws {
        let replica = try LocalReplica.open(in: storage.directory)
        let identity = try replica.identity()
        let engine = SyncEngine(
            replica: replica,
            transport: URLSessionTransport(serverURL: identity.serverURL, requestTimeout: timeout)
        )
        let report = try await engine.sync()
        print("Pushed \(report.pushed) operation\(report.pushed == 1 ? "" : "s"); pulled \(report.pulled) new.")
        for rejection in report.rejected {
            print(
                "Refused by the server: \(rejection.opId.uuidString.lowercased()) (\(rejection.code)): \(rejection.message)"
            )
        }
        if !report.rejected.isEmpty {
            print("Refused operations are kept on this device; 'empower-cli status' lists them.")
        }
    }
}

/// `empower-cli status`: what waits on this device.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show this device's queue, the server it syncs with, and when it last synced."
    )

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let replica = try LocalReplica.open(in: storage.directory)
        let status = try replica.status()
        let identity = status.identity
        print("Device     \(identity.deviceId)")
        print(
            "User       \(identity.userId) (\(identity.role.rawValue))" + (identity.venueId.map { " at \($0)" } ?? "")
        )
        print("Server     \(identity.serverURL.absoluteString)")
        print("Pending    \(status.pending) operation\(status.pending == 1 ? "" : "s") waiting to be sent")
        print("Refused    \(status.parked)")
        print("Records    \(status.records)")
        print("Last sync  \(status.lastSyncAt.map(LogFormatting.localTime) ?? "never")")
        for parked in try replica.parkedOperations() {
            print("  refused \(parked.opId.uuidString.lowercased()) (\(parked.code)): \(parked.message)")
        }
    }
}
