import Foundation
import Testing

/// A venue the server does not know, through the real executable and server: refused by the device when it is
/// recorded once the device has the venue list; recorded before the first sync (no list yet), it is refused at
/// the push, parked with its reason, shown by `status` and signalled by `sync`'s exit status — never lost silently.
@Suite("Command line: unknown venues")
struct UnknownVenueCLITests {
    @Test("an unknown venue: parked at sync before the venue list, refused at once after it, resent once added")
    func unknownVenue() throws {
        let server = try ServeProcess(arguments: [
            "--venues", fixturesDirectory.appendingPathComponent("venues.json").path,
        ])
        defer { server.stop() }
        let device = try makeTemporaryDirectory().appendingPathComponent("officer")
        try server.enrolDevice("dev-pc-01", user: "PC-4127", in: device)
        func run(_ arguments: [String]) throws -> CLIRunner.Result {
            try CLIRunner.run(arguments + ["--data", device.path])
        }
        func sighting(at venue: String) throws -> CLIRunner.Result {
            try run(["sighting", "add", "--venue", venue, "--behaviour", "leering", "--risk", "low"])
        }

        // Never synced: the device has no venue list, so the server judges.
        let early = try sighting(at: "venue-nowhere-99")
        #expect(early.status == 0, "stderr was: \(early.stderr)")
        #expect(try sighting(at: "venue-concert-sq-01").status == 0)
        let synced = try run(["sync"])
        #expect(synced.status == 3, "stdout: \(synced.stdout) stderr: \(synced.stderr)")
        let status = try run(["status"])
        #expect(status.stdout.contains("unknown-venue"), "stdout was: \(status.stdout)")
        #expect(status.stdout.contains("venue-nowhere-99"), "stdout was: \(status.stdout)")

        // Synced: the venue list came with it, and an officer learns at once.
        let late = try sighting(at: "venue-nowhere-99")
        #expect(late.status != 0)
        #expect(late.stderr.contains("venue-nowhere-99") && late.stderr.contains("known venues"), "\(late.stderr)")
        let known = try sighting(at: "venue-seel-st-03")
        #expect(known.status == 0, "stderr was: \(known.stderr)")

        // An administrator adds the venue: the next sync brings the list, the one after sends the parked sighting.
        let added = try CLIRunner.run([
            "admin", "venue", "add", "--data", server.data.path, "--id", "venue-nowhere-99", "--name", "The New Bar",
            "--licence", "LIC-0099", "--area", "Liverpool city centre", "--address", "99 Bold Street, Liverpool",
            "--latitude", "53.4029", "--longitude=-2.9806",
        ])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        let listed = try run(["sync"])
        let resent = try run(["sync"])
        #expect(resent.status == 0, "stdout: \(resent.stdout) stderr: \(resent.stderr)")
        // Between them, the two syncs sent the sighting at the known venue and the parked one, each once.
        let pushed = [listed, resent].compactMap { run in
            run.stdout.firstMatch(of: /Pushed (\d+) operation/).flatMap { Int($0.1) }
        }
        #expect(pushed.reduce(0, +) == 2, "stdout: \(listed.stdout) \(resent.stdout)")
        let settled = try run(["status"])
        #expect(!settled.stdout.contains("unknown-venue"), "stdout was: \(settled.stdout)")
    }
}
