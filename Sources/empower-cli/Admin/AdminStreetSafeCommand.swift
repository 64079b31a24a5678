import ArgumentParser
import Central
import Foundation
import Models

/// `empower-cli admin streetsafe import FILE`: anonymous StreetSafe reports into their own table.
struct AdminStreetSafeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streetsafe",
        abstract: "Import anonymous StreetSafe reports (where and why people felt unsafe).",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a CSV or JSON file of StreetSafe reports, all of it or nothing.",
            discussion: """
                CSV: a header row with the columns time, latitude, longitude and reasons (any order); time is \
                ISO-8601 with a zone (2026-11-21T23:40:00Z); reasons are one or more of poor-lighting, \
                isolated-area, being-followed, verbal-harassment, intimidating-group, other, separated by ';'.

                JSON: {"reports": [{"time": "…", "latitude": 53.40, "longitude": -2.98, "reasons": ["…"]}]}.

                The reports are kept apart from the patrol log and linked to nothing: times are cut to the hour, \
                positions moved to the centre of a cell of about 100 m, and any other column or key (free \
                text) is dropped. A file with any bad row is refused whole, each problem named by its line. \
                On the server's store only (--data or --database), as an administrator; audited.

                Example: empower-cli admin streetsafe import fixtures/streetsafe.csv --data /var/lib/empower
                """
        )

        @Argument(help: ArgumentHelp("The file of reports (.csv or .json).", valueName: "file"))
        var file: String

        @Option(help: "The file's format (default: from its extension).")
        var format: StreetSafeFile.Format?

        @OptionGroup var target: AdminTargetOptions

        func validate() throws {
            guard target.server == nil else {
                throw ValidationError(
                    "StreetSafe reports are imported on the server's store: give --data DIR or --database URL."
                )
            }
            guard format != nil || StreetSafeFile.format(ofPath: file) != nil else {
                throw ValidationError("Say the file's format with --format csv or --format json.")
            }
        }

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("The file \(file) cannot be read.")
            }
            let reports: [StreetSafeReport]
            switch StreetSafeFile.parse(data, format: format ?? StreetSafeFile.format(ofPath: file)!) {
            case .success(let parsed): reports = parsed
            case .failure(let error):
                throw CLIError("Nothing was imported: \(file) has problems.\n\(error.description)")
            }
            guard let backend = try target.backend() as? LocalAdminBackend else {
                throw CLIError(
                    "StreetSafe reports are imported on the server's store: give --data DIR or --database URL."
                )
            }
            try await administer {
                try await backend.withStore { try await $0.importStreetSafe(reports, by: backend.caller, now: Date()) }
            }
            print("Imported \(reports.count) StreetSafe reports from \(file).")
        }
    }
}

extension StreetSafeFile.Format: ExpressibleByArgument {}
