import Foundation
import Sync
import Testing

/// A lost device gives nothing away: content at rest is encrypted, the key opens only with the officer's secret
/// and stays unlocked only for a while. Through the real executable and a real `serve` process.
@Suite("Command line: device encryption")
struct DeviceEncryptionCLITests {
    /// Strings that appear nowhere else, one for each kind of free text a device keeps.
    static let canaries = [
        "Narwhal-Quince-7301 narrative", "Axolotl-Tundra-2284 place", "Pangolin-Vellum-5519 clothing",
        "Okapi-Saffron-6642 features", "Tapir-Juniper-8830 note", "Gecko-Lattice-1197 intervention notes",
        "Caracal-Mosaic-4406 amended place", "Dugong-Pewter-3375 amendment reason",
        "Kinkajou-Basalt-9923 pulled narrative",
    ]

    private func run(_ arguments: [String], on device: URL) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--data", device.path])
    }

    /// Every regular file under `directory`, recursively (the database, its WAL and SHM, the token, anything).
    private func allFiles(under directory: URL) throws -> [URL] {
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        return try (enumerator?.allObjects as? [URL] ?? []).filter {
            try $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true
        }
    }

    /// The files under `directory` and the needles found in their bytes.
    private func occurrences(of needles: [String], under directory: URL) throws -> [String] {
        try allFiles(under: directory).flatMap { file in
            let bytes = try Data(contentsOf: file)
            return needles.filter { bytes.range(of: Data($0.utf8)) != nil }.map { "\($0) in \(file.lastPathComponent)" }
        }
    }

    /// A sighting with every free-text field set to a canary; its id.
    private func recordCanaries(on device: URL) throws -> String {
        let sighting = try run(
            [
                "sighting", "add", "--place", Self.canaries[1], "--behaviour", "repeated-approaches", "--risk",
                "medium", "--narrative", Self.canaries[0], "--subject-clothing", Self.canaries[2],
                "--subject-features", Self.canaries[3],
            ],
            on: device
        )
        #expect(sighting.status == 0, "stderr was: \(sighting.stderr)")
        let id = sighting.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let note = try run(["note", "add", "--record", id, "--text", Self.canaries[4]], on: device)
        #expect(note.status == 0, "stderr was: \(note.stderr)")
        let intervention = try run(
            [
                "intervention", "add", "--follows", id, "--place", "Seel Street", "--action", "stop-and-account",
                "--outcome", "advice-given", "--notes", Self.canaries[5],
            ],
            on: device
        )
        #expect(intervention.status == 0, "stderr was: \(intervention.stderr)")
        let amended = try run(
            ["amend", id, "--field", "place", "--value", Self.canaries[6], "--reason", Self.canaries[7]],
            on: device
        )
        #expect(amended.status == 0, "stderr was: \(amended.stderr)")
        return id
    }

    /// A file holding `secret`, in a fresh directory.
    private func secretFile(_ secret: String) throws -> URL {
        let file = try makeTemporaryDirectory().appendingPathComponent("secret")
        try Data((secret + "\n").utf8).write(to: file)
        return file
    }

    @Test("no narrative, place, description, note, amendment or token can be read from any byte of a device's files")
    func canariesAreNowhereInTheFiles() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let officer = try server.enrolDevice("dev-canary-a", user: "PC-4127", in: workspace.appendingPathComponent("a"))
        let colleague = try server.enrolDevice(
            "dev-canary-b",
            user: "PC-5230",
            in: workspace.appendingPathComponent("b")
        )
        _ = try recordCanaries(on: officer)
        let pulledSighting = try run(
            [
                "sighting", "add", "--place", "Bold Street", "--behaviour", "leering", "--risk", "low",
                "--narrative", Self.canaries[8],
            ],
            on: colleague
        )
        #expect(pulledSighting.status == 0, "stderr was: \(pulledSighting.stderr)")
        // Each device pushes its own and pulls the other's: the token is used, and pulled operations are stored.
        for device in [officer, colleague, officer] {
            let synced = try run(["sync"], on: device)
            #expect(synced.status == 0, "stderr was: \(synced.stderr)")
        }

        // The check can fail: unlocked, the devices read every canary back.
        for device in [officer, colleague] {
            let listed = try run(["list", "--format", "json"], on: device)
            #expect(listed.status == 0, "stderr was: \(listed.stderr)")
            for canary in [Self.canaries[0], Self.canaries[8], Self.canaries[4], Self.canaries[6]] {
                #expect(listed.stdout.contains(canary), "\(canary) is not readable on \(device.lastPathComponent)")
            }
        }
        let tokens = try [officer, colleague].map {
            try #require(try AccessTokenFile.load(from: $0, key: unlockedKey(of: $0)))
        }
        // Every byte of every file left in the data directory (a WAL and SHM too, if any: SQLite folds the WAL
        // into the database when the last process closes it; the in-process test reads them live).
        for device in [officer, colleague] {
            let found = try occurrences(of: Self.canaries + tokens + ["emp_"], under: device)
            #expect(found.isEmpty, "readable without the secret: \(found)")
        }
    }

    @Test("a wrong secret is refused clearly, changes nothing, and leaves a locked device locked")
    func wrongSecretChangesNothing() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-wrong-secret",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        _ = try recordCanaries(on: device)
        #expect(try run(["device", "lock"], on: device).status == 0)
        // What the device holds: every row of its database, and its token file's bytes. (The database file's own
        // bytes are not compared: SQLite's bookkeeping in its header changes whenever it is opened.)
        let database = device.appendingPathComponent(LocalReplica.fileName).path
        let token = device.appendingPathComponent(AccessTokenFile.fileName)
        let before = (try snapshot(ofDatabaseAt: database), try Data(contentsOf: token))

        let wrong = try run(
            ["device", "unlock", "--secret-file", try secretFile("not the right secret at all").path],
            on: device
        )
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("That secret does not unlock this device. Nothing was changed"))
        #expect(try snapshot(ofDatabaseAt: database) == before.0, "a refused unlock changed the database")
        #expect(try Data(contentsOf: token) == before.1, "a refused unlock changed the token file")
        let listed = try run(["list"], on: device)
        #expect(listed.status != 0)
        #expect(listed.stderr.contains("The device is locked: run `empower-cli device unlock`"))

        // The right one still unlocks it.
        let right = try run(["device", "unlock", "--secret-file", CLIAccounts.secretFile.path], on: device)
        #expect(right.status == 0, "stderr was: \(right.stderr)")
        #expect(try run(["list"], on: device).status == 0)
    }

    @Test("locked, every content command says to unlock and changes nothing; status still works")
    func lockedDeviceRefusesContent() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-locked",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        let id = try recordCanaries(on: device)
        let locked = try run(["device", "lock"], on: device)
        #expect(locked.status == 0)
        #expect(locked.stdout.contains("Locked."))
        let before = try snapshot(ofDatabaseAt: device.appendingPathComponent(LocalReplica.fileName).path)
        for arguments in [
            ["sighting", "add", "--place", "Bold Street", "--behaviour", "leering", "--risk", "low"],
            ["note", "add", "--record", id, "--text", "More"],
            [
                "amend", id, "--field", "place", "--value", "X",
                "--reason", "typo",
            ], ["list"], ["show", id], ["sync"],
        ] {
            let refused = try run(arguments, on: device)
            #expect(refused.status != 0, "\(arguments[0]) ran while locked")
            #expect(
                refused.stderr.contains("The device is locked: run `empower-cli device unlock`"),
                "\(arguments[0]): \(refused.stderr)"
            )
        }
        #expect(try snapshot(ofDatabaseAt: device.appendingPathComponent(LocalReplica.fileName).path) == before)
        let status = try run(["status"], on: device)
        #expect(status.status == 0, "stderr was: \(status.stderr)")
        #expect(status.stdout.contains("Pending    4 operations waiting"))
        #expect(status.stdout.contains("Content    locked: run 'empower-cli device unlock'"))
    }

    @Test("an unlock ends by itself when its time is up")
    func unlockExpires() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-expiry",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        let unlocked = try run(
            ["device", "unlock", "--for", "2s", "--secret-file", CLIAccounts.secretFile.path],
            on: device
        )
        #expect(unlocked.status == 0, "stderr was: \(unlocked.stderr)")
        #expect(unlocked.stdout.contains("Unlocked until"))
        #expect(try run(["list"], on: device).status == 0)
        Thread.sleep(forTimeInterval: 3)
        let expired = try run(["list"], on: device)
        #expect(expired.status != 0)
        #expect(expired.stderr.contains("The device is locked: run `empower-cli device unlock`"))
    }

    /// Whether this process has a terminal (then its children could prompt on it, and the test below would wait).
    static let hasTerminal: Bool = {
        let terminal = open("/dev/tty", O_RDWR | O_NOCTTY)
        if terminal >= 0 { close(terminal) }
        return terminal >= 0
    }()

    @Test(
        "with no terminal to ask on and no --secret-file, init and unlock say how to give the secret",
        .enabled(if: !hasTerminal, "a terminal is attached: the command would ask on it")
    )
    func noTerminalNoSecretFile() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        let message = "There is no terminal to ask for the unlock secret on: give it with --secret-file FILE."
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        let token = try CLIAccounts.enrolmentToken(user: "PC-4127", device: "dev-no-tty", serverData: server.data)
        let directory = workspace.appendingPathComponent("device")
        let initialised = try CLIRunner.run([
            "device", "init", "--server", server.url.absoluteString, "--token", token, "--data", directory.path,
        ])
        #expect(initialised.status != 0)
        #expect(initialised.stderr.contains(message), "stderr was: \(initialised.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(LocalReplica.fileName).path))

        // Another officer's: PC-4127's second device would wait for approval (docs/accounts.md).
        let device = try server.enrolDevice("dev-no-tty-2", user: "PC-5310", in: workspace.appendingPathComponent("b"))
        #expect(try run(["device", "lock"], on: device).status == 0)
        let unlocked = try run(["device", "unlock"], on: device)
        #expect(unlocked.status != 0)
        #expect(unlocked.stderr.contains(message), "stderr was: \(unlocked.stderr)")
        #expect(try run(["list"], on: device).stderr.contains("The device is locked"))
    }

    @Test("a short secret is refused before the enrolment token is spent", arguments: ["", "short"])
    func shortSecretRefused(secret: String) throws {
        let server = try ServeProcess()
        defer { server.stop() }
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        let token = try CLIAccounts.enrolmentToken(user: "PC-4127", device: "dev-short", serverData: server.data)
        let directory = try makeTemporaryDirectory().appendingPathComponent("device")
        let refused = try CLIRunner.run([
            "device", "init", "--server", server.url.absoluteString, "--token", token, "--data", directory.path,
            "--secret-file", try secretFile(secret).path,
        ])
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains(secret.isEmpty ? "is empty" : "at least 12 characters"),
            "stderr was: \(refused.stderr)"
        )
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(LocalReplica.fileName).path))
        // The token was not spent.
        let initialised = try CLIAccounts.initDevice(server: server.url, token: token, directory: directory)
        #expect(initialised.status == 0, "stderr was: \(initialised.stderr)")
    }
}
