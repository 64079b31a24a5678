import Foundation
import Testing

/// Retention review for real: `serve` with a retention configuration file.
@Suite("Command line: retention review")
struct RetentionReviewCLITests {
    private func config(_ text: String) throws -> String {
        let file = try makeTemporaryDirectory().appendingPathComponent("retention.toml")
        try Data(text.utf8).write(to: file)
        return file.path
    }

    @Test("a wrong configuration file stops serve at start, naming its line")
    func badConfiguration() throws {
        let file = try config("[review]\nsighting = \"6 years\"\nintervention = \"six years\"\n")
        let data = try makeTemporaryDirectory().appendingPathComponent("central")
        let result = try CLIRunner.run(["serve", "--port", "0", "--data", data.path, "--retention-config", file])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(file), line 3: intervention must be a period"), "\(result.stderr)")
        #expect(!result.stdout.contains("Empower central server on"))
    }
}
