import ArgumentParser
import Foundation
import Models
import Sync

extension ReviewStatus: ExpressibleByArgument {}
extension RecordLink.LinkKind: ExpressibleByArgument {}
extension RedactionReason: ExpressibleByArgument {}

/// Writes one register of a record on this (supervisor's) device.
private func writeRegister(_ write: RegisterWrite, on record: RecordID, storage: DeviceDataOptions) throws {
    let replica = try storage.openUnlocked()
    try replica.append(.setRegister(write), recordId: record.uuid)
}

/// `empower-cli review [status] ID --status S` (the default of `review`, `ReviewCommand`).
struct ReviewStatusCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Set a record's review status (supervisors).",
        discussion: "Example: empower-cli review 3f2a… --status reviewed"
    )

    @Argument(help: ArgumentHelp("The record.", valueName: "id")) var record: RecordID
    @Option(help: "The review status.") var status: ReviewStatus
    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        try writeRegister(.review(status), on: record, storage: storage)
        print("Review status of \(record.uuid.uuidString.lowercased()) is now \(status.rawValue).")
    }
}

/// `empower-cli grade ID --grading 1-A-P`.
struct GradeCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade a record as intelligence on the 3x5x2 model (supervisors).",
        discussion: """
            The grading is source (1 reliable, 2 untested, 3 not reliable), intelligence (A known directly, \
            B corroborated, C known indirectly, D not known, E suspected false) and handling (P permitted, \
            C with conditions). Example: empower-cli grade 3f2a… --grading 2-B-P
            """
    )

    @Argument(help: ArgumentHelp("The record.", valueName: "id")) var record: RecordID
    @Option(help: ArgumentHelp("The grading, such as 2-B-P.", valueName: "grading")) var grading: String?
    @Flag(help: "Remove the grading.") var clear = false
    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        guard (grading == nil) != !clear else { throw ValidationError("Give either --grading or --clear.") }
        if let grading, IntelligenceGrading(code: grading) == nil {
            throw ValidationError("The grading must be source-intelligence-handling, such as 2-B-P.")
        }
    }

    func run() async throws {
        try writeRegister(.grading(grading.flatMap(IntelligenceGrading.init(code:))), on: record, storage: storage)
        print("Grading of \(record.uuid.uuidString.lowercased()) is now \(grading ?? "none").")
    }
}

/// `empower-cli link ID --to ID --kind same-subject [--remove]`.
struct LinkCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Link two records, or remove a link (supervisors).",
        discussion: "Example: empower-cli link 3f2a… --to 9c1d… --kind same-subject"
    )

    @Argument(help: ArgumentHelp("The record the link starts from.", valueName: "id")) var record: RecordID
    @Option(help: ArgumentHelp("The record it links to.", valueName: "id")) var to: RecordID
    @Option(help: "What the link says.") var kind: RecordLink.LinkKind
    @Flag(help: "Remove the link instead.") var remove = false
    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let link = RecordLink(target: to.uuid, kind: kind)
        try writeRegister(.link(link, present: !remove), on: record, storage: storage)
        print(remove ? "Link removed." : "Linked (\(kind.rawValue)).")
    }
}

/// `empower-cli retain ID --review-on DATE`.
struct RetainCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "retain",
        abstract: "Set when a record is next reviewed for retention (supervisors).",
        discussion: "Example: empower-cli retain 3f2a… --review-on 2032-11-21T00:00:00Z"
    )

    @Argument(help: ArgumentHelp("The record.", valueName: "id")) var record: RecordID
    @Option(help: ArgumentHelp("The review date, ISO-8601.", valueName: "time")) var reviewOn: Timestamp?
    @Flag(help: "Remove the review date.") var clear = false
    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        guard (reviewOn == nil) != !clear else { throw ValidationError("Give either --review-on or --clear.") }
    }

    func run() async throws {
        try writeRegister(.retentionReview(reviewOn?.date), on: record, storage: storage)
        print("Retention review date set.")
    }
}

/// `empower-cli redact ID --reason R --explanation TEXT`.
struct RedactCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact",
        abstract: "Erase a record's content everywhere, leaving a tombstone (supervisors).",
        discussion: """
            The content is removed from this device now and from every device and the central store as the \
            redaction reaches them. It cannot be undone. The explanation outlives the content: no personal data.

            Example: empower-cli redact 3f2a… --reason recorded-in-error --explanation "Wrong incident"
            """
    )

    @Argument(help: ArgumentHelp("The record.", valueName: "id")) var record: RecordID
    @Option(help: "Why: retention-expired or recorded-in-error.") var reason: RedactionReason
    @Option(help: ArgumentHelp("A short explanation, with no personal data.", valueName: "text")) var explanation:
        String
    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let replica = try storage.openUnlocked()
        try replica.append(
            .redact(Redaction(reason: reason, explanation: explanation)),
            recordId: record.uuid
        )
        print("Redacted \(record.uuid.uuidString.lowercased()); the redaction reaches the others at the next sync.")
    }
}
