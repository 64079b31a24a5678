import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli intervention …`.
struct InterventionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intervention",
        abstract: "Record interventions: what was done and how it ended.",
        subcommands: [InterventionAddCommand.self]
    )
}

/// `empower-cli intervention add`: records one intervention, optionally following a sighting.
struct InterventionAddCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record an intervention.",
        discussion: """
            Example: empower-cli intervention add --follows 3f2a… --action stop-and-account \\
                --outcome advice-given --venue venue-concert-sq-01
            """
    )

    @Option(help: ArgumentHelp("The id of the sighting this intervention follows.", valueName: "id"))
    var follows: RecordID?

    @OptionGroup var place: PlaceOptions

    @Option(name: .customLong("action"), help: "What was done (repeat for several).")
    var actions: [InterventionAction] = []

    @Option(help: "How it ended.")
    var outcome: Outcome

    @Option(help: ArgumentHelp("Notes, briefly. No names or phone numbers.", valueName: "text"))
    var notes: String = ""

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let replica = try storage.openUnlocked()
        let identity = try replica.identity()
        // Told by the server-anchored clock, not the wall clock, which may be wrong by hours.
        let time = DeviceClock.now()
        let now = try replica.estimatedTime(at: time).truncatedToMilliseconds
        let intervention = Intervention(
            sightingId: follows?.uuid,
            occurredAt: place.occurredAt?.date ?? now,
            recordedAt: now,
            by: identity.userId,
            location: place.location(defaultVenue: identity.venueId),
            actions: actions,
            outcome: outcome,
            notes: notes
        )
        try replica.append(.createIntervention(intervention), recordId: intervention.id, now: time)
        MinimisationWarnings.print(for: [notes])
        print(intervention.id.uuidString.lowercased())
    }
}
