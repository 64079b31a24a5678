import Foundation
import Sync
import Testing

/// The real executable, run as a person would run it.
@Suite("Command line")
struct CLITests {
    /// An officer's device in a fresh directory, enrolled through a real server that has stopped since:
    /// everything after enrolment works offline.
    private func makeDevice() throws -> URL {
        let server = try ServeProcess()
        defer { server.stop() }
        return try server.enrolDevice(
            "dev-cli-test",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
    }

    private func databasePath(_ directory: URL) -> String {
        directory.appendingPathComponent(LocalReplica.fileName).path
    }

    /// Bad input, with the words its message must contain.
    struct BadInput: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var message: String
        var testDescription: String { name }
    }

    static let badInputs: [BadInput] = [
        BadInput(
            name: "unknown behaviour",
            arguments: [
                "sighting", "add", "--venue", "venue-concert-sq-01", "--behaviour", "groping", "--risk", "low",
            ],
            message: "'groping' is invalid for '--behaviour"
        ),
        BadInput(
            name: "unknown risk level",
            arguments: ["sighting", "add", "--place", "Bold Street", "--behaviour", "leering", "--risk", "extreme"],
            message: "'extreme' is invalid for '--risk"
        ),
        BadInput(
            name: "missing required option",
            arguments: ["sighting", "add", "--place", "Bold Street", "--behaviour", "leering"],
            message: "Missing expected argument '--risk"
        ),
        BadInput(
            name: "no behaviour",
            arguments: ["sighting", "add", "--place", "Bold Street", "--risk", "low"],
            message: "at least one behaviour"
        ),
        BadInput(
            name: "malformed record id",
            arguments: ["amend", "not-a-uuid", "--field", "place", "--value", "Seel Street", "--reason", "typo"],
            message: "'not-a-uuid' is invalid"
        ),
        BadInput(
            name: "malformed venue id",
            arguments: ["sighting", "add", "--venue", "Bad Venue!", "--behaviour", "leering", "--risk", "low"],
            message: "venue id is not well-formed"
        ),
        BadInput(
            name: "record not on the device",
            arguments: [
                "note", "add", "--record", "0b9e5a52-5f3e-4a0e-9c1b-7d2f4e8a1c33", "--text", "CCTV kept",
            ],
            message: "No record 0b9e5a52-5f3e-4a0e-9c1b-7d2f4e8a1c33 is on this device"
        ),
        BadInput(
            name: "event in the future",
            arguments: [
                "sighting", "add", "--place", "Bold Street", "--behaviour", "leering", "--risk", "low",
                "--occurred-at", "2099-01-01T00:00:00Z",
            ],
            message: "more than five minutes after"
        ),
    ]

    @Test("bad input gets a clear message, a non-zero exit, and leaves the local store unchanged", arguments: badInputs)
    func badInputChangesNothing(input: BadInput) throws {
        let device = try makeDevice()
        let seeded = try CLIRunner.run([
            "sighting", "add", "--place", "Seel Street", "--behaviour", "leering", "--risk", "low", "--data",
            device.path,
        ])
        #expect(seeded.status == 0)
        let before = try snapshot(ofDatabaseAt: databasePath(device))
        let result = try CLIRunner.run(input.arguments + ["--data", device.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(input.message), "stderr was: \(result.stderr)")
        #expect(try snapshot(ofDatabaseAt: databasePath(device)) == before)
    }

    @Test("an unreachable server: a clear message, a non-zero exit, and everything stays queued")
    func unreachableServer() throws {
        let device = try makeDevice()
        let added = try CLIRunner.run([
            "sighting", "add", "--place", "Seel Street", "--behaviour", "leering", "--risk", "low", "--data",
            device.path,
        ])
        #expect(added.status == 0)
        let before = try snapshot(ofDatabaseAt: databasePath(device))
        let result = try CLIRunner.run(["sync", "--timeout", "5", "--data", device.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("could not be reached"))
        #expect(result.stderr.contains("stays queued"))
        #expect(try snapshot(ofDatabaseAt: databasePath(device)) == before)
        let status = try CLIRunner.run(["status", "--data", device.path])
        #expect(status.stdout.contains("Pending    1 operation waiting"))
    }

    @Test("a data directory that is missing, not a directory, or holds a broken database is refused clearly")
    func unusableDataDirectory() throws {
        let workspace = try makeTemporaryDirectory()
        let missing = try CLIRunner.run(["list", "--data", workspace.appendingPathComponent("nowhere").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("No device is set up"))

        let file = workspace.appendingPathComponent("a-file")
        try Data("not a directory".utf8).write(to: file)
        let notDirectory = try CLIRunner.run(["status", "--data", file.path])
        #expect(notDirectory.status != 0)
        #expect(notDirectory.stderr.contains("is not a directory"))

        let broken = workspace.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        let garbage = Data(repeating: 0x5A, count: 4096)
        try garbage.write(to: broken.appendingPathComponent(LocalReplica.fileName))
        let unreadable = try CLIRunner.run(["list", "--data", broken.path])
        #expect(unreadable.status != 0)
        #expect(
            unreadable.stderr.contains(
                "\(broken.appendingPathComponent(LocalReplica.fileName).path) is damaged: it is not an SQLite database"
            ),
            "stderr was: \(unreadable.stderr)"
        )
        #expect(unreadable.stderr.contains("empower-cli device repair"))
        #expect(try Data(contentsOf: broken.appendingPathComponent(LocalReplica.fileName)) == garbage)
    }

    @Test("device init refuses a malformed token or URL, and an occupied directory before spending the token")
    func deviceInit() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        let directory = workspace.appendingPathComponent("device")
        let malformed = try CLIAccounts.initDevice(server: server.url, token: "not a token", directory: directory)
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("not in the form the server gives"), "stderr was: \(malformed.stderr)")
        let badURL = try CLIRunner.run([
            "device", "init", "--server", "ftp://127.0.0.1:8080", "--token", "emp_x", "--data", directory.path,
        ])
        #expect(badURL.status != 0)
        #expect(badURL.stderr.contains("must be an http or https URL"), "stderr was: \(badURL.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path))

        let device = try server.enrolDevice("dev-cli-first", user: "PC-4127", in: directory)
        let before = try snapshot(ofDatabaseAt: databasePath(device))
        let tokenBefore = try Data(contentsOf: device.appendingPathComponent("access-token"))
        try CLIAccounts.addUser("PC-2290", role: "officer", serverData: server.data)
        let token = try CLIAccounts.enrolmentToken(user: "PC-2290", device: "dev-cli-second", serverData: server.data)
        let again = try CLIAccounts.initDevice(server: server.url, token: token, directory: device)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already set up"), "stderr was: \(again.stderr)")
        #expect(try snapshot(ofDatabaseAt: databasePath(device)) == before)
        #expect(try Data(contentsOf: device.appendingPathComponent("access-token")) == tokenBefore)
        // The token was not spent: it still sets up a device elsewhere.
        let elsewhere = try CLIAccounts.initDevice(
            server: server.url,
            token: token,
            directory: workspace.appendingPathComponent("second")
        )
        #expect(elsewhere.status == 0, "stderr was: \(elsewhere.stderr)")
        #expect(elsewhere.stdout.contains("Device dev-cli-second is enrolled for PC-2290 (officer)"))
    }

    @Test("an amendment keeps the original value visible in 'show'")
    func amendmentKeepsOriginal() throws {
        let device = try makeDevice()
        let added = try CLIRunner.run([
            "sighting", "add", "--place", "Seel Stret, by the taxi rank", "--behaviour", "following", "--risk",
            "medium", "--data", device.path,
        ])
        #expect(added.status == 0)
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let amended = try CLIRunner.run([
            "amend", id, "--field", "place", "--value", "Seel Street, by the taxi rank", "--reason",
            "Street name mistyped", "--data", device.path,
        ])
        #expect(amended.status == 0, "amend failed: \(amended.stderr)")
        let shown = try CLIRunner.run(["show", id, "--data", device.path])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("where      Seel Street, by the taxi rank"))
        #expect(shown.stdout.contains("~~Seel Stret, by the taxi rank~~ → Seel Street, by the taxi rank"))
        #expect(shown.stdout.contains("reason: Street name mistyped"))
        #expect(shown.stdout.contains("PC-4127"))
    }

    @Test("record, sync through a real 'serve' process, and list: the loop from the command line")
    func loopThroughServeProcess() throws {
        let workspace = try makeTemporaryDirectory()
        let server = try ServeProcess(data: workspace.appendingPathComponent("central"))
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-cli-test",
            user: "PC-4127",
            in: workspace.appendingPathComponent("first")
        )
        let sighting = try CLIRunner.run([
            "sighting", "add", "--venue", "venue-concert-sq-01", "--behaviour", "repeated-approaches", "--risk",
            "medium", "--data", device.path,
        ])
        let id = sighting.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let intervention = try CLIRunner.run([
            "intervention", "add", "--follows", id, "--venue", "venue-concert-sq-01", "--action", "stop-and-account",
            "--outcome", "advice-given", "--data", device.path,
        ])
        #expect(intervention.status == 0, "\(intervention.stderr)")
        let synced = try CLIRunner.run(["sync", "--data", device.path])
        #expect(synced.status == 0, "\(synced.stderr)")
        #expect(synced.stdout.contains("Pushed 2 operations"))

        let second = try server.enrolDevice(
            "dev-cli-second",
            user: "PC-2290",
            in: workspace.appendingPathComponent("second")
        )
        // The sync engine's log goes to standard error at EMPOWER_LOG_LEVEL; by default nothing of it shows.
        #expect(!synced.stderr.contains("empower.sync"), "\(synced.stderr)")
        let pulled = try CLIRunner.run(
            ["sync", "--data", second.path],
            environment: ["EMPOWER_LOG_LEVEL": "debug"]
        )
        #expect(pulled.stdout.contains("pulled 2 new"))
        #expect(pulled.stderr.contains("cursor moved"), "\(pulled.stderr)")
        let listed = try CLIRunner.run(["list", "--format", "csv", "--data", second.path])
        #expect(listed.stdout.contains(id))
        // A header and two rows (CSV lines end in CRLF).
        #expect(listed.stdout.split(whereSeparator: \.isNewline).count == 3)

        // SIGTERM drains and stops the server cleanly.
        server.stop()
        #expect(server.termination.reason == .exit)
        #expect(server.termination.status == 0)
    }
}
