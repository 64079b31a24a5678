import Foundation
import GRDB
import Testing

/// The audit log's key, heads, anchors and proofs through the real CLI and a real server: what an operator
/// does, and a rewrite of the server's database caught by a head kept elsewhere.
@Suite("CLI: the audit log as a transparency log")
struct AuditTransparencyCLITests {
    /// Runs `admin audit verify` until no entry waits for the sealer (it seals every half second).
    static func waitUntilSealed(_ server: ServeProcess) throws {
        for _ in 0..<100 {
            let result = try CLIRunner.run(["admin", "audit", "verify", "--data", server.data.path])
            if result.status == 0 && !result.stdout.contains("not sealed yet") { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("the server left entries unsealed for 10 s")
    }

    @Test("keygen makes a 0600 key it never replaces; serve signs with it; head, anchor, prove and verify --anchors")
    func operatorRound() throws {
        let workspace = try makeTemporaryDirectory()
        let keyFile = workspace.appendingPathComponent("audit.key")
        let made = try CLIRunner.run(["admin", "audit", "keygen", "--out", keyFile.path, "--name", "merseyside-audit"])
        #expect(made.status == 0, "stderr was: \(made.stderr)")
        let publicKey = try #require(made.stdout.split(separator: "\n").last.map(String.init))
        #expect(publicKey.hasPrefix("merseyside-audit+"))
        #expect(try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int == 0o600)
        let again = try CLIRunner.run(["admin", "audit", "keygen", "--out", keyFile.path])
        #expect(again.status != 0 && again.stderr.contains("never replaced"), "stderr was: \(again.stderr)")

        let server = try ServeProcess(arguments: ["--audit-key", keyFile.path])
        defer { server.stop() }
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        try CLIAccounts.addUser("PS-2201", role: "supervisor", serverData: server.data)
        try Self.waitUntilSealed(server)

        let head = try CLIRunner.run(["admin", "audit", "head", "--data", server.data.path])
        #expect(head.status == 0 && head.stdout.hasPrefix("merseyside-audit\n"), "stdout was: \(head.stdout)")
        #expect(head.stdout.contains("\n\u{2014} merseyside-audit "))

        let anchors = workspace.appendingPathComponent("anchors.txt")
        let anchored = try CLIRunner.run([
            "admin", "audit", "anchor", "--data", server.data.path, "--out", anchors.path, "--public-key", publicKey,
        ])
        #expect(anchored.status == 0 && anchored.stdout.contains("Anchored the head of size"), "\(anchored.stderr)")

        let proof = try CLIRunner.run([
            "admin", "audit", "prove", "1", "--data", server.data.path, "--public-key", publicKey,
        ])
        #expect(proof.status == 0, "stderr was: \(proof.stderr)")
        #expect(proof.stdout.contains("Entry 1 is leaf 0 of the tree"), "stdout was: \(proof.stdout)")
        #expect(proof.stdout.contains("The proof checks against \(publicKey)"))

        try CLIAccounts.addUser("PC-5310", role: "officer", serverData: server.data)
        try Self.waitUntilSealed(server)
        let verified = try CLIRunner.run([
            "admin", "audit", "verify", "--data", server.data.path, "--anchors", anchors.path, "--public-key",
            publicKey,
        ])
        #expect(verified.status == 0, "stdout: \(verified.stdout) stderr: \(verified.stderr)")
        #expect(verified.stdout.contains("Today's log extends all 1 anchored heads."), "stdout was: \(verified.stdout)")

        // Through the API with an administrator's token: the server's key, and the anchors checked here.
        let tokenFile = workspace.appendingPathComponent("admin-token")
        try AdminToken.make(server: server, out: tokenFile)
        let remote = try CLIRunner.run([
            "admin", "audit", "verify", "--server", server.url.absoluteString, "--token-file", tokenFile.path,
            "--anchors", anchors.path, "--public-key", publicKey,
        ])
        #expect(remote.status == 0, "stdout: \(remote.stdout) stderr: \(remote.stderr)")
        #expect(remote.stdout.contains("extends all 1 anchored heads"), "stdout was: \(remote.stdout)")
        let remoteProof = try CLIRunner.run([
            "admin", "audit", "prove", "#1", "--server", server.url.absoluteString, "--token-file", tokenFile.path,
            "--public-key", publicKey,
        ])
        #expect(remoteProof.status == 0 && remoteProof.stdout.contains("The proof checks"), "\(remoteProof.stderr)")
    }

    @Test("the server's database rewritten and re-sealed with the server's own key: verify --anchors exits 1, forked")
    func rewriteCaughtByAnchor() throws {
        let workspace = try makeTemporaryDirectory()
        var server = try ServeProcess()
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        try CLIAccounts.addUser("PS-2201", role: "supervisor", serverData: server.data)
        try Self.waitUntilSealed(server)
        let anchors = workspace.appendingPathComponent("anchors.txt")
        #expect(
            try CLIRunner.run(["admin", "audit", "anchor", "--data", server.data.path, "--out", anchors.path]).status
                == 0
        )
        server.stop()

        // Someone with the database file and the key file (audit-signing.key beside it) rewrites who was added,
        // forgets every leaf and head, and lets the server seal it all again with its own key.
        let database = try DatabaseQueue(path: server.databasePath)
        try database.write { db in
            try db.execute(sql: "UPDATE audit SET body = replace(body, 'PC-4127', 'PC-9999')")
            #expect(db.changesCount >= 1)
            try db.execute(sql: "UPDATE audit SET leafIndex = NULL, leafHash = NULL")
            try db.execute(sql: "DELETE FROM auditTreeHead")
        }
        try database.close()
        server = try ServeProcess(data: server.data)
        defer { server.stop() }
        try Self.waitUntilSealed(server)

        let unanchored = try CLIRunner.run(["admin", "audit", "verify", "--data", server.data.path])
        #expect(unanchored.status == 0, "without a head kept elsewhere, a key holder's rewrite cannot be seen")
        let caught = try CLIRunner.run([
            "admin", "audit", "verify", "--data", server.data.path, "--anchors", anchors.path,
        ])
        #expect(caught.status == 1)
        #expect(caught.stdout.contains(": forked"), "stdout was: \(caught.stdout)")
        #expect(caught.stderr.contains("tampered with"), "stderr was: \(caught.stderr)")
    }

    @Test("bad key and anchor files get a clear message and a non-zero exit")
    func badFiles() throws {
        let workspace = try makeTemporaryDirectory()
        let loose = workspace.appendingPathComponent("loose.key")
        #expect(try CLIRunner.run(["admin", "audit", "keygen", "--out", loose.path]).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: loose.path)
        let data = workspace.appendingPathComponent("central")
        let refused = try CLIRunner.run(["serve", "--port", "0", "--data", data.path, "--audit-key", loose.path])
        #expect(refused.status != 0 && refused.stderr.contains("chmod 600"), "stderr was: \(refused.stderr)")
        let missing = try CLIRunner.run([
            "serve", "--port", "0", "--data", data.path, "--audit-key", workspace.appendingPathComponent("none").path,
        ])
        #expect(missing.status != 0 && missing.stderr.contains("no audit signing key"), "stderr: \(missing.stderr)")
        let badName = try CLIRunner.run([
            "admin", "audit", "keygen", "--out", workspace.appendingPathComponent("k").path, "--name", "a b",
        ])
        #expect(badName.status != 0 && badName.stderr.contains("without spaces"), "stderr: \(badName.stderr)")

        let server = try ServeProcess()
        defer { server.stop() }
        try Self.waitUntilSealed(server)
        let garbage = workspace.appendingPathComponent("anchors.txt")
        try Data("not a head\n\u{2014} x y\n".utf8).write(to: garbage)
        let unreadable = try CLIRunner.run([
            "admin", "audit", "verify", "--data", server.data.path, "--anchors", garbage.path,
        ])
        #expect(unreadable.status != 0 && unreadable.stderr.contains("line 2"), "stderr: \(unreadable.stderr)")
        let noEntry = try CLIRunner.run(["admin", "audit", "prove", "abc", "--data", server.data.path])
        #expect(noEntry.status != 0 && noEntry.stderr.contains("entry must be its number"), "stderr: \(noEntry.stderr)")
    }
}
