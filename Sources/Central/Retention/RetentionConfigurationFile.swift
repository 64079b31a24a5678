import Foundation
import Models
import TOMLKit

/// Reads a retention policy from the TOML file a force edits (`serve --retention-config FILE`):
///
/// ```toml
/// [review]                 # review periods from the day a record is made: years, months or days
/// sighting = "6 years"
/// intervention = "6 years"
/// note = "6 years"
/// maximum = "10 years"     # the furthest ahead a decision to retain may set the next review
///
/// [review.graded]          # graded intelligence, by intelligence assessment (A to E); replaces the type's
/// E = "1 year"
/// ```
///
/// Anything left out keeps its documented default (`RetentionPolicy.defaults`). Anything not understood (a key
/// not known, a value that is not a period, a syntax error) is refused with its line.
public enum RetentionConfigurationFile {
    /// The policy in the file at `path`.
    /// - Throws: `RetentionConfigurationError` naming the file and the line that is wrong.
    public static func load(path: String) throws -> RetentionPolicy {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw RetentionConfigurationError(file: path, line: nil, message: "The file cannot be read.") }
        do {
            return try parse(text)
        } catch var error as RetentionConfigurationError {
            error.file = path
            throw error
        }
    }

    /// The policy in a file's text.
    public static func parse(_ text: String) throws -> RetentionPolicy {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw RetentionConfigurationError(line: error.source.begin.line, message: "Not TOML: \(error.description).")
        }
        var policy = RetentionPolicy.defaults
        let locator = KeyLocator(text: text)
        for key in table.keys where key != "review" {
            throw RetentionConfigurationError(
                line: locator.line(of: key, in: nil),
                message: "Unknown setting '\(key)': the settings are in the [review] table."
            )
        }
        guard let value = table["review"] else { return policy }
        guard let review = value.table else {
            throw RetentionConfigurationError(
                line: locator.line(of: "review", in: nil),
                message: "review must be a table."
            )
        }
        for key in review.keys {
            let line = locator.line(of: key, in: "review")
            if key == "graded" {
                guard let graded = review[key]?.table else {
                    throw RetentionConfigurationError(line: line, message: "graded must be a table ([review.graded]).")
                }
                for letter in graded.keys {
                    let line = locator.line(of: letter, in: "review.graded")
                    guard let assessment = IntelligenceGrading.IntelligenceAssessment(rawValue: letter) else {
                        throw RetentionConfigurationError(
                            line: line,
                            message: "Unknown intelligence assessment '\(letter)': use A, B, C, D or E."
                        )
                    }
                    policy.gradedPeriods[assessment] = try period(graded[letter], key: letter, line: line)
                }
            } else if key == "maximum" {
                policy.maximum = try period(review[key], key: key, line: line)
            } else if let type = RecordType(rawValue: key) {
                policy.periods[type] = try period(review[key], key: key, line: line)
            } else {
                throw RetentionConfigurationError(
                    line: line,
                    message: "Unknown setting '\(key)' in [review]: use sighting, intervention, note, maximum or "
                        + "the table [review.graded]."
                )
            }
        }
        let longest = (policy.periods.values.map { $0 } + policy.gradedPeriods.values.map { $0 })
            .max { $0.approximateDays < $1.approximateDays }
        if let longest, longest.approximateDays > policy.maximum.approximateDays {
            throw RetentionConfigurationError(
                line: locator.line(of: "maximum", in: "review"),
                message: "maximum (\(policy.maximum)) is shorter than a review period (\(longest))."
            )
        }
        return policy
    }

    private static func period(_ value: (any TOMLValueConvertible)?, key: String, line: Int?) throws -> RetentionPeriod
    {
        guard let text = value?.string, let period = RetentionPeriod(text: text) else {
            throw RetentionConfigurationError(
                line: line,
                message: "\(key) must be a period in quotes, such as \"6 years\", \"18 months\" or \"90 days\" "
                    + "(at least a day, at most 100 years)."
            )
        }
        return period
    }
}

/// A retention configuration file that cannot be used: which file, which line, and what is wrong.
public struct RetentionConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var message: String

    public init(file: String? = nil, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        let place = [file, line.map { "line \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return place.isEmpty ? message : "\(place): \(message)"
    }
}

/// Finds the line a key is written on, for error messages (TOMLKit keeps no positions of values).
private struct KeyLocator {
    let lines: [Substring]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The first line (from 1) that sets `key` in table `table` (nil: the top level), as `key =`, `"key" =`, a
    /// dotted key or a table header.
    func line(of key: String, in table: String?) -> Int? {
        var current: String?
        let full = table.map { "\($0).\(key)" } ?? key
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: "#")[0]
                    .trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                if name == full { return index + 1 }
                current = name
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
            let qualified = current.map { "\($0).\(name)" } ?? name
            if qualified == full || (current == table && name == key) { return index + 1 }
        }
        return nil
    }
}
