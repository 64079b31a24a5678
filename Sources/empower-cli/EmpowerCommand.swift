import ArgumentParser
import Foundation

/// The one executable for officers, venue staff, supervisors and administrators.
@main
struct EmpowerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "empower-cli",
        abstract: "Record patrol sightings and interventions offline, and sync them with the central log.",
        discussion: """
            Records are written to this device first and survive having no signal; 'sync' sends them to the \
            central server and brings back everyone else's. Start with 'device init', or run 'demo' to see the \
            whole loop on a throwaway server.
            """,
        subcommands: [
            DeviceCommand.self, SightingCommand.self, InterventionCommand.self, NoteCommand.self, AmendCommand.self,
            ReviewCommand.self, GradeCommand.self, LinkCommand.self, RetainCommand.self, RedactCommand.self,
            ListCommand.self, ShowCommand.self, SearchCommand.self, ExportCommand.self, SyncCommand.self,
            StatusCommand.self, ServeCommand.self, DashboardCommand.self,
            AuthorisationCommand.self,
            AdminCommand.self, DemoCommand.self,
        ]
    )

    /// Runs the command with a umask of 077: everything this program writes (databases, tokens, exports) is for
    /// its user alone. The stores also set their files' modes themselves, whatever the umask.
    ///
    /// A device command's error is shown as `DeviceDataCommand.explaining` words it: never SQLite's own.
    static func main() async {
        umask(0o077)
        var arguments = Array(CommandLine.arguments.dropFirst())
        var sources: [String: String] = [:]
        do {
            if arguments.first == "serve" {
                let settings = try ServeSettings.arguments(
                    commandLine: Array(arguments.dropFirst()),
                    environment: ProcessInfo.processInfo.environment
                )
                arguments = ["serve"] + settings.arguments
                sources = settings.sources
            }
            var command = try await asyncParseAsRoot(arguments)
            do {
                if let serve = command as? ServeCommand, serve.check {
                    try serve.checkSettings(sources: sources, commandLine: Array(CommandLine.arguments.dropFirst(2)))
                } else if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            } catch {
                exit(withError: (command as? any DeviceDataCommand)?.explaining(error) ?? error)
            }
        } catch {
            let code = exitCode(for: error)
            guard !sources.isEmpty, code != .success else { exit(withError: error) }
            FileHandle.standardError.write(
                Data((ServeSettings.explain(fullMessage(for: error), sources: sources) + "\n").utf8)
            )
            exit(withError: ExitCode(code.rawValue))
        }
    }
}
