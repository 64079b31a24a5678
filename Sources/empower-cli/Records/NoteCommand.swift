import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli note …`.
struct NoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note",
        abstract: "Attach notes to sightings and interventions.",
        subcommands: [NoteAddCommand.self]
    )
}

/// `empower-cli note add`: attaches a free-text note to a record on this device.
struct NoteAddCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Attach a note to a sighting or an intervention.",
        discussion: "Example: empower-cli note add --record 3f2a… --text \"CCTV from the front door kept\""
    )

    @Option(help: ArgumentHelp("The sighting or intervention the note is about.", valueName: "id"))
    var record: RecordID

    @Option(help: ArgumentHelp("The note. No names or phone numbers.", valueName: "text"))
    var text: String

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let new = try NewRecord(storage)
        let (identity, now) = (new.identity, new.now)
        let note = Note(recordId: record.uuid, author: identity.userId, recordedAt: now, text: text)
        try new.save(.createNote(note), id: note.id, freeText: [text])
    }
}
