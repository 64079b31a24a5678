import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli authorisation …`: section 34 dispersal authorisations.
struct AuthorisationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorisation",
        abstract: "Section 34 dispersal authorisations: supervisors record them; officers' devices receive them.",
        subcommands: [AuthorisationAddCommand.self, AuthorisationListCommand.self]
    )
}

/// A corner of a locality's area on the command line: `latitude,longitude`.
struct CornerArgument: ExpressibleByArgument {
    var coordinate: Coordinate

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let latitude = Double(parts[0]), let longitude = Double(parts[1]) else { return nil }
        coordinate = Coordinate(latitude: latitude, longitude: longitude)
    }
}

/// `empower-cli authorisation add`: a supervisor records a section 34 authorisation, synced to officers' devices.
struct AuthorisationAddCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record a section 34 dispersal authorisation (supervisors).",
        discussion: """
            The locality is any mix of venues, named streets and an area (three or more corners); it lasts at most \
            48 hours. It is stored on this device and sent at the next sync; officers' devices receive it, venue \
            staff never do.

            Example: empower-cli authorisation add --street "Mathew Street" --venue venue-mathew-st-04 \\
                --starts-at 2026-11-21T18:00:00Z --ends-at 2026-11-22T06:00:00Z --grounds "…"
            """
    )

    @Option(name: .customLong("venue"), help: ArgumentHelp("A venue in the locality (repeat).", valueName: "id"))
    var venues: [String] = []

    @Option(name: .customLong("street"), help: ArgumentHelp("A street in the locality (repeat).", valueName: "name"))
    var streets: [String] = []

    @Option(
        name: .customLong("corner"),
        help: ArgumentHelp(
            "A corner of the locality's area, latitude,longitude (repeat, 3 or more).",
            valueName: "lat,lon"
        )
    )
    var corners: [CornerArgument] = []

    @Option(help: ArgumentHelp("When it starts, ISO-8601 (default: now).", valueName: "time"))
    var startsAt: Timestamp?

    @Option(help: ArgumentHelp("When it ends, ISO-8601: at most 48 hours after the start.", valueName: "time"))
    var endsAt: Timestamp

    @Option(help: ArgumentHelp("The grounds for the authorisation. No names.", valueName: "text"))
    var grounds: String

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let new = try NewRecord(storage)
        let (identity, now) = (new.identity, new.now)
        let authorisation = DispersalAuthorisation(
            recordedAt: now,
            authorisedBy: identity.userId,
            startsAt: startsAt?.date ?? now,
            endsAt: endsAt.date,
            locality: DispersalLocality(venueIds: venues, streets: streets, polygon: corners.map(\.coordinate)),
            grounds: grounds
        )
        try new.save(.createAuthorisation(authorisation), id: authorisation.id, freeText: [grounds])
    }
}

/// `empower-cli authorisation list`: the section 34 authorisations on this device.
struct AuthorisationListCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the section 34 authorisations on this device, or those in force at a time."
    )

    @Option(help: ArgumentHelp("Only those in force at this time, ISO-8601.", valueName: "time"))
    var at: Timestamp?

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let replica = try storage.openUnlocked(readingOnly: true)
        let records = try replica.records(matching: RecordFilter(types: [.authorisation])).filter { state in
            guard let at else { return true }
            if case .authorisation(let authorisation) = state.current { return authorisation.isInForce(at: at.date) }
            return false
        }
        print(records.isEmpty ? "No section 34 authorisations." : RecordText.table(records))
    }
}
