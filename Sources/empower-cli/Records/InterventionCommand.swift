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
            A dispersal direction (--action dispersal-direction) cites the section 34 authorisation in force at its \
            time and place: the one this device knows is cited by itself, or name it with --authorisation. One given \
            outside any authorisation is recorded only with --outside-authorisation, and flagged for supervision.
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

    @Option(
        help: ArgumentHelp(
            "The section 34 authorisation a dispersal direction was given under (default: the one in force at its "
                + "time and place that this device knows).",
            valueName: "id"
        )
    )
    var authorisation: RecordID?

    @Flag(
        help: ArgumentHelp(
            "The dispersal direction was given outside any section 34 authorisation: recorded as such, flagged for "
                + "supervision."
        )
    )
    var outsideAuthorisation = false

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        guard actions.contains(.dispersalDirection) else {
            if authorisation != nil || outsideAuthorisation {
                throw ValidationError(
                    "--authorisation and --outside-authorisation go with --action dispersal-direction only."
                )
            }
            return
        }
        if authorisation != nil && outsideAuthorisation {
            throw ValidationError("Give --authorisation or --outside-authorisation, not both.")
        }
    }

    func run() async throws {
        let new = try NewRecord(storage)
        let (replica, identity, now) = (new.replica, new.identity, new.now)
        var intervention = Intervention(
            sightingId: follows?.uuid,
            occurredAt: place.occurredAt?.date ?? now,
            recordedAt: now,
            by: identity.userId,
            location: place.location(defaultVenue: identity.venueId),
            actions: actions,
            outcome: outcome,
            notes: notes
        )
        if actions.contains(.dispersalDirection) {
            intervention.outsideAuthorisation = outsideAuthorisation ? true : nil
            intervention.authorisationId = try authorisation?.uuid ?? citedAuthorisation(for: intervention, replica)
        }
        try new.save(.createIntervention(intervention), id: intervention.id, freeText: [notes])
    }

    /// The authorisation a dispersal direction cites when none is named: the one in force at its time and place
    /// that this device knows (nil when it is recorded as outside any).
    private func citedAuthorisation(for intervention: Intervention, _ replica: LocalReplica) throws -> UUID? {
        guard !outsideAuthorisation else { return nil }
        let known = try replica.records(matching: RecordFilter(types: [.authorisation])).compactMap {
            state -> DispersalAuthorisation? in
            if case .authorisation(let authorisation) = state.current, state.redaction == nil {
                authorisation
            } else {
                nil
            }
        }
        let inForce = DispersalRule.inForce(for: intervention, among: known)
        guard let only = inForce.first, inForce.count == 1 else {
            guard inForce.isEmpty else {
                throw CLIError(
                    "Several section 34 authorisations are in force here and now: "
                        + inForce.map { $0.id.uuidString.lowercased() }.joined(separator: ", ")
                        + ". Name the one the direction was given under with --authorisation."
                )
            }
            throw CLIError(
                "No section 34 authorisation in force at this time and place is known on this device (sync to fetch "
                    + "new ones). A dispersal direction must cite one: name it with --authorisation, or record the "
                    + "direction with --outside-authorisation, which flags it for supervision."
            )
        }
        FileHandle.standardError.write(
            Data(
                "Citing section 34 authorisation \(only.id.uuidString.lowercased()) (\(only.locality.summary), until \(RecordText.localTime(only.endsAt))).\n"
                    .utf8
            )
        )
        return only.id
    }
}
