import ArgumentParser
import Central
import Foundation
import TOMLKit

/// `serve`'s options from a configuration file and from the environment, as well as from the command line.
///
/// Every option of `serve` may be a key of the TOML file named by `--config FILE` (or `EMPOWER_SERVE_CONFIG`), or an
/// environment variable `EMPOWER_SERVE_<OPTION>` (`--clock-tolerance` is `EMPOWER_SERVE_CLOCK_TOLERANCE`; `--database`
/// keeps its older `EMPOWER_DATABASE_URL`, `--log-level` is `EMPOWER_LOG_LEVEL`). The command line wins over the environment, which wins over the file.
/// The settings become command-line arguments, so each value is checked exactly as its option is, and a bad one is
/// reported with where it came from.
enum ServeSettings {
    /// The environment variable that names the configuration file when `--config` is not given.
    static let configEnvironmentVariable = "EMPOWER_SERVE_CONFIG"

    /// Options that exclude each other: one given by a stronger source silences the other in weaker ones.
    static let exclusiveOptions: [Set<String>] = [["data", "database"]]

    /// One option of `serve` as a setting: its name, whether it takes a value, its environment variable.
    struct Option: Equatable {
        let name: String
        let takesValue: Bool
        var environmentVariable: String {
            switch name {
            case "database": ServeCommand.databaseEnvironmentVariable
            case "log-level": ProductionOptions.logLevelEnvironmentVariable
            default: "EMPOWER_SERVE_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            }
        }
    }

    /// A setting found in the file or the environment, and where.
    struct Setting {
        let option: Option
        let arguments: [String]
        let source: String
    }

    /// `serve`'s options (all but `--config` and `--check`), as ArgumentParser declares them (option groups too).
    static var options: [Option] {
        guard let info = try? JSONSerialization.jsonObject(with: Data(ServeCommand._dumpHelp().utf8)) as? [String: Any],
            let command = info["command"] as? [String: Any],
            let arguments = command["arguments"] as? [[String: Any]]
        else { return [] }
        return arguments.compactMap { argument in
            guard let kind = argument["kind"] as? String, kind == "option" || kind == "flag",
                let name = (argument["preferredName"] as? [String: Any])?["name"] as? String,
                !["config", "check", "help", "version"].contains(name)
            else { return nil }
            return Option(name: name, takesValue: kind == "option")
        }
    }

    /// The arguments of `serve` with the file's and the environment's settings added before the command line's,
    /// and, for each option added, where it came from.
    static func arguments(
        commandLine: [String],
        environment: [String: String]
    ) throws -> (arguments: [String], sources: [String: String]) {
        let options = options
        var given = Set(
            options.map(\.name).filter { name in
                commandLine.contains { $0 == "--\(name)" || $0.hasPrefix("--\(name)=") }
            }
        )
        var added: [Setting] = []
        let environmentSettings = try options.compactMap { option -> Setting? in
            guard let value = environment[option.environmentVariable], !value.isEmpty else { return nil }
            // The database URL's variable is read by `serve` itself, and only when --data is not given.
            guard option.name != "database" else { return nil }
            return Setting(
                option: option,
                arguments: option.takesValue ? ["--\(option.name)", value] : try flagArguments(option, value),
                source: option.environmentVariable
            )
        }
        var fileSettings: [Setting] = []
        if let path = configPath(commandLine: commandLine, environment: environment) {
            fileSettings = try settings(fromFile: path, options: options)
        }
        for layer in [environmentSettings, fileSettings] {
            let usable = layer.filter { setting in
                !given.contains(setting.option.name)
                    && !exclusiveOptions.contains { $0.contains(setting.option.name) && !$0.isDisjoint(with: given) }
            }
            added += usable
            given.formUnion(usable.map(\.option.name))
        }
        let arguments = added.flatMap(\.arguments) + commandLine
        let sources = Dictionary(added.map { ($0.option.name, $0.source) }, uniquingKeysWith: { first, _ in first })
        return (arguments, sources)
    }

    /// The settings `serve` runs with, one per line, each with where it came from, for `serve --check`.
    static func summary(of command: ServeCommand, sources: [String: String], commandLine: [String]) -> String {
        var values: [String: String] = [:]
        func collect(_ arguments: Any) {
            for child in Mirror(reflecting: arguments).children {
                guard let label = child.label, label.hasPrefix("_") else { continue }
                let value = Mirror(reflecting: child.value).descendant("_parsedValue", "value")
                if String(describing: Swift.type(of: child.value)).hasPrefix("OptionGroup<") {
                    if let value { collect(value) }
                } else {
                    values[kebabCase(String(label.dropFirst()))] = value.map(settingText) ?? ""
                }
            }
        }
        collect(command)
        return options.map { option in
            let value = values[option.name] ?? ""
            let source =
                sources[option.name]
                ?? (commandLine.contains { $0 == "--\(option.name)" || $0.hasPrefix("--\(option.name)=") }
                    ? "command line" : "default")
            return "\(option.name) = \(value.isEmpty ? "(not set)" : value)  (\(source))"
        }.joined(separator: "\n")
    }

    /// A setting's value as a person reads it: an optional's value, or nothing when it is not set.
    private static func settingText(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            return mirror.children.first.map { settingText($0.value) } ?? ""
        }
        if let url = value as? String, url.hasPrefix("postgres"), let parsed = try? PostgresDatabaseURL(url) {
            return "\(parsed)"
        }
        return "\(value)"
    }

    /// The words to add to ArgumentParser's message about a bad value: where each option it names came from.
    static func explain(_ message: String, sources: [String: String]) -> String {
        let firstLine = message.prefix { $0 != "\n" }
        let named = sources.keys.sorted().filter { name in
            firstLine.contains("--\(name) ") || firstLine.contains("--\(name)'") || firstLine.hasSuffix("--\(name)")
        }
        guard !named.isEmpty else { return message }
        return message + "\n" + named.map { "(--\($0) came from \(sources[$0]!).)" }.joined(separator: "\n")
    }

    /// The file of --config (or its variable), if any.
    private static func configPath(commandLine: [String], environment: [String: String]) -> String? {
        for (index, argument) in commandLine.enumerated() {
            if argument.hasPrefix("--config=") { return String(argument.dropFirst("--config=".count)) }
            if argument == "--config", index + 1 < commandLine.count { return commandLine[index + 1] }
        }
        return environment[configEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The settings of a TOML file: top-level keys named as `serve`'s options, without the dashes before them.
    static func settings(fromFile path: String, options: [Option]) throws -> [Setting] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw CLIError("The configuration file \(path) cannot be read.")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw CLIError(
                "The configuration file \(path), line \(error.source.begin.line): \(error.description) (it is TOML: name = value, one per line)."
            )
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func location(_ key: String) -> String {
            let line = lines.firstIndex { line in
                let words = line.trimmingCharacters(in: .whitespaces)
                return words.hasPrefix(key)
                    && words.dropFirst(key.count).trimmingCharacters(in: .whitespaces).hasPrefix("=")
            }.map { $0 + 1 }
            return "\(path)" + (line.map { ", line \($0)" } ?? "")
        }
        var result: [Setting] = []
        for key in table.keys.sorted() {
            guard let option = options.first(where: { $0.name == key }) else {
                throw CLIError(
                    "The configuration file \(location(key)): '\(key)' is not a setting of serve. The settings are: \(options.map(\.name).joined(separator: ", "))."
                )
            }
            let value = table[key]!
            let words: [String]
            switch value.type {
            case .string: words = [value.string!]
            case .int: words = [String(value.int!)]
            case .double: words = [String(value.double!)]
            case .bool where !option.takesValue:
                result.append(
                    Setting(option: option, arguments: value.bool! ? ["--\(key)"] : [], source: location(key))
                )
                continue
            default:
                throw CLIError(
                    "The configuration file \(location(key)): '\(key)' must be \(option.takesValue ? "a string or a number" : "true or false")."
                )
            }
            guard option.takesValue else {
                throw CLIError("The configuration file \(location(key)): '\(key)' must be true or false.")
            }
            result.append(Setting(option: option, arguments: ["--\(key)"] + words, source: location(key)))
        }
        return result
    }

    /// A flag from the environment: `1`/`true`/`yes` sets it, `0`/`false`/`no` leaves it unset.
    private static func flagArguments(_ option: Option, _ value: String) throws -> [String] {
        switch value.lowercased() {
        case "1", "true", "yes": return ["--\(option.name)"]
        case "0", "false", "no": return []
        default: throw CLIError("\(option.environmentVariable) must be true or false (1/0, yes/no), not '\(value)'.")
        }
    }

    /// ArgumentParser's name for a property: `clockTolerance` is `clock-tolerance`.
    static func kebabCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result += "-" }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
