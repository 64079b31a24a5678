import ArgumentParser
import Central
import Foundation
import Models
import Sync

/// `empower-cli device …`: setting up this device.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Set up, unlock, lock and repair this device, and approve a new one of yours.",
        discussion: """
            Everything recorded on this device is encrypted with a key that only the officer's unlock secret opens. \
            Unlock once per shift ('device unlock', 12 hours unless --for says otherwise); 'device lock' ends it. \
            When a command says the device's database is damaged, 'device repair' keeps what the server has not \
            yet received; the next 'sync' brings back the rest.
            """,
        subcommands: [
            DeviceInitCommand.self, DeviceUnlockCommand.self, DeviceLockCommand.self, DeviceRepairCommand.self,
            DeviceApproveCommand.self, DeviceEnrolmentsCommand.self,
        ]
    )
}

/// `empower-cli device init`: enrols this device with the central server and makes its local store.
struct DeviceInitCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Enrol this device with the enrolment token an administrator gave you.",
        discussion: """
            Exchanges the one-time enrolment token for this device's access token (kept in a file only you can \
            read, never shown again) and creates the device's local store for the user, role and venue the \
            server has on record. Needs the server once; everything after works offline until 'sync'. \
            Asks (twice) for the secret that unlocks the device, encrypts the store with a key only that secret \
            opens, and leaves the device unlocked for --for (12 hours).

            Example: empower-cli device init --server http://127.0.0.1:8080 --token emp_…

            Example: empower-cli device init --server https://empower.example.org --ca our-ca.pem --token emp_…
            """
    )

    @Option(help: ArgumentHelp("The central server's URL.", valueName: "url"))
    var server: String

    @Option(
        help: ArgumentHelp("The one-time enrolment token from 'empower-cli admin device enrol'.", valueName: "token")
    )
    var token: String

    @Option(
        help: ArgumentHelp(
            "A PEM file of the CA that signs the server's TLS certificate, when it is a private one: kept with the device, so every later sync, search and export trusts it (and only it).",
            valueName: "file"
        )
    )
    var ca: String?

    @Flag(help: "Enrol with a plain http:// server beyond this machine (tokens cross the network unencrypted).")
    var allowPlainHttp = false

    @OptionGroup var secret: UnlockSecretOptions

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp("How long the device stays unlocked: 30m, 12h, 1d (at most 7d).", valueName: "duration")
    )
    var duration: UnlockDuration = .standard

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        if ca != nil, URL(string: server)?.scheme != "https" {
            throw ArgumentParser.ValidationError("--ca is for an https server URL.")
        }
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ArgumentParser.ValidationError(
                "The server URL must be an http or https URL such as http://127.0.0.1:8080."
            )
        }
        if url.scheme == "http", let host = url.host, !CentralConfiguration.isLoopback(host), !allowPlainHttp {
            throw ArgumentParser.ValidationError(
                "Refusing to enrol with a plain http:// server beyond this machine: the device's token and records "
                    + "would cross the network unencrypted. Use its https:// URL (with --ca FILE for a private CA), "
                    + "or --allow-plain-http on a network you trust."
            )
        }
        guard !token.isEmpty, token.utf8.count <= 200, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ArgumentParser.ValidationError("The enrolment token is not in the form the server gives (emp_…).")
        }
    }

    func run() async throws {
        let serverURL = URL(string: server)!
        let trust: ServerTrust?
        do { trust = try ca.map { try ServerTrust(file: $0) } } catch { throw CLIError("\(error)") }
        // Refuse an occupied directory, a short secret or a machine without a keyring before the one-time token
        // is spent.
        try LocalReplica.checkCanCreate(in: storage.directory)
        // A remote wipe of a lost device erases everything in its data directory: it holds the device's files only
        // (damaged files a repair moved aside, and the access token of the device that was there, may stay).
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: storage.directory.path),
            entries.contains(where: { !$0.hasPrefix(ReplicaRepair.damagedPrefix) && $0 != AccessTokenFile.fileName })
        {
            throw CLIError(
                "\(storage.directory.path) holds other files; give the device a new or empty directory (--data), "
                    + "since a remote wipe of a lost device erases everything in it."
            )
        }
        _ = try KernelKeyring.unlocked(for: storage.directory)
        let key = DataKey.random()
        let wrappedKey = try WrappedDataKey.wrap(key, secret: try secret.newSecret())
        let enrolment: Enrolment
        let transport = HTTPTransport(serverURL: serverURL, token: token, requestTimeout: 30, trust: trust)
        do {
            enrolment = try await transport.enrol()
        } catch SyncError.server(_, EnrolmentApprovalProtocol.pendingCode, let message, _) {
            // The server's message names the device and the command that approves it.
            throw CLIError("\(message) Nothing was set up here.")
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
        let replica = try LocalReplica.create(
            in: storage.directory,
            identity: identity,
            key: key,
            wrappedKey: wrappedKey
        )
        try replica.noteServerTakesGzip(transport.serverTakesGzip)
        try AccessTokenFile.save(enrolment.token, in: storage.directory, key: key)
        try trust?.save(in: storage.directory)
        let until = try KernelKeyring.store(key, for: storage.directory, lasting: duration.seconds)
        print("Device \(identity.deviceId) is enrolled for \(identity.userId) (\(identity.role.rawValue)).")
        print("Unlocked until \(RecordText.localTime(until)); 'empower-cli device lock' locks it now.")
        print("Data: \(storage.directory.path)")
        print("Server: \(identity.serverURL.absoluteString) — nothing is sent until 'empower-cli sync'.")
    }
}

/// `empower-cli device unlock`: opens the device's content for a while, with the officer's secret.
struct DeviceUnlockCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Unlock this device's records with your secret, for a shift (12 hours unless --for says).",
        discussion: """
            Recording, reading and syncing need the device unlocked; 'status' works while it is locked. The key \
            stays in the kernel keyring of your user (never on disk) until the time is up or 'device lock'. \
            A wrong secret changes nothing. A device set up before its content was encrypted is asked for a new \
            secret instead, and its content is encrypted in place.

            Example: empower-cli device unlock --for 10h
            """
    )

    @OptionGroup var secret: UnlockSecretOptions

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp("How long the device stays unlocked: 30m, 12h, 1d (at most 7d).", valueName: "duration")
    )
    var duration: UnlockDuration = .standard

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        // Unlocking an encrypted device writes nothing but the keyring (encrypting an older one in place writes).
        let replica = try storage.openLocked(readingOnly: true)
        _ = try KernelKeyring.unlocked(for: storage.directory)
        let key: DataKey
        if replica.isEncrypted {
            let wrappedKey = try replica.wrappedKey()
            key = try wrappedKey.unwrap(secret: try secret.existingSecret())
            _ = try LocalReplica.open(in: storage.directory, key: key)
        } else {
            print("This device was set up before its records were encrypted: they are encrypted with your new secret.")
            key = DataKey.random()
            let wrappedKey = try WrappedDataKey.wrap(key, secret: try secret.newSecret())
            _ = try replica.encryptContent(with: key, wrappedKey: wrappedKey)
            print("Every record on this device is encrypted now.")
        }
        // Also finishes an encryption cut short between the database and the token file.
        try AccessTokenFile.sealIfClear(in: storage.directory, key: key)
        let until = try KernelKeyring.store(key, for: storage.directory, lasting: duration.seconds)
        print("Unlocked until \(RecordText.localTime(until)); 'empower-cli device lock' locks it now.")
    }
}

/// `empower-cli device lock`: ends the unlock at once.
struct DeviceLockCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Lock this device now: its records cannot be read or written until 'device unlock'.",
        discussion: "Queued records stay queued; 'status' still works."
    )

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        _ = try storage.openLocked(readingOnly: true)
        _ = try KernelKeyring.unlocked(for: storage.directory)
        print(KernelKeyring.forget(for: storage.directory) ? "Locked." : "The device was already locked.")
    }
}
