import Central
import Foundation
import Logging
import Synchronization

/// Every line logged through `AccessCapturingLogHandler`, kept in memory.
final class AccessLogCapture: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    func append(_ line: String) {
        storage.withLock { $0.append(line) }
    }

    /// A trace-level logger whose every line lands here twice: rendered as text, and by `serve --log-format
    /// json`'s handler (lines starting with `{`).
    func logger(label: String = "empower.central") -> Logger {
        var logger = Logger(label: label) { label in
            MultiplexLogHandler([
                AccessCapturingLogHandler(label: label, capture: self),
                JSONLogHandler(label: label) { self.append(String(decoding: $0, as: UTF8.self)) },
            ])
        }
        logger.logLevel = .trace
        return logger
    }
}

/// A log handler that renders each event to one line, with all of its metadata and error, into a capture.
struct AccessCapturingLogHandler: LogHandler {
    let label: String
    let capture: AccessLogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\(String(reflecting: $0))" } ?? ""
        capture.append(
            "\(event.level) [\(label)] \(event.message) \(fields)\(error) (\(event.source) \(event.file):\(event.line))"
        )
    }
}
