import Foundation
import Testing

/// `list --night` and `search --night`: records grouped and filtered by operational night (18:00 to 06:00,
/// Europe/London), across both clock changes; and `show` and CSV telling facts from assessments.
@Suite("Command line: operational nights, fact and assessment")
struct OperationalNightCLITests {
    /// Records a sighting on `device` at `time` and returns its id.
    private func sighting(at time: String, on device: URL) throws -> String {
        let added = try CLIRunner.run([
            "sighting", "add", "--venue", "venue-concert-sq-01", "--behaviour", "following", "--risk", "medium",
            "--occurred-at", time, "--data", device.path,
        ])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        return added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The ids a CSV listing holds, in order.
    private func ids(_ csv: String) -> [String] {
        csv.split(whereSeparator: \.isNewline).dropFirst().map { String($0.prefix(36)) }
    }

    @Test("list --night and search --night hold the records of that night only, across both clock changes")
    func nightsAcrossClockChanges() throws {
        let server = try ServeProcess()
        let workspace = try makeTemporaryDirectory()
        let officer = try server.enrolDevice(
            "dev-night-officer",
            user: "PC-4127",
            in: workspace.appendingPathComponent("o")
        )
        // March: 18:00 GMT on the 28th to 06:00 BST (05:00 UTC) on the 29th.
        let marchEvening = try sighting(at: "2026-03-28T18:30:00Z", on: officer)
        let marchLastHour = try sighting(at: "2026-03-29T04:30:00Z", on: officer)  // 05:30 BST
        let marchMorning = try sighting(at: "2026-03-29T05:30:00Z", on: officer)  // 06:30 BST: daytime
        // October: 18:00 BST (17:00 UTC) on the 24th to 06:00 GMT on the 25th, 01:00-02:00 twice.
        let octoberAfternoon = try sighting(at: "2026-10-24T16:30:00Z", on: officer)  // 17:30 BST: daytime
        let octoberFirstPass = try sighting(at: "2026-10-25T00:30:00Z", on: officer)  // 01:30 BST
        let octoberSecondPass = try sighting(at: "2026-10-25T01:30:00Z", on: officer)  // 01:30 GMT
        let octoberLastHour = try sighting(at: "2026-10-25T05:30:00Z", on: officer)  // 05:30 GMT

        let march = try CLIRunner.run(["list", "--night", "2026-03-28", "--format", "csv", "--data", officer.path])
        #expect(march.status == 0, "stderr was: \(march.stderr)")
        #expect(ids(march.stdout) == [marchEvening, marchLastHour])
        let october = try CLIRunner.run(["list", "--night", "2026-10-24", "--format", "csv", "--data", officer.path])
        #expect(ids(october.stdout) == [octoberFirstPass, octoberSecondPass, octoberLastHour])

        // The table groups by night, with daytime records apart.
        let table = try CLIRunner.run(["list", "--data", officer.path])
        #expect(table.status == 0)
        let headings = table.stdout.split(whereSeparator: \.isNewline).filter {
            $0.hasPrefix("Night of") || $0.hasPrefix("Daytime")
        }
        #expect(
            headings == [
                "Night of 2026-03-28 (2026-03-28 18:00 GMT to 2026-03-29 06:00 BST)",
                "Daytime (06:00 to 18:00, in no operational night)",
                "Night of 2026-10-24 (2026-10-24 18:00 BST to 2026-10-25 06:00 GMT)",
            ] as [Substring],
            "\(table.stdout)"
        )
        #expect(table.stdout.contains(String(marchMorning.prefix(8))))
        #expect(table.stdout.contains(String(octoberAfternoon.prefix(8))))

        // A supervisor's search asks the server for the same night.
        let pushed = try CLIRunner.run(["sync", "--data", officer.path])
        #expect(pushed.status == 0, "stderr was: \(pushed.stderr)")
        let supervisor = try server.enrolDevice(
            "dev-night-supervisor",
            user: "PS-0311",
            role: "supervisor",
            in: workspace.appendingPathComponent("s")
        )
        let searched = try CLIRunner.run([
            "search", "--reason", "Night review", "--night", "2026-10-24", "--format", "csv", "--data", supervisor.path,
        ])
        #expect(searched.status == 0, "stderr was: \(searched.stderr)")
        #expect(ids(searched.stdout) == [octoberFirstPass, octoberSecondPass, octoberLastHour])
    }

    @Test("a night that is not a date is refused plainly", arguments: ["2026-02-30", "tonight", "2026-10-24T18:00Z"])
    func badNight(_ night: String) throws {
        let listed = try CLIRunner.run(["list", "--night", night, "--data", try makeTemporaryDirectory().path])
        #expect(listed.status != 0)
        #expect(listed.stderr.contains("--night"), "stderr was: \(listed.stderr)")
    }

    @Test("show and CSV mark observed facts apart from the recorder's assessment")
    func factAndAssessment() throws {
        let server = try ServeProcess()
        let device = try server.enrolDevice(
            "dev-fact-officer",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("o")
        )
        let added = try CLIRunner.run([
            "sighting", "add", "--venue", "venue-concert-sq-01", "--behaviour", "repeated-approaches", "--risk", "high",
            "--narrative", "Approached four women.", "--data", device.path,
        ])
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try CLIRunner.run(["show", id, "--data", device.path])
        let lines = shown.stdout.split(whereSeparator: \.isNewline)
        #expect(lines.contains { $0.hasPrefix("  risk       high") && $0.hasSuffix("[assessment]") }, "\(shown.stdout)")
        #expect(lines.contains { $0.hasPrefix("  behaviours") && $0.hasSuffix("[fact]") }, "\(shown.stdout)")
        #expect(lines.contains { $0.hasPrefix("  narrative") && $0.hasSuffix("[account]") }, "\(shown.stdout)")
        let csv = try CLIRunner.run(["list", "--format", "csv", "--data", device.path])
        let header = csv.stdout.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        #expect(header.contains("fact:behaviours") && header.contains("assessment:riskLevel"), "\(header)")
        let json = try CLIRunner.run(["list", "--format", "json", "--data", device.path])
        #expect(json.stdout.contains("\"sighting.riskLevel\" : \"assessment\""), "\(json.stdout)")
    }
}
