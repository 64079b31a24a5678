import ArgumentParser
import Foundation
import Models
import Sync

extension CalendarDay: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
}

/// `empower-cli review`: a record's review status (the default, `review ID --status S`), and retention review.
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Set a record's review status; list and decide retention reviews (supervisors).",
        discussion: """
            Example: empower-cli review 3f2a… --status reviewed

            Example: empower-cli review due

            Example: empower-cli review decide --dispose --reason "No longer necessary" 3f2a…
            """,
        subcommands: [ReviewStatusCommand.self, ReviewDueCommand.self, ReviewDecideCommand.self],
        defaultSubcommand: ReviewStatusCommand.self
    )
}

/// `empower-cli review due`: the records due for their retention review today (supervisors).
struct ReviewDueCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "due",
        abstract: "List the records due for their retention review (supervisors).",
        discussion: """
            A record falls due on its review day (Europe/London): the day set for it ('retain', or an earlier \
            decision), else the day the server's retention policy plans from the day it was made. The read is \
            kept in the audit log. Decide with 'empower-cli review decide'.

            Example: empower-cli review due --format csv > due.csv
            """
    )

    @Option(help: "How to print: table, json or csv.")
    var format: ListFormat = .table
    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let queue: RetentionQueue = try await storage.withClient { try await $0.send("GET", "v1/retention/due") }
        switch format {
        case .table: print(Self.table(queue))
        case .csv: print(Self.csv(queue), terminator: "")
        case .json: print(String(decoding: try WireCoding.makeEncoder(pretty: true).encode(queue), as: UTF8.self))
        }
    }

    static func table(_ queue: RetentionQueue) -> String {
        guard !queue.records.isEmpty else { return "No records are due for review on \(queue.day)." }
        let header = ["REVIEW ON", "ID", "TYPE", "RECORDED", "GRADING", "DATE"]
        let rows = queue.records.map {
            [
                $0.reviewOn.description, $0.recordId.uuidString.lowercased(), $0.type.rawValue,
                RecordText.localTime($0.recordedAt), $0.grading ?? "-", $0.planned ? "planned" : "set",
            ]
        }
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
            + "\n\(queue.records.count) due for review on \(queue.day)."
    }

    /// One line a record, the id first (so the file can be given back to `review decide --file`).
    static func csv(_ queue: RetentionQueue) -> String {
        let lines = queue.records.map {
            [
                $0.recordId.uuidString.lowercased(), $0.type.rawValue, WireCoding.formatDate($0.recordedAt),
                $0.grading ?? "", $0.reviewOn.description, $0.planned ? "planned" : "set",
            ].joined(separator: ",")
        }
        return (["recordId,type,recordedAt,grading,reviewOn,date"] + lines).map { $0 + "\r\n" }.joined()
    }
}

/// `empower-cli review decide --retain|--dispose --reason TEXT ID...`: decisions at retention review.
struct ReviewDecideCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Retain or dispose of records due for their retention review (supervisors).",
        discussion: """
            Each decision is kept in the audit log with your reason. To retain, give the next review day (at most \
            the policy's maximum ahead). To dispose, the record is redacted ("disposed after review") on the \
            server and on every device as it syncs; it cannot be undone. A record disposed of before is left as \
            it is. Records come as ids, or from a file of ids (one a line, such as 'review due --format csv').

            Example: empower-cli review decide --retain --next-review 2031-03-01 --reason "Still relevant" 3f2a…

            Example: empower-cli review decide --dispose --reason "No longer necessary" --file due.csv
            """
    )

    @Flag(help: "Keep the records, and review them again on --next-review.") var retain = false
    @Flag(help: "Dispose of the records (a redaction that reaches every device).") var dispose = false
    @Option(help: ArgumentHelp("The next review day, YYYY-MM-DD (Europe/London), with --retain.", valueName: "day"))
    var nextReview: CalendarDay?
    @Option(help: ArgumentHelp("Why (kept in the audit log; no personal data).", valueName: "text"))
    var reason: String
    @Option(
        help: ArgumentHelp("A file of record ids, one a line (a CSV's first column; # comments).", valueName: "file")
    )
    var file: String?
    @Argument(help: ArgumentHelp("The records.", valueName: "id")) var records: [RecordID] = []
    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        guard retain != dispose else { throw ValidationError("Give either --retain or --dispose.") }
        if retain, nextReview == nil { throw ValidationError("--retain needs --next-review YYYY-MM-DD.") }
        if dispose, nextReview != nil { throw ValidationError("--next-review goes with --retain only.") }
        try CentralFilterOptions.checkLine(reason, option: "--reason", limit: TextLimits.reason)
        guard !records.isEmpty || file != nil else { throw ValidationError("Name the records, or give --file.") }
    }

    func run() async throws {
        var ids = records.map(\.uuid)
        if let file { ids += try Self.ids(inFile: file) }
        var seen = Set<UUID>()
        ids = ids.filter { seen.insert($0).inserted }
        guard !ids.isEmpty else { throw CLIError("The file \(file ?? "") names no records.") }
        var outcomes: [RetentionDecisionOutcome] = []
        try await storage.withClient { client in
            // In batches the server takes at once; each decision is carried out and audited on its own.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let request = RetentionDecisionRequest(
                    decision: retain ? .retain : .dispose,
                    reason: reason,
                    nextReviewOn: nextReview,
                    recordIds: Array(ids[start..<min(start + 500, ids.count)])
                )
                let response: RetentionDecisionResponse = try await client.send(
                    "POST",
                    "v1/retention/decisions",
                    body: request
                )
                outcomes += response.outcomes
            }
        }
        for outcome in outcomes {
            print("\(outcome.recordId.uuidString.lowercased())  \(outcome.result.rawValue)  \(outcome.message)")
        }
        let failed = outcomes.filter { ![.retained, .disposed, .alreadyDisposed].contains($0.result) }
        if !failed.isEmpty {
            throw CLIError("\(failed.count) of \(outcomes.count) decisions were not carried out (see above).")
        }
    }

    /// The record ids in a file: the first field of each line; blank lines, `#` comments and a CSV header skipped.
    static func ids(inFile path: String) throws -> [UUID] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw CLIError("The file \(path) cannot be read.") }
        var ids: [UUID] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let field =
                raw.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            if field.isEmpty || field.hasPrefix("#") || (index == 0 && field == "recordId") { continue }
            guard let id = UUID(uuidString: field) else {
                throw CLIError("\(path), line \(index + 1): not a record id.")
            }
            ids.append(id)
        }
        return ids
    }
}
