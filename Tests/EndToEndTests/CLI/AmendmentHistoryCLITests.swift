import Foundation
import Testing

/// Issue 12, "history says what each person saw": two corrections of the same field made apart, neither device
/// seeing the other's, through the real executable and a real `serve` process.
@Suite("Command line: amendment history")
struct AmendmentHistoryCLITests {
    static let venue = "venue-concert-sq-01"

    private func run(_ arguments: [String], on device: URL) throws -> String {
        let result = try CLIRunner.run(arguments + ["--data", device.path])
        #expect(result.status == 0, "\(arguments.prefix(2)) failed: \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("crossed corrections: every replica's 'show' says what each amender replaced, and that they crossed")
    func crossedCorrections() throws {
        let workspace = try makeTemporaryDirectory()
        let server = try ServeProcess(data: workspace.appendingPathComponent("central"))
        defer { server.stop() }
        let venue = try CLIRunner.run([
            "admin", "venue", "add", "--data", server.data.path, "--id", Self.venue, "--name", "Concert Square bars",
            "--licence", "TEST-LCC-PL-0012", "--area", "Liverpool city centre", "--address",
            "Concert Square, Liverpool", "--latitude", "53.4026", "--longitude=-2.9810",
        ])
        #expect(venue.status == 0, "stderr was: \(venue.stderr)")
        let officer = try server.enrolDevice(
            "dev-hist-officer",
            user: "PC-4127",
            in: workspace.appendingPathComponent("officer")
        )
        let supervisor = try server.enrolDevice(
            "dev-hist-supervisor",
            user: "PS-0311",
            role: "supervisor",
            in: workspace.appendingPathComponent("supervisor")
        )
        let reader = try server.enrolDevice(
            "dev-hist-reader",
            user: "PS-0412",
            role: "supervisor",
            in: workspace.appendingPathComponent("reader")
        )
        let door = try server.enrolDevice(
            "dev-hist-door",
            user: "SIA-1012-0001",
            role: "venue-staff",
            venue: Self.venue,
            in: workspace.appendingPathComponent("door")
        )

        // The officer records the sighting at Concert Square; the supervisor's device receives it.
        let id = try run(
            [
                "sighting", "add", "--venue", Self.venue, "--place", "Concert Square", "--behaviour", "following",
                "--risk", "low",
            ],
            on: officer
        )
        _ = try run(["sync"], on: officer)
        _ = try run(["sync"], on: supervisor)
        // The officer corrects it to Seel Street and syncs; the supervisor, not synced since, has only ever seen
        // Concert Square, and corrects that to Wood Street.
        _ = try run(
            ["amend", id, "--field", "place", "--value", "Seel Street", "--reason", "Wrong street"],
            on: officer
        )
        _ = try run(["sync"], on: officer)
        _ = try run(
            ["amend", id, "--field", "place", "--value", "Wood Street", "--reason", "Checked the CCTV"],
            on: supervisor
        )
        for device in [supervisor, officer, reader, door] { _ = try run(["sync"], on: device) }

        var shown: [String] = []
        for device in [officer, supervisor, reader] {
            let text = try run(["show", id], on: device)
            shown.append(text)
            #expect(text.contains("where      \(Self.venue) — Wood Street"), "\(text)")
            let lines = text.split(separator: "\n").map(String.init)
            let seel = try #require(lines.firstIndex { $0.contains("PC-4127: place ~~Concert Square~~ → Seel Street") })
            let wood = try #require(
                lines.firstIndex { $0.contains("PS-0311: place ~~Concert Square~~ → Wood Street") },
                "the Wood Street correction does not show what its amender replaced:\n\(text)"
            )
            #expect(seel < wood)
            #expect(lines[seel].contains("superseded") && lines[wood].contains("current"))
            // Said plainly, under the correction that crossed the other.
            #expect(
                lines[wood + 1].contains("made without seeing the change to 'Seel Street' by PC-4127"),
                "\(text)"
            )
            #expect(!text.contains("~~Seel Street~~"), "the history names a value its amender never saw:\n\(text)")
            #expect(lines.filter { $0.contains("made without seeing") }.count == 1, "\(text)")
        }
        #expect(Set(shown).count == 1, "the replicas show different histories:\n\(shown.joined(separator: "\n\n"))")

        // Venue staff see the place (what they may), and the police only as police.
        let doorShown = try run(["show", id], on: door)
        #expect(doorShown.contains("POLICE: place ~~Concert Square~~ → Wood Street"), "\(doorShown)")
        #expect(doorShown.contains("made without seeing the change to 'Seel Street' by POLICE"), "\(doorShown)")
        for identity in ["PC-4127", "PS-0311", "dev-hist-officer", "dev-hist-supervisor"] {
            #expect(!doorShown.contains(identity), "venue staff see \(identity)")
        }

        // The server holds the same history, as its API answers it.
        let searched = try run(["search", "--reason", "Issue 12 check", "--format", "json"], on: reader)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(searched.utf8)) as? [String: Any])
        let record = try #require((list["records"] as? [[String: Any]])?.first)
        let entries = try #require(record["amendments"] as? [[String: Any]])
        #expect(entries.count == 2)
        let crossed = try #require(entries.last)
        #expect((crossed["amendment"] as? [String: Any])?["replaced"] as? String == "Concert Square")
        #expect(crossed["previousValue"] as? String == "Seel Street")
        let unseen = (crossed["crossing"] as? [String: Any])?["unseen"] as? [String: Any]
        #expect(unseen?["author"] as? String == "PC-4127")
        #expect(entries.first?["crossing"] == nil)
    }
}
