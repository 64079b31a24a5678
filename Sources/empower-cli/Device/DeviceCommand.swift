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

/// `empower-cli device init`: enrols this device with the central server and makes its local store.
struct DeviceInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Enrol this device with the enrolment token an administrator gave you.",
        discussion: """
            Exchanges the one-time enrolment token for this device's access token (kept in a file only you can
            read, never shown again) and creates the device's local store for the user, role and venue the
            server has on record. Needs the server once; everything after works offline until 'sync'.
            Example: empower-cli device init --server http://127.0.0.1:8080 --token emp_…
            """
    )

    @Option(help: ArgumentHelp("The central server's URL.", valueName: "url"))
    var server: String

    @Option(
        help: ArgumentHelp("The one-time enrolment token from 'empower-cli admin device enrol'.", valueName: "token")
    )
    var token: String

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ArgumentParser.ValidationError(
                "The server URL must be an http or https URL such as http://127.0.0.1:8080."
            )
        }
        guard !token.isEmpty, token.utf8.count <= 200, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ArgumentParser.ValidationError("The enrolment token is not in the form the server gives (emp_…).")
        }
    }

    func run() async throws {
        let serverURL = URL(string: server)!
        // Refuse an occupied directory before the one-time token is spent.
        try LocalReplica.checkCanCreate(in: storage.directory)
        // A remote wipe of a lost device erases everything in its data directory: it holds the device's files only.
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: storage.directory.path), !entries.isEmpty
        {
            throw CLIError(
                "\(storage.directory.path) holds other files; give the device a new or empty directory (--data), "
                    + "since a remote wipe of a lost device erases everything in it."
            )
        }
        let enrolment: Enrolment
        do {
            enrolment = try await HTTPTransport(serverURL: serverURL, token: token, requestTimeout: 30).enrol()
        } catch let error where error.isUnauthorised {
            throw CLIError(
                "The server did not accept the enrolment token: it may be mistyped, used already or expired. "
                    + "Ask an administrator for a new one."
            )
        } catch {
            throw CLIError("Enrolment failed: \(error.description)")
        }
        let identity = DeviceIdentity(
            deviceId: enrolment.deviceId,
            userId: enrolment.userId,
            role: enrolment.role,
            venueId: enrolment.venueIds.first,
            serverURL: serverURL
        )
        _ = try LocalReplica.create(in: storage.directory, identity: identity)
        try AccessTokenFile.save(enrolment.token, in: storage.directory)
        print("Device \(identity.deviceId) is enrolled for \(identity.userId) (\(identity.role.rawValue)).")
        print("Data: \(storage.directory.path)")
        print("Server: \(identity.serverURL.absoluteString) — nothing is sent until 'empower-cli sync'.")
    }
}
