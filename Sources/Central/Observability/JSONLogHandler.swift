import Foundation
import Logging

/// `serve --log-format json`: one JSON object a line, for log collectors:
/// `{"time": …, "level": …, "label": …, "message": …, "metadata": {…}}`, time in UTC (ISO 8601, milliseconds).
public struct JSONLogHandler: LogHandler {
    let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// Where each line goes (with its newline): standard error unless told.
    let write: @Sendable (Data) -> Void

    /// - Parameter write: receives each line, newline included; by default it goes to standard error.
    public init(
        label: String,
        metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable (Data) -> Void = { FileHandle.standardError.write($0) }
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let given = event.metadata { merged.merge(given) { _, new in new } }
        var object: [String: Any] = [
            "time": Date().formatted(Self.timeFormat),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
        ]
        if !merged.isEmpty { object["metadata"] = merged.mapValues(Self.jsonValue) }
        guard
            var line = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        else { return }
        line.append(UInt8(ascii: "\n"))
        // One write a line, so lines from several threads never interleave.
        write(line)
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(jsonValue)
        case .dictionary(let entries): entries.mapValues(jsonValue)
        }
    }
}
