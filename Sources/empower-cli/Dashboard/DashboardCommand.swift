import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli dashboard`: a one-time link to the supervisors' dashboard for this enrolled device.
struct DashboardCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the supervisors' dashboard in a browser (supervisors only).",
        discussion: """
            Asks the server this device syncs with for a sign-in link, prints it and opens it in your browser \
            when it can (xdg-open). The link works once, within a minute; the browser then keeps a session until \
            you sign out or leave it unused for 30 minutes. Every page you view is kept in the audit log with \
            your reason.

            Example: empower-cli dashboard --reason "Weekly hotspot review, city centre"
            """
    )

    @Option(
        help: ArgumentHelp("Why you are looking (kept in the audit log with every page; required).", valueName: "text")
    )
    var reason: String

    @Flag(help: "Only print the link; do not try to open a browser.")
    var noOpen = false

    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        try CentralFilterOptions.checkLine(reason, option: "--reason", limit: TextLimits.reason)
    }

    func run() async throws {
        let url: URL = try await storage.withClient { client in
            let link: DashboardSignInLink = try await client.send(
                "POST",
                "v1/dashboard/sign-in",
                body: DashboardSignInRequest(reason: reason)
            )
            guard let url = URL(string: link.path, relativeTo: client.serverURL.appendingPathComponent("/")) else {
                throw CLIError("The server's sign-in link could not be understood.")
            }
            return url.absoluteURL
        }
        print("Sign in to the dashboard (the link works once, within a minute):")
        print(url.absoluteString)
        if !noOpen { Self.open(url) }
    }

    /// Opens the link with xdg-open when there is one; says nothing more when there is not, or it fails.
    private static func open(_ url: URL) {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/xdg-open" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [url.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}
