import Foundation
import Models
import Testing

/// Section 34 authorisations and section 35 directions through the real executable and a real server: a
/// supervisor records the authorisation, it reaches officers' devices (never venue staff's), and a direction is
/// refused on the device unless it cites one in force there or is marked as outside any.
@Suite("Command line: dispersal powers")
struct DispersalCLITests {
    private func run(_ arguments: [String], on device: URL) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--data", device.path])
    }

    private func time(_ offset: TimeInterval) -> String {
        WireCoding.formatDate(Date().addingTimeInterval(offset).truncatedToMilliseconds)
    }

    @Test("an authorisation reaches officers, a direction cites it or is refused, and outside ones are flagged")
    func authorisationAndDirections() throws {
        let server = try ServeProcess()
        let workspace = try makeTemporaryDirectory()
        let venue = try CLIRunner.run([
            "admin", "venue", "add", "--data", server.data.path, "--id", "venue-mathew-st-04", "--name",
            "The Tin Drum", "--licence", "TEST-LCC-PL-0004", "--area", "Liverpool city centre", "--address",
            "10 Mathew Street, Liverpool", "--latitude", "53.4062", "--longitude=-2.9877",
        ])
        #expect(venue.status == 0, "stderr was: \(venue.stderr)")
        let supervisor = try server.enrolDevice(
            "dev-ps0311",
            user: "PS-0311",
            role: "supervisor",
            in: workspace.appendingPathComponent("supervisor")
        )
        let officer = try server.enrolDevice("dev-pc4127", user: "PC-4127", in: workspace.appendingPathComponent("o"))
        let door = try server.enrolDevice(
            "dev-tin-drum-door",
            user: "SIA-1012-0004",
            role: "venue-staff",
            venue: "venue-mathew-st-04",
            in: workspace.appendingPathComponent("door")
        )

        // Only a supervisor records one; it lasts at most 48 hours.
        let authorise = [
            "authorisation", "add", "--street", "Mathew Street", "--starts-at", time(-3600), "--grounds",
            "Reports of predatory behaviour around Mathew Street tonight.",
        ]
        let byOfficer = try run(authorise + ["--ends-at", time(5 * 3600)], on: officer)
        #expect(byOfficer.status != 0)
        #expect(byOfficer.stderr.contains("Only a supervisor"), "stderr was: \(byOfficer.stderr)")
        let tooLong = try run(authorise + ["--ends-at", time(48 * 3600)], on: supervisor)
        #expect(tooLong.status != 0)
        #expect(tooLong.stderr.contains("at most 48 hours"), "stderr was: \(tooLong.stderr)")
        let added = try run(authorise + ["--ends-at", time(5 * 3600)], on: supervisor)
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        let authorisationId = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try run(["sync"], on: supervisor).status == 0)

        // Before the officer's device has it, a direction on Mathew Street is refused, plainly.
        let direction = ["intervention", "add", "--action", "dispersal-direction", "--outcome", "dispersed"]
        let unknown = try run(direction + ["--place", "Mathew Street"], on: officer)
        #expect(unknown.status != 0)
        #expect(
            unknown.stderr.contains("No section 34 authorisation in force at this time and place is known"),
            "stderr was: \(unknown.stderr)"
        )
        #expect(try run(["list", "--format", "csv"], on: officer).stdout.split(whereSeparator: \.isNewline).count == 1)

        #expect(try run(["sync"], on: officer).status == 0)
        let listed = try run(["authorisation", "list"], on: officer)
        #expect(listed.stdout.contains(String(authorisationId.prefix(8))), "\(listed.stdout)")

        // Inside: the device cites it by itself.
        let inside = try run(direction + ["--place", "mathew street, by the Cavern"], on: officer)
        #expect(inside.status == 0, "stderr was: \(inside.stderr)")
        #expect(inside.stderr.contains("Citing section 34 authorisation \(authorisationId)"), "\(inside.stderr)")
        let insideId = inside.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shownInside = try run(["show", insideId], on: officer)
        #expect(
            shownInside.stdout.contains("under section 34 authorisation \(authorisationId)"),
            "\(shownInside.stdout)"
        )

        // Outside its locality: refused unless marked, and then flagged.
        let boldStreet = try run(direction + ["--place", "Bold Street"], on: officer)
        #expect(boldStreet.status != 0)
        let citedElsewhere = try run(
            direction + ["--place", "Bold Street", "--authorisation", authorisationId],
            on: officer
        )
        #expect(citedElsewhere.status != 0)
        #expect(citedElsewhere.stderr.contains("outside the locality"), "stderr was: \(citedElsewhere.stderr)")
        let marked = try run(direction + ["--place", "Bold Street", "--outside-authorisation"], on: officer)
        #expect(marked.status == 0, "stderr was: \(marked.stderr)")
        let markedId = marked.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try run(["show", markedId], on: officer)
        #expect(
            shown.stdout.contains("OUTSIDE any section 34 authorisation: flagged for supervision"),
            "\(shown.stdout)"
        )
        #expect(try run(["list"], on: officer).stdout.contains("[dispersal outside any authorisation]"))

        // The flags belong to a dispersal direction only.
        let stray = try run(
            [
                "intervention", "add", "--action", "engagement", "--outcome", "advice-given", "--place", "Bold Street",
                "--outside-authorisation",
            ],
            on: officer
        )
        #expect(stray.status != 0)
        #expect(stray.stderr.contains("dispersal-direction only"), "stderr was: \(stray.stderr)")

        // The server takes both, and the supervisor finds the flagged one.
        #expect(try run(["sync"], on: officer).status == 0)
        let search = try run(
            ["search", "--reason", "Dispersal review", "--action", "dispersal-direction", "--format", "table"],
            on: supervisor
        )
        #expect(search.stdout.contains("[dispersal outside any authorisation]"), "\(search.stdout)")

        // Venue staff never receive it.
        #expect(try run(["sync"], on: door).status == 0)
        let doorList = try run(["authorisation", "list"], on: door)
        #expect(doorList.stdout.contains("No section 34 authorisations."), "\(doorList.stdout)")
        #expect(!(try run(["list", "--format", "json"], on: door).stdout.contains(authorisationId)))
    }
}
