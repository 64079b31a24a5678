import Foundation
import Testing

/// Every command's `--help`, as an officer reads it on an 80-column terminal: paragraphs wrapped by
/// ArgumentParser alone, never broken where the source text happened to break a line.
@Suite("Help texts")
struct HelpTextCLITests {
    /// The terminal width the help is read at.
    static let width = 80

    /// Every command path of the CLI, from its own command tree (`--experimental-dump-help`), the root first.
    static func commandPaths() throws -> [[String]] {
        let dump = try CLIRunner.run(["--experimental-dump-help"])
        let tree = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let root = try #require(tree["command"] as? [String: Any])
        func paths(_ command: [String: Any], prefix: [String]) -> [[String]] {
            let subcommands = command["subcommands"] as? [[String: Any]] ?? []
            return [prefix]
                + subcommands.flatMap { subcommand -> [[String]] in
                    guard let name = subcommand["commandName"] as? String, name != "help" else { return [] }
                    return paths(subcommand, prefix: prefix + [name])
                }
        }
        return paths(root, prefix: [])
    }

    /// The lines of `help` that a source line break cut, with the line before each.
    ///
    /// In the overview (abstract and discussion) and the arguments' and options' help, two lines in a row with
    /// the same indentation, the second neither a list item (`-`, `*`, a digit, `(default: …)`) nor after a
    /// heading ending in `:`, are one paragraph: if the second line's first word would have fitted on the first
    /// (ArgumentParser wraps at one column less than the width), the wrapping did not break there, the source did. A line that starts in lower case
    /// further left than the line before is an indented line that was too long and wrapped to the margin.
    /// The usage line and the list of subcommands (ArgumentParser's own layout) are not read.
    static func sourceBreaks(in help: String) -> [String] {
        var found: [String] = []
        var section = ""
        var previous: Substring?
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if let colon = line.firstIndex(of: ":"), line.first?.isUppercase == true,
                line[..<colon].allSatisfy({ $0.isUppercase || $0 == " " })
            {
                section = String(line[..<colon])
            }
            defer { previous = line.trimmingCharacters(in: .whitespaces).isEmpty ? nil : line }
            guard section != "USAGE", section != "SUBCOMMANDS", let before = previous else { continue }
            let text = line.drop { $0 == " " }
            guard let first = text.first else { continue }
            let indent = line.count - text.count
            let indentBefore = before.count - before.drop { $0 == " " }.count
            if indent < indentBefore, first.isLowercase {
                found.append("\(before)⏎\(line)")
                continue
            }
            // A list item starts with a bullet and a space, or is an option's row; elsewhere `--database`
            // starting a line is a broken sentence.
            let isListItem =
                ("-*•".contains(first) && text.dropFirst().first == " ") || first == "("
                || (section == "OPTIONS" && first == "-")
            guard indent == indentBefore, !isListItem, !first.isNumber else { continue }
            let firstWord = text.prefix { $0 != " " }
            if before.count + 1 + firstWord.count < width { found.append("\(before)⏎\(line)") }
        }
        return found
    }

    @Test("every command's --help is wrapped by ArgumentParser alone, never broken mid-sentence by the source")
    func noSourceBreaks() throws {
        let paths = try Self.commandPaths()
        try #require(paths.count > 20, "the command tree: \(paths)")
        for path in paths {
            let help = try CLIRunner.run(path + ["--help"], environment: ["COLUMNS": "\(Self.width)"])
            #expect(help.status == 0, "\(path)")
            let breaks = Self.sourceBreaks(in: help.stdout)
            #expect(
                breaks.isEmpty,
                "empower-cli \(path.joined(separator: " ")) --help:\n\(breaks.joined(separator: "\n"))"
            )
        }
    }

    @Test("the check finds a paragraph broken by the source, and passes one wrapped at the width")
    func checkFindsSourceBreaks() {
        let broken = "OVERVIEW: Sync.\n\nRecords stay queued on this device and the\ncommand exits with status 1.\n"
        #expect(Self.sourceBreaks(in: broken).count == 1)
        let wrapped =
            "OVERVIEW: Sync.\n\nWhen the server cannot be reached, nothing is lost: records stay queued on this\n"
            + "device and the command exits with status 1.\n\nExit status:\n  0  done\n  1  not done\n"
        #expect(Self.sourceBreaks(in: wrapped).isEmpty)
        let lostIndent =
            "OVERVIEW: Sync.\n\n  3  operations are parked: refused by the server, or damaged on this\ndevice\n"
        #expect(Self.sourceBreaks(in: lostIndent).count == 1)
    }
}
