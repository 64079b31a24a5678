import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli sighting …`.
struct SightingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sighting",
        abstract: "Record sightings of predatory behaviour.",
        subcommands: [SightingAddCommand.self]
    )
}

/// `empower-cli sighting add`: records one sighting on this device.
struct SightingAddCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record a sighting: what you saw, where and when.",
        discussion: """
            The sighting is stored on this device at once, signal or not, and sent at the next sync.

            Example: empower-cli sighting add --venue venue-concert-sq-01 --behaviour repeated-approaches \\
                --behaviour targeting-alone --risk medium --subject-age-band 25-34 --narrative "Approached three women"
            """
    )

    @OptionGroup var place: PlaceOptions

    @Option(name: .customLong("behaviour"), help: "An observed behaviour (repeat for several).")
    var behaviours: [Behaviour] = []

    @Option(help: ArgumentHelp("What was seen, when --behaviour other is given.", valueName: "text"))
    var otherBehaviour: String?

    @Option(help: "Your assessment of the risk: low, medium or high.")
    var risk: RiskLevel

    @Option(help: ArgumentHelp("What happened, briefly. No names or phone numbers.", valueName: "text"))
    var narrative: String = ""

    // Every description defaults to unknown or to nothing recorded: a default must never invent an observation.
    @Option(help: "The subject's sex as perceived.") var subjectSex: SubjectDescription.Sex = .unknown
    @Option(help: "The subject's apparent age band.") var subjectAgeBand: SubjectDescription.AgeBand = .unknown
    @Option(help: "The subject's apparent height band (cm).") var subjectHeightBand: SubjectDescription.HeightBand =
        .unknown
    @Option(help: "The subject's apparent build.") var subjectBuild: SubjectDescription.Build = .unknown
    @Option(help: ArgumentHelp("The subject's clothing.", valueName: "text")) var subjectClothing: String?
    @Option(help: ArgumentHelp("The subject's distinguishing features.", valueName: "text")) var subjectFeatures:
        String?

    @Option(help: "The apparent age band of the woman at risk.") var atRiskAgeBand: SubjectDescription.AgeBand =
        .unknown
    @Flag(
        inversion: .prefixedNo,
        help: "Whether the woman at risk appeared intoxicated (neither flag: not recorded)."
    )
    var atRiskIntoxicated: Bool?
    @Flag(
        inversion: .prefixedNo,
        help: "Whether the woman at risk was alone or separated from friends (neither flag: not recorded)."
    )
    var atRiskAlone: Bool?

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let new = try NewRecord(storage)
        let (identity, now) = (new.identity, new.now)
        let sighting = Sighting(
            occurredAt: place.occurredAt?.date ?? now,
            recordedAt: now,
            reporter: identity.userId,
            location: place.location(defaultVenue: identity.venueId),
            behaviours: behaviours,
            otherBehaviour: otherBehaviour,
            subject: SubjectDescription(
                sex: subjectSex,
                ageBand: subjectAgeBand,
                heightBand: subjectHeightBand,
                build: subjectBuild,
                clothing: subjectClothing,
                distinguishingFeatures: subjectFeatures
            ),
            personAtRisk: PersonAtRisk(
                ageBand: atRiskAgeBand,
                appearedIntoxicated: atRiskIntoxicated,
                wasAlone: atRiskAlone
            ),
            riskLevel: risk,
            narrative: narrative
        )
        try new.save(
            .createSighting(sighting),
            id: sighting.id,
            freeText: [narrative, otherBehaviour, subjectClothing, subjectFeatures]
        )
    }
}

/// Where and when, shared by sightings and interventions.
struct PlaceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The venue's id (venue staff: defaults to your venue).", valueName: "id"))
    var venue: String?

    @Option(help: ArgumentHelp("The place in words, such as \"Concert Square, by the fountain\".", valueName: "text"))
    var place: String?

    @Option(help: ArgumentHelp("Latitude of the place.", valueName: "degrees")) var lat: Double?
    @Option(help: ArgumentHelp("Longitude of the place.", valueName: "degrees")) var lon: Double?

    @Option(help: ArgumentHelp("When it happened, ISO-8601 (default: now). For a late entry.", valueName: "time"))
    var occurredAt: Timestamp?

    func location(defaultVenue: String?) -> Location {
        Location(venueId: venue ?? defaultVenue, place: place, latitude: lat, longitude: lon)
    }
}

/// Prints minimisation warnings for free text to standard error.
enum MinimisationWarnings {
    static func print(for texts: [String?]) {
        let warnings = Set(texts.compactMap { $0 }.flatMap(MinimisationCheck.warnings(for:)))
        for warning in warnings.sorted() {
            FileHandle.standardError.write(Data("Warning: \(warning)\n".utf8))
        }
    }
}
