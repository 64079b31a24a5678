import ArgumentParser
import Foundation
import Models

extension Behaviour: ExpressibleByArgument {}
extension InterventionAction: ExpressibleByArgument {
    public static var allValueStrings: [String] { recordable.map(\.rawValue) }
}
extension Outcome: ExpressibleByArgument {
    public static var allValueStrings: [String] { recordable.map(\.rawValue) }
}
extension RiskLevel: ExpressibleByArgument {}
extension Role: ExpressibleByArgument {}
extension RecordType: ExpressibleByArgument {}
extension AmendableField: ExpressibleByArgument {}
extension SubjectDescription.Sex: ExpressibleByArgument {}
extension SubjectDescription.AgeBand: ExpressibleByArgument {}
extension SubjectDescription.HeightBand: ExpressibleByArgument {}
extension SubjectDescription.Build: ExpressibleByArgument {}

/// A record id on the command line: a UUID, case-insensitive.
struct RecordID: ExpressibleByArgument {
    var uuid: UUID

    init?(argument: String) {
        guard let uuid = UUID(uuidString: argument) else { return nil }
        self.uuid = uuid
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A time on the command line: ISO-8601, such as 2026-11-21T23:40:00Z.
struct Timestamp: ExpressibleByArgument {
    var date: Date

    init?(argument: String) {
        guard let date = WireCoding.parseDate(argument) else { return nil }
        self.date = date.truncatedToMilliseconds
    }
}

extension OperationalNight: ExpressibleByArgument {
    /// A night on the command line: the date it begins on, such as 2026-11-21 (18:00 that day to 06:00 the next,
    /// Europe/London).
    public init?(argument: String) { self.init(argument) }
}

/// Where a device keeps its data.
struct DeviceDataOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The device's data directory.",
            discussion: "Defaults to $EMPOWER_DEVICE_DIR, or ~/.empower/device.",
            valueName: "dir"
        )
    )
    var data: String?

    var directory: URL {
        if let data { return URL(fileURLWithPath: data) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["EMPOWER_DEVICE_DIR"] {
            return URL(fileURLWithPath: fromEnvironment)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".empower/device")
    }
}
