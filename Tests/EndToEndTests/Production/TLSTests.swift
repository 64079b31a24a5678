import AsyncHTTPClient
import Foundation
import Sync
import Testing

/// TLS as run in production, on real processes: `serve --tls-cert --tls-key` with a certificate of a private CA
/// made in the test, devices enrolled with `device init --ca` syncing over HTTPS, a device that does not trust the
/// CA refused in plain words, plain HTTP beyond loopback refused without `--allow-plain-http`, and a new
/// certificate served after SIGHUP without a restart (a broken one is refused and the old one kept).
@Suite("TLS in production", .serialized)
struct TLSTests {
    /// What a device says when the server's certificate is not one it trusts.
    static let untrusted = "its TLS certificate is not trusted"

    @Test(
        "a device enrolled with the private CA syncs and searches over HTTPS; one that does not trust it is refused plainly"
    )
    func syncOverTLS() async throws {
        let workspace = try makeTemporaryDirectory()
        let authority = try TestCertificateAuthority("Empower Test CA")
        let caFile = try authority.writeCertificate(to: workspace, name: "ca.pem")
        let cert = workspace.appendingPathComponent("server.pem")
        let key = workspace.appendingPathComponent("server.key")
        try authority.writeServerCertificate(certificate: cert, key: key)
        let server = try ServeProcess(arguments: ["--tls-cert", cert.path, "--tls-key", key.path])
        #expect(server.url.scheme == "https")

        // Enrolled trusting the CA: records sync, and a supervisor's search (the CLI's API client) goes through.
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        let officer = workspace.appendingPathComponent("officer")
        let initialised = try CLIRunner.run(
            initArguments(
                server.url,
                try CLIAccounts.enrolmentToken(user: "PC-4127", device: "dev-1", serverData: server.data),
                officer
            )
                + ["--ca", caFile.path]
        )
        #expect(initialised.status == 0, "device init said: \(initialised.stderr)")
        #expect(FileManager.default.fileExists(atPath: officer.appendingPathComponent(ServerTrust.fileName).path))
        let added = try CLIRunner.run([
            "sighting", "add", "--place", "Seel Street", "--behaviour", "leering", "--risk", "low", "--data",
            officer.path,
        ])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
        let synced = try CLIRunner.run(["sync", "--data", officer.path])
        #expect(synced.status == 0, "sync said: \(synced.stdout) \(synced.stderr)")
        #expect(synced.stdout.contains("Pushed 1 operation"), "sync said: \(synced.stdout)")

        try CLIAccounts.addUser("PS-1187", role: "supervisor", serverData: server.data)
        let supervisor = workspace.appendingPathComponent("supervisor")
        let supervisorInit = try CLIRunner.run(
            initArguments(
                server.url,
                try CLIAccounts.enrolmentToken(user: "PS-1187", device: "dev-2", serverData: server.data),
                supervisor
            )
                + ["--ca", caFile.path]
        )
        #expect(supervisorInit.status == 0, "device init said: \(supervisorInit.stderr)")
        let searched = try CLIRunner.run([
            "search", "--reason", "Weekly review", "--format", "json", "--data", supervisor.path,
        ])
        #expect(searched.status == 0, "search said: \(searched.stderr)")
        #expect(searched.stdout.contains("Seel Street"), "search printed: \(searched.stdout)")

        // Without the CA (the system's CAs only), and with another CA: refused in a sentence, nothing set up.
        let otherCA = try TestCertificateAuthority("Someone Else's CA").writeCertificate(
            to: workspace,
            name: "other.pem"
        )
        for (index, extra) in [[], ["--ca", otherCA.path]].enumerated() {
            let stranger = workspace.appendingPathComponent("stranger-\(index)")
            let token = try CLIAccounts.enrolmentToken(
                user: "PC-4127",
                device: "dev-x\(index)",
                serverData: server.data
            )
            let refused = try CLIRunner.run(initArguments(server.url, token, stranger) + extra)
            #expect(refused.status == 1, "device init said: \(refused.stdout) \(refused.stderr)")
            #expect(refused.stderr.contains(Self.untrusted), "device init said: \(refused.stderr)")
            #expect(refused.stderr.contains("device init --ca FILE"), "device init said: \(refused.stderr)")
            #expect(!refused.stderr.contains("Fatal error") && !refused.stderr.contains("NIOSSL"))
            #expect(
                !FileManager.default.fileExists(atPath: stranger.appendingPathComponent(LocalReplica.fileName).path)
            )
        }

        // A device whose kept CA no longer matches the server's (another CA's file put in its place) is refused too.
        try FileManager.default.removeItem(at: officer.appendingPathComponent(ServerTrust.fileName))
        try FileManager.default.copyItem(at: otherCA, to: officer.appendingPathComponent(ServerTrust.fileName))
        let refusedSync = try CLIRunner.run(["sync", "--data", officer.path])
        #expect(refusedSync.status == 1)
        #expect(refusedSync.stderr.contains(Self.untrusted), "sync said: \(refusedSync.stderr)")
        #expect(refusedSync.stderr.contains("Nothing was lost"), "sync said: \(refusedSync.stderr)")
    }

    @Test("plain HTTP beyond loopback is refused with a clear message unless --allow-plain-http")
    func plainHTTPRefused() async throws {
        let workspace = try makeTemporaryDirectory()
        let data = workspace.appendingPathComponent("central")
        let refused = try await runBounded(["serve", "--host", "0.0.0.0", "--port", "0", "--data", data.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Refusing to serve plain HTTP on 0.0.0.0"), "serve said: \(refused.stderr)")
        #expect(refused.stderr.contains("--tls-cert FILE --tls-key FILE"), "serve said: \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data.path), "nothing was made before the refusal")

        let halfTLS = try await runBounded(["serve", "--tls-cert", "x.pem", "--data", data.path])
        #expect(
            halfTLS.status.map { $0 != 0 } == true
                && halfTLS.stderr.contains("Give both --tls-cert FILE and --tls-key FILE")
        )
        let missing = try await runBounded(
            [
                "serve", "--tls-cert", workspace.appendingPathComponent("none.pem").path, "--tls-key", "none.key",
                "--data", data.path,
            ]
        )
        #expect(
            missing.status == 1 && missing.stderr.contains("TLS cannot be served: the certificate file"),
            "serve said: \(missing.stderr)"
        )

        // A device is not enrolled with a plain http:// server beyond loopback either (refused before connecting).
        let device = try CLIRunner.run([
            "device", "init", "--server", "http://192.0.2.10:8080", "--token", "emp_x", "--data",
            workspace.appendingPathComponent("device").path, "--secret-file", CLIAccounts.secretFile.path,
        ])
        #expect(device.status != 0)
        #expect(device.stderr.contains("Refusing to enrol with a plain http:// server"), "init said: \(device.stderr)")

        let log = workspace.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let allowed = try ServeProcess(
            data: data,
            standardError: try FileHandle(forWritingTo: log),
            arguments: ["--host", "0.0.0.0", "--allow-plain-http"]
        )
        #expect(allowed.isRunning)
        #expect(allowed.url.scheme == "http")
        // Without TLS a SIGHUP (a service manager's reload) changes nothing and does not end the server.
        kill(allowed.processIdentifier, SIGHUP)
        try await eventually { try String(contentsOf: log, encoding: .utf8).contains("SIGHUP: nothing to reload") }
        #expect(allowed.isRunning)
    }

    @Test("SIGHUP serves a new certificate without a restart; a broken one is refused and the old one kept")
    func certificateReload() async throws {
        let workspace = try makeTemporaryDirectory()
        let first = try TestCertificateAuthority("First CA")
        let second = try TestCertificateAuthority("Second CA")
        let firstCA = try first.writeCertificate(to: workspace, name: "first.pem")
        let secondCA = try second.writeCertificate(to: workspace, name: "second.pem")
        let cert = workspace.appendingPathComponent("server.pem")
        let key = workspace.appendingPathComponent("server.key")
        try first.writeServerCertificate(certificate: cert, key: key)
        let log = workspace.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let server = try ServeProcess(
            standardError: try FileHandle(forWritingTo: log),
            arguments: ["--tls-cert", cert.path, "--tls-key", key.path]
        )
        #expect(try await Self.handshake(server.url, trusting: firstCA) == "accepted")
        #expect(try await Self.handshake(server.url, trusting: secondCA) == "untrusted")

        // New files alone change nothing: the certificate is read again on SIGHUP.
        try second.writeServerCertificate(certificate: cert, key: key)
        #expect(try await Self.handshake(server.url, trusting: secondCA) == "untrusted")
        kill(server.processIdentifier, SIGHUP)
        try await eventually { try await Self.handshake(server.url, trusting: secondCA) == "accepted" }
        #expect(try await Self.handshake(server.url, trusting: firstCA) == "untrusted")
        #expect(server.isRunning, "the same process, not restarted")
        #expect(try String(contentsOf: log, encoding: .utf8).contains("TLS certificate reloaded."))

        // A key that is not the certificate's: the reload fails, is logged with why, and the old one stays.
        let stray = try first.issueServerCertificate()
        try Data(stray.key.utf8).write(to: key, options: .atomic)
        kill(server.processIdentifier, SIGHUP)
        try await eventually {
            try String(contentsOf: log, encoding: .utf8).contains("TLS certificate not reloaded")
        }
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(
            said.contains("still serving the previous one: the key in \(key.path) is not the key of the certificate"),
            "log was: \(said)"
        )
        #expect(try await Self.handshake(server.url, trusting: secondCA) == "accepted")
        #expect(server.isRunning)
    }

    private func initArguments(_ server: URL, _ token: String, _ directory: URL) -> [String] {
        [
            "device", "init", "--server", server.absoluteString, "--token", token, "--data", directory.path,
            "--secret-file", CLIAccounts.secretFile.path,
        ]
    }

    /// A new TLS connection to the server trusting only the CA in `caFile`: "accepted" when the server answered
    /// (401 here: no token), "untrusted" when its certificate was refused.
    static func handshake(_ url: URL, trusting caFile: URL) async throws -> String {
        let client = HTTPTransport.makeClient(connectionsPerHost: 1)
        let transport = HTTPTransport(
            serverURL: url,
            token: nil,
            requestTimeout: 10,
            client: client,
            trust: try ServerTrust(file: caFile.path)
        )
        let outcome: String
        do {
            _ = try await transport.venues()
            outcome = "answered 200"
        } catch {
            switch error {
            case .server(401, _, _, _): outcome = "accepted"
            case .unreachable(_, let reason) where reason.contains("not trusted"): outcome = "untrusted"
            default: outcome = "\(error)"
            }
        }
        try await client.shutdown()
        return outcome
    }
}
