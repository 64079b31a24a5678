import ArgumentParser
import Foundation
import Models
import Sync

/// The formats a listing can be printed in.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// `empower-cli list`: the records on this device.
struct ListCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the records on this device, oldest first.",
        discussion: "Example: empower-cli list --night 2026-11-21 --venue venue-seel-st-03 --format csv"
    )

    @Option(help: ArgumentHelp("Only records at this venue.", valueName: "id"))
    var venue: String?

    @Option(help: ArgumentHelp("Only records that happened at or after this time (ISO-8601).", valueName: "time"))
    var since: Timestamp?

    @Option(
        help: ArgumentHelp(
            "Only records of this operational night: 18:00 on this date to 06:00 the next, Europe/London.",
            discussion: "A night is named by the date it begins on; records between 06:00 and 18:00 are in none.",
            valueName: "YYYY-MM-DD"
        )
    )
    var night: OperationalNight?

    @Option(help: "How to print: table (grouped by operational night), json or csv.")
    var format: ListFormat = .table

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        if let venue {
            do throws(Models.ValidationError) { try Identifiers.validateVenue(venue) } catch {
                throw ArgumentParser.ValidationError(error.message)
            }
        }
    }

    func run() async throws {
        let replica = try storage.openUnlocked(readingOnly: true)
        var filter = RecordFilter(venueId: venue, since: since?.date)
        if let night { filter = filter.narrowed(to: night) }
        let records = try replica.records(matching: filter)
        switch format {
        case .table: print(records.isEmpty ? "No records." : RecordText.nightTables(records))
        case .csv: print(RecordCSV.make(records), terminator: "")
        case .json:
            print(
                String(
                    decoding: try WireCoding.makeEncoder(pretty: true).encode(RecordList(records: records)),
                    as: UTF8.self
                )
            )
        }
    }
}

/// `empower-cli show ID`: one record with its whole history.
struct ShowCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one record with its amendment history and linked records."
    )

    @Argument(help: ArgumentHelp("The record's id.", valueName: "id"))
    var record: RecordID

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let replica = try storage.openUnlocked(readingOnly: true)
        guard let state = try replica.record(id: record.uuid) else { throw ReplicaError.unknownRecord(record.uuid) }
        print(RecordText.detail(state, attachments: try replica.attachments(of: record.uuid)))
    }
}
