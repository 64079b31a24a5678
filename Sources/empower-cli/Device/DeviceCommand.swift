import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli device …`: setting up this device.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Set up this device.",
        subcommands: [DeviceInitCommand.self]
    )
}

/// `empower-cli device init`: makes the device's local store and remembers who uses it and where it syncs.
struct DeviceInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Set up this device for one user.",
        discussion: """
            Creates the device's local store. Nothing is sent anywhere until 'sync'.
            Example: empower-cli device init --server http://127.0.0.1:8080 --user PC-4127 --role officer
            """
    )

    @Option(help: ArgumentHelp("The central server's URL.", valueName: "url"))
    var server: String

    @Option(help: ArgumentHelp("Your user id: collar number or SIA licence number, such as PC-4127.", valueName: "id"))
    var user: String

    @Option(help: "Your role: officer, venue-staff or supervisor.")
    var role: Role

    @Option(help: ArgumentHelp("Your venue's id (venue staff only).", valueName: "id"))
    var venue: String?

    @Option(help: ArgumentHelp("This device's id; one is made up if not given.", valueName: "id"))
    var deviceId: String?

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ArgumentParser.ValidationError(
                "The server URL must be an http or https URL such as http://127.0.0.1:8080."
            )
        }
    }

    func run() async throws {
        let identity = DeviceIdentity(
            deviceId: deviceId ?? "dev-" + UUID().uuidString.lowercased().prefix(12).filter { $0 != "-" },
            userId: user,
            role: role,
            venueId: venue,
            serverURL: URL(string: server)!
        )
        _ = try LocalReplica.create(in: storage.directory, identity: identity)
        print("Device \(identity.deviceId) is set up for \(identity.userId) (\(identity.role.rawValue)).")
        print("Data: \(storage.directory.path)")
        print("Server: \(identity.serverURL.absoluteString) — nothing is sent until 'empower-cli sync'.")
    }
}
