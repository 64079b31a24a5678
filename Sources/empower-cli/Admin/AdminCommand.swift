import ArgumentParser
import Central
import Foundation
import Models
import Sync

/// `empower-cli admin …`: accounts, devices, venues and the audit log.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage venues, users, devices and tokens, and read and verify the audit log.",
        discussion: """
            Works on the server's data directory or database (--data DIR or --database URL: the first \
            administrator's bootstrap, or the server's console) or through the API (--server URL --token-file FILE with an administrator's \
            token). Every change is written to the audit log.
            """,
        subcommands: [
            AdminVenueCommand.self, AdminUserCommand.self, AdminDeviceCommand.self, AdminTokenCommand.self,
            AdminAuditCommand.self, AdminStreetSafeCommand.self, AdminBackupCommand.self, AdminRestoreCommand.self,
        ]
    )
}

/// Where an admin command acts.
struct AdminTargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server's data directory, to act on it directly.", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("The server's PostgreSQL database, to act on it directly.", valueName: "url"))
    var database: String?

    @Option(help: ArgumentHelp("The server's URL, to act through the API.", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("A file holding an administrator's access token (with --server).", valueName: "file"))
    var tokenFile: String?

    @Option(
        help: ArgumentHelp(
            "A PEM file of the CA that signs the server's TLS certificate, when it is a private one (with --server).",
            valueName: "file"
        )
    )
    var ca: String?

    func validate() throws {
        guard [data, database, server].compactMap({ $0 }).count == 1 else {
            throw ValidationError(
                "Give one of --data DIR or --database URL (on the server), or --server URL with --token-file FILE."
            )
        }
        if let server {
            guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("The server URL must be an http or https URL such as http://127.0.0.1:8080.")
            }
            guard tokenFile != nil else { throw ValidationError("--server needs --token-file FILE.") }
        } else {
            guard tokenFile == nil, ca == nil else {
                throw ValidationError("--token-file and --ca go with --server, not --data or --database.")
            }
        }
        if let database {
            do { _ = try PostgresDatabaseURL(database) } catch { throw ValidationError("--database: \(error.message)") }
        }
    }

    func backend() throws -> any AdminBackend {
        if let data { return try LocalAdminBackend(directory: URL(fileURLWithPath: data)) }
        if let database { return LocalAdminBackend(database: try PostgresDatabaseURL(database)) }
        let file = URL(fileURLWithPath: tokenFile!)
        guard let token = AccessTokenFile.load(from: file.deletingLastPathComponent(), name: file.lastPathComponent)
        else { throw CLIError("The token file \(file.path) cannot be read or is empty.") }
        let trust: ServerTrust?
        do { trust = try ca.map { try ServerTrust(file: $0) } } catch { throw CLIError("\(error)") }
        return RemoteAdminBackend(client: APIClient(serverURL: URL(string: server!)!, token: token, trust: trust))
    }
}

/// Runs an admin action, turning the store's refusals into plain messages.
func administer<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as AccountError {
        throw CLIError(error.message)
    }
}

struct AdminVenueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "venue",
        abstract: "Add and list licensed venues.",
        subcommands: [Add.self, List.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a venue or update the one with the same id.",
            discussion:
                "Example: empower-cli admin venue add --data /var/lib/empower --id venue-bold-st-09 --name \"The Lantern Rooms\" --licence TEST-LCC-PL-0099 --area \"Liverpool city centre\" --address \"12 Bold Street, Liverpool\" --latitude 53.4029 --longitude -2.9806"
        )
        @OptionGroup var target: AdminTargetOptions
        @Option(help: "The venue's id, such as venue-bold-st-09.") var id: String
        @Option(help: "The venue's name.") var name: String
        @Option(help: "The premises licence number.") var licence: String
        @Option(help: "The area, such as \"Liverpool city centre\".") var area: String
        @Option(help: "The street address.") var address: String
        @Option(help: "Latitude in degrees.") var latitude: Double
        @Option(help: "Longitude in degrees.") var longitude: Double

        func run() async throws {
            let venue = Venue(
                id: id,
                name: name,
                licenceNumber: licence,
                area: area,
                address: address,
                latitude: latitude,
                longitude: longitude
            )
            do throws(Models.ValidationError) { try venue.validate() } catch { throw CLIError(error.message) }
            let backend = try target.backend()
            try await administer { try await backend.saveVenue(venue) }
            print("Venue \(venue.id) saved.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List venues.")
        @OptionGroup var target: AdminTargetOptions

        func run() async throws {
            let backend = try target.backend()
            for venue in try await administer({ try await backend.venues() }) {
                print("\(venue.id)  \(venue.name)  \(venue.licenceNumber)  \(venue.area)")
            }
        }
    }
}

struct AdminUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add and list users.",
        subcommands: [Add.self, List.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user: an officer, venue staff (with their venue), a supervisor or an administrator.",
            discussion:
                "Example: empower-cli admin user add --data /var/lib/empower --id SIA-1012-0001 --role venue-staff --venue venue-seel-st-03"
        )
        @OptionGroup var target: AdminTargetOptions
        @Option(help: "Collar number or SIA licence number, such as PC-4127.") var id: String
        @Option(help: "officer, venue-staff, supervisor or admin.") var role: Role
        @Option(help: "A venue of venue staff (repeat for several).") var venue: [String] = []

        func run() async throws {
            let user = UserAccount(id: id, role: role, venueIds: venue)
            do throws(Models.ValidationError) { try user.validate() } catch { throw CLIError(error.message) }
            let backend = try target.backend()
            try await administer { try await backend.addUser(NewUser(id: id, role: role, venueIds: venue)) }
            print("User \(id) added (\(role.rawValue)).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var target: AdminTargetOptions

        func run() async throws {
            let backend = try target.backend()
            for user in try await administer({ try await backend.users() }) {
                print(
                    "\(user.id)  \(user.role.rawValue)\(user.venueIds.isEmpty ? "" : "  " + user.venueIds.joined(separator: ","))"
                )
            }
        }
    }
}

struct AdminDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Enrol, revoke and list devices.",
        subcommands: [Enrol.self, Revoke.self, List.self]
    )

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol a device for a user and print its one-time enrolment token (valid 72 hours).",
            discussion: """
                The user runs 'empower-cli device init --server URL --token TOKEN' with it on the device. A user's \
                first device can be set up at once; a further device waits until the user approves it from a \
                device of theirs ('empower-cli device approve DEVICE'), or a supervisor does: administrators \
                manage accounts, not content, and cannot approve. The user's devices are told of every device \
                enrolled for them at their next sync.
                """
        )
        @OptionGroup var target: AdminTargetOptions
        @Option(help: "The user the device belongs to.") var user: String
        @Option(help: "The device's id, such as dev-pc4127-phone.") var device: String

        func run() async throws {
            let backend = try target.backend()
            let issued = try await administer { try await backend.enrol(deviceId: device, userId: user) }
            print(issued.token)
            if issued.waitsForApproval == true {
                // On standard error, so that the token stays the only thing on standard output.
                FileHandle.standardError.write(
                    Data(
                        ("\(user) has had a device before, so \(device) waits for approval: \(user) approves it "
                            + "from a device of theirs ('empower-cli device approve \(device)'), or a supervisor "
                            + "does. Until then the token is refused.\n").utf8
                    )
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cut a device off at once (a lost or stolen device): its tokens stop working.",
            discussion: """
                With --wipe the device is also ordered to erase its data: the next time it contacts the server \
                (sync, search, export) it deletes every file of its data directory and confirms with its own \
                token. 'admin device list' shows the wipe ordered, delivered and confirmed; the audit log \
                records each step. Without --wipe the device keeps its data (queued records stay queued).
                """
        )
        @OptionGroup var target: AdminTargetOptions
        @Option(help: "The device's id.") var device: String
        @Flag(help: "Also order the device to erase its data directory at its next contact with the server.")
        var wipe = false

        func run() async throws {
            let backend = try target.backend()
            guard wipe else {
                try await administer { try await backend.revoke(deviceId: device) }
                print("Device \(device) is revoked.")
                return
            }
            _ = try await administer { try await backend.orderWipe(deviceId: device) }
            print(
                "Device \(device) is revoked and ordered wiped: the next time it contacts the server it erases its "
                    + "data directory. 'admin device list' shows when it has."
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices.")
        @OptionGroup var target: AdminTargetOptions

        func run() async throws {
            let backend = try target.backend()
            for device in try await administer({ try await backend.devices() }) {
                var state = device.revokedAt.map { "revoked \(WireCoding.formatDate($0))" } ?? "active"
                if let approval = device.approval {
                    switch approval.state {
                    case .pending: state += "  waiting for approval"
                    case .approved:
                        state +=
                            "  approved \(WireCoding.formatDate(approval.approvedAt ?? device.enrolledAt)) by "
                            + "\(approval.approvedBy ?? "?") from \(approval.approvedByDevice ?? "?")"
                    }
                }
                if let wipe = device.wipe {
                    switch wipe.state {
                    case .ordered:
                        state += "  wipe ordered \(WireCoding.formatDate(wipe.orderedAt)) by \(wipe.orderedBy)"
                    case .delivered:
                        state +=
                            "  wipe delivered \(WireCoding.formatDate(wipe.deliveredAt ?? wipe.orderedAt)), "
                            + "not confirmed"
                    case .confirmed:
                        state += "  wiped \(WireCoding.formatDate(wipe.confirmedAt ?? wipe.orderedAt)) (confirmed)"
                    }
                }
                print("\(device.id)  \(device.userId)  \(state)")
            }
        }
    }
}

struct AdminTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Replace a device's access token.",
        subcommands: [Rotate.self]
    )

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new access token for a device; the old one stops working.",
            discussion:
                "With --out the token goes to a file only you can read (for an administrator's own token); otherwise it is printed once."
        )
        @OptionGroup var target: AdminTargetOptions
        @Option(help: "The device's id.") var device: String
        @Option(
            help: ArgumentHelp("Write the token to this file (mode 0600) instead of printing it.", valueName: "file")
        )
        var out: String?

        func run() async throws {
            let backend = try target.backend()
            let token = try await administer { try await backend.rotate(deviceId: device) }
            guard let out else {
                print(token)
                return
            }
            let file = URL(fileURLWithPath: out)
            try AccessTokenFile.save(token, in: file.deletingLastPathComponent(), name: file.lastPathComponent)
            print("A new token for \(device) is in \(file.path).")
        }
    }
}
