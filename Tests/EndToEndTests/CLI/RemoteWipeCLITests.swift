import Central
import Foundation
import Models
import Sync
import Testing

/// `admin device revoke --wipe` for a lost or stolen device, through a real `serve` process and the real
/// executable: the device erases its data directory at its next contact, and the audit log says so.
@Suite("Command line: remote wipe of a lost device")
struct RemoteWipeCLITests {
    static let lostId = "dev-pc4127-lost"
    static let otherId = "dev-pc5310-phone"

    /// Every file under a directory, by relative path (none when the directory is gone).
    private func files(under directory: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        return walker.compactMap { $0 as? String }.sorted()
    }

    private func record(_ place: String, on device: URL) throws {
        let added = try CLIRunner.run([
            "sighting", "add", "--place", place, "--behaviour", "leering", "--risk", "low", "--data", device.path,
        ])
        #expect(added.status == 0, "stderr was: \(added.stderr)")
    }

    /// The status and code of the server's refusal of a request, as "401 unauthorized"; "ok" when it succeeded.
    private func refusal(_ request: () async throws -> Void) async -> String {
        do {
            try await request()
            return "ok"
        } catch SyncError.server(let status, let code, _, _) {
            return "\(status) \(code)"
        } catch {
            return "\(error)"
        }
    }

    private static let wipeActions: Set<AuditEntry.Action> = [.wipeOrdered, .wipeDelivered, .wiped]

    @Test("revoke --wipe: the next sync erases every file of the data directory, exits 1, and the audit log holds it")
    func wipeAtNextSync() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let lost = try server.enrolDevice(Self.lostId, user: "PC-4127", in: workspace.appendingPathComponent("lost"))
        try record("Seel Street", on: lost)
        let synced = try CLIRunner.run(["sync", "--data", lost.path])
        #expect(synced.status == 0, "stderr was: \(synced.stderr)")
        try record("Bold Street", on: lost)  // queued when the device goes missing
        let token = try #require(try AccessTokenFile.load(from: lost, key: unlockedKey(of: lost)))
        #expect(files(under: lost).contains(LocalReplica.fileName))

        let ordered = try CLIRunner.run([
            "admin", "device", "revoke", "--data", server.data.path, "--device", Self.lostId, "--wipe",
        ])
        #expect(ordered.status == 0, "stderr was: \(ordered.stderr)")
        #expect(ordered.stdout.contains("Device \(Self.lostId) is revoked and ordered wiped"), "\(ordered.stdout)")
        #expect(try deviceLine(Self.lostId, server).contains("wipe ordered"))

        let wiped = try CLIRunner.run(["sync", "--timeout", "10", "--data", lost.path])
        #expect(wiped.status == 1)
        #expect(wiped.stderr.contains("reported lost or stolen"), "stderr was: \(wiped.stderr)")
        #expect(wiped.stderr.contains("has been erased"), "stderr was: \(wiped.stderr)")
        #expect(wiped.stderr.contains("The server has recorded the wipe"), "stderr was: \(wiped.stderr)")
        #expect(files(under: lost).isEmpty, "left on the device: \(files(under: lost))")
        #expect(!FileManager.default.fileExists(atPath: lost.path), "the data directory itself is gone")
        #expect(files(under: workspace).isEmpty, "left beside it: \(files(under: workspace))")

        // The audit log: ordered by the console, delivered to and confirmed by the device; no content.
        let entries = try auditLog(server).filter { Self.wipeActions.contains($0.action) }
        #expect(entries.map(\.action) == [.wipeOrdered, .wipeDelivered, .wiped])
        #expect(entries.allSatisfy { $0.subject == Self.lostId })
        #expect(entries[0].actor.hasPrefix("console:"))
        #expect(entries[2].actor == "PC-4127" && entries[2].deviceId == Self.lostId && entries[2].role == .officer)
        #expect(entries[2].recordIds.isEmpty && entries[2].count == nil && entries[2].reason == nil)
        #expect(try deviceLine(Self.lostId, server).contains("(confirmed)"))
        let verified = try CLIRunner.run(["admin", "audit", "verify", "--data", server.data.path])
        #expect(verified.status == 0, "stdout was: \(verified.stdout)")

        // The token is retired for good: it learns nothing more and cannot confirm again.
        let transport = HTTPTransport(serverURL: server.url, token: token, requestTimeout: 10)
        #expect(await refusal { _ = try await transport.venues() } == "401 unauthorized")
        #expect(await refusal { _ = try await transport.confirmWipe() } == "401 unauthorized")
    }

    @Test("a plain revoke keeps every file of the device's data and orders no wipe")
    func plainRevokeKeepsData() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try server.enrolDevice(
            Self.lostId,
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("device")
        )
        try record("Seel Street", on: device)
        let revoked = try CLIRunner.run([
            "admin", "device", "revoke", "--data", server.data.path, "--device", Self.lostId,
        ])
        #expect(revoked.status == 0, "stderr was: \(revoked.stderr)")
        let before = files(under: device)
        let database = try snapshot(ofDatabaseAt: device.appendingPathComponent(LocalReplica.fileName).path)

        let result = try CLIRunner.run(["sync", "--timeout", "10", "--data", device.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("revoked or has expired"), "stderr was: \(result.stderr)")
        #expect(!result.stderr.contains("lost or stolen"))
        #expect(files(under: device) == before && before.contains(LocalReplica.fileName))
        #expect(try snapshot(ofDatabaseAt: device.appendingPathComponent(LocalReplica.fileName).path) == database)
        #expect(try auditLog(server).allSatisfy { !Self.wipeActions.contains($0.action) })
        #expect(!(try deviceLine(Self.lostId, server).contains("wipe")))
    }

    @Test("another device's token can neither obtain a wipe order nor confirm one, and that device keeps its data")
    func otherTokensLearnNothing() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let lost = try server.enrolDevice(Self.lostId, user: "PC-4127", in: workspace.appendingPathComponent("lost"))
        let other = try server.enrolDevice(Self.otherId, user: "PC-5310", in: workspace.appendingPathComponent("other"))
        try record("Bold Street", on: other)
        let ordered = try CLIRunner.run([
            "admin", "device", "revoke", "--data", server.data.path, "--device", Self.lostId, "--wipe",
        ])
        #expect(ordered.status == 0, "stderr was: \(ordered.stderr)")

        // The other device syncs as ever, and keeps its data.
        let synced = try CLIRunner.run(["sync", "--data", other.path])
        #expect(synced.status == 0, "stderr was: \(synced.stderr)")
        #expect(files(under: other).contains(LocalReplica.fileName))
        // Its token cannot confirm the lost device's wipe; a made-up token hears only "unauthorized".
        let otherToken = try #require(try AccessTokenFile.load(from: other, key: unlockedKey(of: other)))
        let otherTransport = HTTPTransport(serverURL: server.url, token: otherToken, requestTimeout: 10)
        #expect(await refusal { _ = try await otherTransport.confirmWipe() } == "409 no-wipe-ordered")
        let guessed = HTTPTransport(serverURL: server.url, token: AccessToken.generate(), requestTimeout: 10)
        #expect(await refusal { _ = try await guessed.venues() } == "401 unauthorized")
        #expect(await refusal { _ = try await guessed.confirmWipe() } == "401 unauthorized")
        // Nothing of that reached the lost device's wipe: still only ordered, and its data still there.
        #expect(try deviceLine(Self.lostId, server).contains("wipe ordered"))
        #expect(try auditLog(server).filter { Self.wipeActions.contains($0.action) }.map(\.action) == [.wipeOrdered])
        #expect(files(under: lost).contains(LocalReplica.fileName))
    }

    @Test("a device offline when the wipe is ordered keeps its data until its next contact, and wipes then")
    func offlineDeviceWipesAtNextContact() throws {
        let first = try ServeProcess()
        let lost = try first.enrolDevice(
            Self.lostId,
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("lost")
        )
        try record("Seel Street", on: lost)
        let port = try #require(first.url.port)
        first.stop()
        // Ordered on the server's console while the device has no signal.
        let ordered = try CLIRunner.run([
            "admin", "device", "revoke", "--data", first.data.path, "--device", Self.lostId, "--wipe",
        ])
        #expect(ordered.status == 0, "stderr was: \(ordered.stderr)")

        let offline = try CLIRunner.run(["sync", "--timeout", "5", "--data", lost.path])
        #expect(offline.status == 1)
        #expect(offline.stderr.contains("could not be reached"), "stderr was: \(offline.stderr)")
        #expect(files(under: lost).contains(LocalReplica.fileName), "nothing happens without contact")

        let server = try ServeProcess(data: first.data, port: port)
        defer { server.stop() }
        #expect(server.url == first.url)
        let wiped = try CLIRunner.run(["sync", "--timeout", "10", "--data", lost.path])
        #expect(wiped.status == 1)
        #expect(wiped.stderr.contains("has been erased"), "stderr was: \(wiped.stderr)")
        #expect(!FileManager.default.fileExists(atPath: lost.path))
        #expect(
            try auditLog(server).filter { Self.wipeActions.contains($0.action) }.map(\.action) == [
                .wipeOrdered, .wipeDelivered, .wiped,
            ]
        )
    }

    @Test("search reaches the server too: a supervisor's device ordered wiped erases its data there")
    func searchWipes() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let tablet = try server.enrolDevice(
            "dev-ps2201-tablet",
            user: "PS-2201",
            role: "supervisor",
            in: try makeTemporaryDirectory().appendingPathComponent("tablet")
        )
        let ordered = try CLIRunner.run([
            "admin", "device", "revoke", "--data", server.data.path, "--device", "dev-ps2201-tablet", "--wipe",
        ])
        #expect(ordered.status == 0, "stderr was: \(ordered.stderr)")
        let searched = try CLIRunner.run(["search", "--reason", "Weekly review", "--data", tablet.path])
        #expect(searched.status == 1)
        #expect(searched.stderr.contains("has been erased"), "stderr was: \(searched.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tablet.path))
        #expect(try auditLog(server).last?.action == .wiped)
    }

    @Test("device init refuses a directory that holds other files, which a wipe would erase, before spending the token")
    func initRefusesOccupiedDirectory() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let shared = workspace.appendingPathComponent("documents")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        try Data("someone's notes".utf8).write(to: shared.appendingPathComponent("notes.txt"))
        try CLIAccounts.addUser("PC-4127", role: "officer", serverData: server.data)
        let token = try CLIAccounts.enrolmentToken(user: "PC-4127", device: Self.lostId, serverData: server.data)

        let refused = try CLIAccounts.initDevice(server: server.url, token: token, directory: shared)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("holds other files"), "stderr was: \(refused.stderr)")
        #expect(files(under: shared) == ["notes.txt"])
        // An empty directory will do, and the token was not spent.
        let empty = workspace.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let initialised = try CLIAccounts.initDevice(server: server.url, token: token, directory: empty)
        #expect(initialised.status == 0, "stderr was: \(initialised.stderr)")
    }

    @Test("a wipe cut off part way (after the data, before the token) is finished by the next sync")
    func interruptedWipeIsFinished() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let lost = try server.enrolDevice(
            Self.lostId,
            user: "PC-4127",
            in: try makeTemporaryDirectory().appendingPathComponent("lost")
        )
        try record("Seel Street", on: lost)
        let ordered = try CLIRunner.run([
            "admin", "device", "revoke", "--data", server.data.path, "--device", Self.lostId, "--wipe",
        ])
        #expect(ordered.status == 0, "stderr was: \(ordered.stderr)")
        // As a process killed after erasing the data leaves the directory: the marker and the token.
        try DeviceDataWipe.begin(in: lost, serverURL: server.url)
        try DeviceDataWipe.eraseData(in: lost)
        #expect(files(under: lost) == [AccessTokenFile.fileName, DeviceDataWipe.markerName])

        let finished = try CLIRunner.run(["sync", "--timeout", "10", "--data", lost.path])
        #expect(finished.status == 1)
        #expect(finished.stderr.contains("has been erased"), "stderr was: \(finished.stderr)")
        #expect(!FileManager.default.fileExists(atPath: lost.path))
        #expect(try auditLog(server).last?.action == .wiped)
    }

    @Test("admin: a wipe of an unknown, never-used, already ordered or wiped device gets a clear message")
    func badWipeOrders() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let tokenFile = workspace.appendingPathComponent("admin-token")
        try AdminToken.make(server: server, out: tokenFile)
        let lost = try server.enrolDevice(Self.lostId, user: "PC-4127", in: workspace.appendingPathComponent("lost"))
        _ = try CLIAccounts.enrolmentToken(user: "PC-4127", device: "dev-pc4127-unused", serverData: server.data)
        let local = ["--data", server.data.path]
        let remote = ["--server", server.url.absoluteString, "--token-file", tokenFile.path]
        func wipe(_ device: String, _ target: [String]) throws -> CLIRunner.Result {
            try CLIRunner.run(["admin", "device", "revoke", "--device", device, "--wipe"] + target)
        }

        for target in [local, remote] {
            let unknown = try wipe("dev-nobody", target)
            #expect(unknown.status == 1 && unknown.stderr.contains("No device with that id"), "\(unknown.stderr)")
            let unused = try wipe("dev-pc4127-unused", target)
            #expect(unused.status == 1 && unused.stderr.contains("never completed its enrolment"), "\(unused.stderr)")
        }
        #expect(try !deviceLine("dev-pc4127-unused", server).contains("revoked"), "a refused order changes nothing")

        #expect(try wipe(Self.lostId, remote).status == 0)
        for target in [local, remote] {
            let again = try wipe(Self.lostId, target)
            #expect(again.status == 1 && again.stderr.contains("was ordered already"), "\(again.stderr)")
        }
        let wiped = try CLIRunner.run(["sync", "--timeout", "10", "--data", lost.path])
        #expect(wiped.status == 1 && !FileManager.default.fileExists(atPath: lost.path), "\(wiped.stderr)")
        for target in [local, remote] {
            let after = try wipe(Self.lostId, target)
            #expect(after.status == 1 && after.stderr.contains("was wiped already"), "\(after.stderr)")
        }
        // The remote refusals were 4xx with a code, never a 500.
        #expect(try wipe(Self.lostId, remote).stderr.contains("HTTP 409, device-wiped"))
    }
}
