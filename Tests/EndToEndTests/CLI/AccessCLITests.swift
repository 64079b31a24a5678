import Central
import Foundation
import GRDB
import Sync
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Enrolment, tokens, revocation, the admin commands and the audit log, through the real executable and a real
/// `serve` process.
@Suite("Command line: access")
struct AccessCLITests {
    private func databasePath(_ directory: URL) -> String {
        directory.appendingPathComponent(LocalReplica.fileName).path
    }

    /// The permission bits of a file.
    private func permissions(_ url: URL) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("device init keeps the access token in a 0600 file and never prints it")
    func accessTokenFile() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let directory = try makeTemporaryDirectory().appendingPathComponent("device")
        let venue = try CLIRunner.run([
            "admin", "venue", "add", "--data", server.data.path, "--id", "venue-seel-st-03", "--name", "Copperline Bar",
            "--licence", "TEST-LCC-PL-0002", "--area", "Liverpool city centre", "--address",
            "48 Seel Street, Liverpool",
            "--latitude", "53.4022", "--longitude=-2.9806",
        ])
        #expect(venue.status == 0, "stderr was: \(venue.stderr)")
        try CLIAccounts.addUser(
            "SIA-1012-0001",
            role: "venue-staff",
            venue: "venue-seel-st-03",
            serverData: server.data
        )
        let enrolment = try CLIAccounts.enrolmentToken(
            user: "SIA-1012-0001",
            device: "dev-copperline-door",
            serverData: server.data
        )
        let initialised = try CLIAccounts.initDevice(server: server.url, token: enrolment, directory: directory)
        #expect(initialised.status == 0, "stderr was: \(initialised.stderr)")
        // The identity comes from the server.
        #expect(initialised.stdout.contains("Device dev-copperline-door is enrolled for SIA-1012-0001 (venue-staff)"))

        let file = directory.appendingPathComponent("access-token")
        #expect(try permissions(file) == 0o600)
        // Sealed with the device's key: the file itself does not give the token away.
        let token = try #require(try AccessTokenFile.load(from: directory, key: unlockedKey(of: directory)))
        #expect(token.hasPrefix("emp_") && token.count == 47, "not an access token: \(token.count) characters")
        #expect(try Data(contentsOf: file).range(of: Data("emp_".utf8)) == nil)
        #expect(token != enrolment)
        for output in [initialised.stdout, initialised.stderr] {
            #expect(!output.contains(token), "device init printed the access token")
            #expect(!output.contains(String(token.dropFirst(4).prefix(16))), "device init printed part of the token")
            #expect(!output.contains(enrolment), "device init printed the enrolment token")
        }
        // Nowhere in the device's database either.
        #expect(try !snapshot(ofDatabaseAt: databasePath(directory)).contains { $0.contains(token) })
        let replica = try LocalReplica.open(in: directory, key: nil)
        #expect(try replica.identity().venueId == "venue-seel-st-03")

        // And it is the token the server knows the device by: a sync works with it.
        let added = try CLIRunner.run([
            "sighting", "add", "--venue", "venue-seel-st-03", "--behaviour", "leering", "--risk", "low", "--data",
            directory.path,
        ])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        let synced = try CLIRunner.run(["sync", "--data", directory.path])
        #expect(synced.status == 0, "stderr was: \(synced.stderr)")
        #expect(synced.stdout.contains("Pushed 1 operation"))
        #expect(!synced.stdout.contains(token) && !synced.stderr.contains(token))
    }

    @Test("an enrolment token sets up one device only: a second init is refused and creates nothing")
    func enrolmentTokenIsOneTime() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        let token = try CLIAccounts.enrolmentToken(user: "PC-4127", device: "dev-pc4127", serverData: server.data)
        let first = try CLIAccounts.initDevice(
            server: server.url,
            token: token,
            directory: workspace.appendingPathComponent("first")
        )
        #expect(first.status == 0, "stderr was: \(first.stderr)")

        let second = workspace.appendingPathComponent("second")
        let again = try CLIAccounts.initDevice(server: server.url, token: token, directory: second)
        #expect(again.status != 0)
        #expect(again.stderr.contains("did not accept the enrolment token"), "stderr was: \(again.stderr)")
        #expect(again.stderr.contains("used already"))
        let left = (try? FileManager.default.contentsOfDirectory(atPath: second.path)) ?? []
        #expect(left.isEmpty, "the refused init left \(left)")
        // The first device is untouched and still syncs.
        let synced = try CLIRunner.run(["sync", "--data", workspace.appendingPathComponent("first").path])
        #expect(synced.status == 0, "stderr was: \(synced.stderr)")
    }

    @Test("a revoked device: sync fails clearly, says what stays queued, and changes nothing on the device")
    func revokedDevice() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            "dev-pc4127",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        for place in ["Seel Street", "Bold Street"] {
            let added = try CLIRunner.run([
                "sighting", "add", "--place", place, "--behaviour", "leering", "--risk", "low", "--data", device.path,
            ])
            #expect(added.status == 0, "stderr was: \(added.stderr)")
        }
        let revoked = try CLIRunner.run([
            "admin", "device", "revoke", "--data", server.data.path, "--device", "dev-pc4127",
        ])
        #expect(revoked.status == 0, "stderr was: \(revoked.stderr)")
        #expect(revoked.stdout.contains("Device dev-pc4127 is revoked"))

        let before = try snapshot(ofDatabaseAt: databasePath(device))
        let result = try CLIRunner.run(["sync", "--timeout", "10", "--data", device.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("revoked or has expired"), "stderr was: \(result.stderr)")
        #expect(result.stderr.contains("2 operations stay queued"), "stderr was: \(result.stderr)")
        #expect(try snapshot(ofDatabaseAt: databasePath(device)) == before)
        #expect(try Crash.operationCount(server.databasePath) == 0)
        let status = try CLIRunner.run(["status", "--data", device.path])
        #expect(status.stdout.contains("Pending    2 operations waiting"), "status was: \(status.stdout)")
    }

    /// Bad input to `admin`, with the words its message must contain.
    struct BadAdminInput: CustomTestStringConvertible, Sendable {
        var name: String
        /// The arguments; `DATA`, `URL` and `FILE` stand for the server's directory, its URL and a token file.
        var arguments: [String]
        var message: String
        var testDescription: String { name }
    }

    static let badAdminInputs: [BadAdminInput] = [
        BadAdminInput(
            name: "unknown role",
            arguments: ["admin", "user", "add", "--data", "DATA", "--id", "PC-5001", "--role", "chief"],
            message: "'chief' is invalid for '--role"
        ),
        BadAdminInput(
            name: "venue staff without a venue",
            arguments: ["admin", "user", "add", "--data", "DATA", "--id", "SIA-1012-5001", "--role", "venue-staff"],
            message: "Venue staff need a venue (--venue)"
        ),
        BadAdminInput(
            name: "both --data and --server",
            arguments: [
                "admin", "user", "add", "--data", "DATA", "--server", "URL", "--token-file", "FILE", "--id", "PC-5001",
                "--role", "officer",
            ],
            message: "Give one of --data DIR or --database URL (on the server), or --server URL with --token-file FILE"
        ),
        BadAdminInput(
            name: "--server without --token-file",
            arguments: ["admin", "user", "add", "--server", "URL", "--id", "PC-5001", "--role", "officer"],
            message: "--server needs --token-file FILE"
        ),
        BadAdminInput(
            name: "a token file that is not there",
            arguments: [
                "admin", "user", "add", "--server", "URL", "--token-file", "MISSING", "--id", "PC-5001", "--role",
                "officer",
            ],
            message: "cannot be read or is empty"
        ),
    ]

    @Test("admin: bad input gets a clear message, a non-zero exit, and writes nothing", arguments: badAdminInputs)
    func badAdminInput(input: BadAdminInput) throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let tokenFile = try makeTemporaryDirectory().appendingPathComponent("admin-token")
        try AdminToken.make(server: server, out: tokenFile)
        let before = try snapshot(ofDatabaseAt: server.databasePath)
        let arguments = input.arguments.map { argument in
            switch argument {
            case "DATA": server.data.path
            case "URL": server.url.absoluteString
            case "FILE": tokenFile.path
            case "MISSING": tokenFile.deletingLastPathComponent().appendingPathComponent("no-such-file").path
            default: argument
            }
        }
        let result = try CLIRunner.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(input.message), "stderr was: \(result.stderr)")
        #expect(try snapshot(ofDatabaseAt: server.databasePath) == before)
        let users = try CLIRunner.run(["admin", "user", "list", "--data", server.data.path])
        #expect(users.status == 0)
        #expect(!users.stdout.contains("5001"))
    }

    @Test("admin audit verify: intact on an untouched server, exit 1 naming the entry after a body is changed")
    func auditVerify() throws {
        let server = try ServeProcess()
        let device = try server.enrolDevice(
            "dev-pc4127",
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        let added = try CLIRunner.run([
            "sighting", "add", "--place", "Seel Street", "--behaviour", "leering", "--risk", "low", "--data",
            device.path,
        ])
        #expect(added.status == 0)
        let synced = try CLIRunner.run(["sync", "--data", device.path])
        #expect(synced.status == 0, "stderr was: \(synced.stderr)")

        let intact = try CLIRunner.run(["admin", "audit", "verify", "--data", server.data.path])
        #expect(intact.status == 0, "stderr was: \(intact.stderr)")
        #expect(intact.stdout.contains("The audit log is intact"), "stdout was: \(intact.stdout)")
        server.stop()

        // Someone with the file rewrites who pushed.
        let database = try DatabaseQueue(path: server.databasePath)
        let seq = try database.write { db -> Int64 in
            let seq = try #require(
                try Int64.fetchOne(db, sql: "SELECT seq FROM audit WHERE body LIKE '%\"push\"%' ORDER BY seq LIMIT 1")
            )
            try db.execute(
                sql: "UPDATE audit SET body = replace(body, 'PC-4127', 'PC-9999') WHERE seq = ?",
                arguments: [seq]
            )
            #expect(db.changesCount == 1)
            return seq
        }
        try database.close()

        // The server sealed the push's entry at the latest when it stopped: the entry no longer matches its leaf,
        // and the heads signed since no longer match the entries.
        let tampered = try CLIRunner.run(["admin", "audit", "verify", "--data", server.data.path])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("Entry \(seq): changed"), "stdout was: \(tampered.stdout)")
        #expect(tampered.stdout.contains(": rewritten"), "stdout was: \(tampered.stdout)")
        // The first head signed after the change fails, and the later ones, when the sealer signed more than one
        // since (as it may: the sync's reads are logged too), are named as one more problem.
        let problems = tampered.stdout.split(separator: "\n").count
        #expect((2...3).contains(problems), "stdout was: \(tampered.stdout)")
        #expect(tampered.stderr.contains("tampered with: \(problems) problem"), "stderr was: \(tampered.stderr)")
    }

    @Test("admin token rotate --out: a 0600 file, the old token refused (401), the new one works")
    func tokenRotate() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        let first = workspace.appendingPathComponent("admin-token")
        try AdminToken.make(server: server, out: first)
        #expect(try permissions(first) == 0o600)
        let listed = try CLIRunner.run([
            "admin", "user", "list", "--server", server.url.absoluteString, "--token-file", first.path,
        ])
        #expect(listed.status == 0, "stderr was: \(listed.stderr)")
        #expect(listed.stdout.contains("ADM-0001  admin"), "stdout was: \(listed.stdout)")
        let oldToken = try #require(AccessTokenFile.load(from: workspace, name: "admin-token"))
        #expect(try await AdminToken.status(of: "GET", "/v1/admin/users", token: oldToken, server: server.url) == 200)

        // The administrator rotates their own token through the API.
        let second = workspace.appendingPathComponent("admin-token-2")
        let rotated = try CLIRunner.run([
            "admin", "token", "rotate", "--server", server.url.absoluteString, "--token-file", first.path, "--device",
            AdminToken.deviceId, "--out", second.path,
        ])
        #expect(rotated.status == 0, "stderr was: \(rotated.stderr)")
        #expect(try permissions(second) == 0o600)
        let newToken = try #require(AccessTokenFile.load(from: workspace, name: "admin-token-2"))
        #expect(newToken != oldToken)
        #expect(!rotated.stdout.contains(newToken) && !rotated.stderr.contains(newToken))

        #expect(try await AdminToken.status(of: "GET", "/v1/admin/users", token: oldToken, server: server.url) == 401)
        let refused = try CLIRunner.run([
            "admin", "user", "list", "--server", server.url.absoluteString, "--token-file", first.path,
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("does not accept this token"), "stderr was: \(refused.stderr)")
        #expect(try await AdminToken.status(of: "GET", "/v1/admin/users", token: newToken, server: server.url) == 200)
        let works = try CLIRunner.run([
            "admin", "user", "list", "--server", server.url.absoluteString, "--token-file", second.path,
        ])
        #expect(works.status == 0, "stderr was: \(works.stderr)")
        #expect(works.stdout.contains("ADM-0001  admin"))
    }
}

/// An administrator's own access token, as one is bootstrapped on the server: an admin user and a device for
/// them added on the data directory, and the device's token issued into a 0600 file.
enum AdminToken {
    static let deviceId = "dev-admin-console"

    static func make(server: ServeProcess, out file: URL) throws {
        try CLIAccounts.addUser("ADM-0001", role: "admin", serverData: server.data)
        _ = try CLIAccounts.enrolmentToken(user: "ADM-0001", device: deviceId, serverData: server.data)
        let rotated = try CLIRunner.run([
            "admin", "token", "rotate", "--data", server.data.path, "--device", deviceId, "--out", file.path,
        ])
        guard rotated.status == 0 else { throw CLIAccountsError("admin token rotate failed: \(rotated.stderr)") }
    }

    /// The HTTP status of one request with a bearer token.
    static func status(of method: String, _ path: String, token: String, server: URL) async throws -> Int {
        var request = URLRequest(url: server.appendingPathComponent(path))
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
