import Foundation
import Logging

/// The log of a device command: lines on standard error, at the level of `EMPOWER_LOG_LEVEL` (the variable
/// `serve --log-level` reads too), else warning, so that a command's own output is all an officer sees unless
/// more is asked for.
enum DeviceLogger {
    /// A logger writing to standard error at the level `environment` asks for.
    /// - Throws: `CLIError` when `EMPOWER_LOG_LEVEL` names no level.
    static func make(
        label: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        if let text = environment[ProductionOptions.logLevelEnvironmentVariable], !text.isEmpty {
            guard let level = ProductionOptions.logLevel(text) else {
                throw CLIError(
                    "\(ProductionOptions.logLevelEnvironmentVariable) must be one of \(ProductionOptions.logLevelNames); "
                        + "'\(text)' is none of them."
                )
            }
            logger.logLevel = level
        }
        return logger
    }
}
