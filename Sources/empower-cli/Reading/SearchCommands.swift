import ArgumentParser
import Foundation
import Models
import Sync

/// The filters of a search or export of the central log.
struct CentralFilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Why you are looking (kept in the audit log; required).", valueName: "text"))
    var reason: String

    @Option(help: ArgumentHelp("Only records at this venue.", valueName: "id"))
    var venue: String?

    @Option(help: ArgumentHelp("Only records that happened at or after this time (ISO-8601).", valueName: "time"))
    var since: Timestamp?

    @Option(help: ArgumentHelp("Only records that happened before this time (ISO-8601).", valueName: "time"))
    var until: Timestamp?

    @Option(
        help: ArgumentHelp(
            "Only records of this operational night: 18:00 on this date to 06:00 the next, Europe/London.",
            valueName: "YYYY-MM-DD"
        )
    )
    var night: OperationalNight?

    @Option(help: "Only records of this type: sighting, intervention or note.")
    var type: RecordType?

    @Option(help: "Only sightings that record this behaviour, such as repeated-approaches.")
    var behaviour: Behaviour?

    @Option(help: "Only interventions with this action, such as stop-and-account.")
    var action: InterventionAction?

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        try CentralFilterOptions.checkLine(reason, option: "--reason", limit: TextLimits.reason)
        if let venue {
            do throws(Models.ValidationError) { try Identifiers.validateVenue(venue) } catch {
                throw ValidationError(error.message)
            }
        }
    }

    /// Checks free text the server keeps in the audit log, by the server's rule (`TextRules`), before anything is
    /// sent: one line of 1 to `limit` characters, with no control or text-direction characters.
    static func checkLine(_ text: String, option: String, limit: Int) throws {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("\(option) must not be blank: it is kept in the audit log.")
        }
        do throws(Models.ValidationError) { try TextRules.check(text, field: "value of \(option)", limit: limit) } catch
        {
            throw ValidationError(
                "\(error.message) It is kept in the audit log, so it must be one line of printable text, with no "
                    + "line breaks, escape sequences or text-direction characters."
            )
        }
    }

    /// The query items of the filter.
    var queryItems: [(String, String?)] {
        [
            ("reason", reason), ("venue", venue), ("since", since.map { WireCoding.formatDate($0.date) }),
            ("until", until.map { WireCoding.formatDate($0.date) }), ("night", night?.description),
            ("type", type?.rawValue),
            ("behaviour", behaviour?.rawValue), ("action", action?.rawValue),
        ]
    }

    /// Runs `body` with a client for the server this device syncs with (`DeviceDataOptions.withClient`).
    func withClient<Result>(_ body: (APIClient) async throws -> Result) async throws -> Result {
        try await storage.withClient(body)
    }
}

/// `empower-cli search`: a supervisor's (or venue staff's) audited search of the central merged log.
struct SearchCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the central merged log (supervisors: every venue; venue staff: their own).",
        discussion: """
            Needs a signal. Every search is kept in the audit log with your reason.

            Example: empower-cli search --reason "Weekly review, Concert Square" --venue venue-concert-sq-01 --behaviour repeated-approaches
            """
    )

    @OptionGroup var filter: CentralFilterOptions

    var storage: DeviceDataOptions { filter.storage }

    @Option(help: "How to print: table, json or csv.")
    var format: ListFormat = .table

    func run() async throws {
        let list: RecordList = try await filter.withClient {
            try await $0.send("GET", "v1/records" + APIClient.query(filter.queryItems))
        }
        switch format {
        case .table: print(list.records.isEmpty ? "No records." : RecordText.nightTables(list.records))
        case .csv: print(RecordCSV.make(list.records), terminator: "")
        case .json: print(String(decoding: try WireCoding.makeEncoder(pretty: true).encode(list), as: UTF8.self))
        }
    }
}

/// `empower-cli export`: an audited export of the central merged log, to a named recipient.
struct ExportCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export records from the central log as CSV or JSON, to a named recipient.",
        discussion: """
            An export is a disclosure: the audit log keeps who, when, why, to whom, and which records.

            Example: empower-cli export --reason "Case file 26/1187" --recipient "CPS Merseyside" --format csv --out export.csv
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    @OptionGroup var filter: CentralFilterOptions

    var storage: DeviceDataOptions { filter.storage }

    @Option(help: ArgumentHelp("Who receives the export (kept in the audit log).", valueName: "name"))
    var recipient: String

    @Option(help: "csv or json.")
    var format: Format = .csv

    @Option(
        help: ArgumentHelp(
            "Write to this new file instead of printing (never one already there, never through a link).",
            valueName: "file"
        )
    )
    var out: String?

    func validate() throws {
        try CentralFilterOptions.checkLine(recipient, option: "--recipient", limit: TextLimits.recipient)
        if let out, ExclusiveFile.isTaken(out) {
            throw ValidationError("\(out) exists already; choose a new file name.")
        }
    }

    func run() async throws {
        let query = APIClient.query(filter.queryItems + [("recipient", recipient), ("format", format.rawValue)])
        let data = try await filter.withClient { try await $0.data("GET", "v1/records/export" + query) }
        guard let out else {
            FileHandle.standardOutput.write(data)
            return
        }
        // Created exclusively: a file (or link) that appeared since `validate` checked is not replaced or followed.
        do throws(ExclusiveFile.Refusal) { try ExclusiveFile.create(out, contents: data) } catch {
            throw CLIError(error.description)
        }
        print("Exported to \(out).")
    }
}
