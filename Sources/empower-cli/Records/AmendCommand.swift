import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli amend ID --field F --value V --reason R`: corrects one field; the original stays visible.
struct AmendCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "amend",
        abstract: "Correct one field of a record. The original value stays in its history.",
        discussion: """
            Lists are comma-separated (--field behaviours --value following,leering); times are ISO-8601.

            Example: empower-cli amend 3f2a… --field place --value "Seel Street" --reason "Wrong street name"
            """
    )

    @Argument(help: ArgumentHelp("The record to correct.", valueName: "id"))
    var record: RecordID

    @Option(help: "The field to correct.")
    var field: AmendableField

    @Option(help: ArgumentHelp("The corrected value.", valueName: "value"))
    var value: String

    @Option(help: ArgumentHelp("Why the correction is made.", valueName: "text"))
    var reason: String

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let replica = try storage.openUnlocked()
        try replica.append(
            .amend(Amendment(field: field, value: value, reason: reason)),
            recordId: record.uuid
        )
        print("Amended \(field.rawValue) of \(record.uuid.uuidString.lowercased()); the original stays in its history.")
    }
}
