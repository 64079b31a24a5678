import Central
import Foundation
import Models
import Sync
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The separation of duties at enrolment through a real `serve` process and the real executable: an
/// administrator's new device for an existing supervisor cannot be set up until the supervisor approves it, and
/// the supervisor's next `sync` says so.
@Suite("Command line: enrolment approval")
struct EnrolmentApprovalCLITests {
    static let phone = "dev-ps2201-phone"
    static let extra = "dev-ps2201-extra"

    @Test("admin enrols a second device for a supervisor: init refused, sync tells, approve, init works, told once")
    func approvalThroughTheCommandLine() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let phone = try server.enrolDevice(
            Self.phone,
            user: "PS-2201",
            role: "supervisor",
            in: workspace.appendingPathComponent("phone")
        )
        let quiet = try CLIRunner.run(["sync", "--data", phone.path])
        #expect(quiet.status == 0, "stderr was: \(quiet.stderr)")
        #expect(!quiet.stdout.contains("enrolled for you"), "\(quiet.stdout)")

        // The administrator enrols a second device for the supervisor: told on standard error that it waits.
        let enrolled = try CLIRunner.run([
            "admin", "device", "enrol", "--data", server.data.path, "--user", "PS-2201", "--device", Self.extra,
        ])
        #expect(enrolled.status == 0, "stderr was: \(enrolled.stderr)")
        let token = enrolled.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("emp_") && !token.contains("\n"))
        #expect(enrolled.stderr.contains("waits for approval"), "\(enrolled.stderr)")
        #expect(try deviceLine(Self.extra, server).contains("waiting for approval"))

        // Setting it up is refused, clearly, and leaves nothing behind.
        let extraDirectory = workspace.appendingPathComponent("extra")
        let refused = try CLIAccounts.initDevice(server: server.url, token: token, directory: extraDirectory)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("waits for approval"), "stderr was: \(refused.stderr)")
        #expect(refused.stderr.contains("empower-cli device approve \(Self.extra)"), "stderr was: \(refused.stderr)")
        #expect(
            !FileManager.default.fileExists(atPath: extraDirectory.appendingPathComponent(LocalReplica.fileName).path)
        )

        // The supervisor's next sync says so, with the command; and says it again while it waits.
        for _ in 0..<2 {
            let told = try CLIRunner.run(["sync", "--data", phone.path])
            #expect(told.status == 0, "stderr was: \(told.stderr)")
            #expect(
                told.stdout.contains("A new device, \(Self.extra), was enrolled for you on "),
                "stdout was: \(told.stdout)"
            )
            #expect(told.stdout.contains("and waits for your approval"), "stdout was: \(told.stdout)")
            #expect(told.stdout.contains("by console:"), "stdout was: \(told.stdout)")
            #expect(
                told.stdout.contains("empower-cli device approve \(Self.extra) --data \(phone.path)"),
                "stdout was: \(told.stdout)"
            )
        }
        let listed = try CLIRunner.run(["device", "enrolments", "--data", phone.path])
        #expect(listed.status == 0, "stderr was: \(listed.stderr)")
        #expect(listed.stdout.contains("\(Self.extra)  PS-2201") && listed.stdout.contains("waiting for approval"))

        // Approved on the phone; the same token now sets the device up.
        let approved = try CLIRunner.run(["device", "approve", Self.extra, "--data", phone.path])
        #expect(approved.status == 0, "stderr was: \(approved.stderr)")
        #expect(approved.stdout.contains("Device \(Self.extra) of PS-2201 is approved"), "\(approved.stdout)")
        #expect(try deviceLine(Self.extra, server).contains("approved"))
        #expect(try deviceLine(Self.extra, server).contains("by PS-2201 from \(Self.phone)"))
        let initialised = try CLIAccounts.initDevice(server: server.url, token: token, directory: extraDirectory)
        #expect(initialised.status == 0, "stderr was: \(initialised.stderr)")

        // The next sync tells it once as enrolled; the one after says nothing more of it.
        let told = try CLIRunner.run(["sync", "--data", phone.path])
        #expect(
            told.stdout.contains("A new device, \(Self.extra), was enrolled for you on ")
                && told.stdout.contains("(approved by PS-2201); if this was not you, tell your supervisor."),
            "stdout was: \(told.stdout)"
        )
        let again = try CLIRunner.run(["sync", "--data", phone.path])
        #expect(again.status == 0 && !again.stdout.contains(Self.extra), "stdout was: \(again.stdout)")

        // Every audit entry names a user and a device; the console names the machine it ran on.
        let entries = try auditLog(server)
        #expect(entries.allSatisfy { !$0.actor.isEmpty && !$0.deviceId.isEmpty })
        let consoleEntries = entries.filter { $0.actor.hasPrefix("console:") }
        #expect(!consoleEntries.isEmpty && consoleEntries.allSatisfy { $0.deviceId.hasPrefix("console@") })
        let approval = try #require(entries.first { $0.action == .enrolmentApproved })
        #expect(approval.actor == "PS-2201" && approval.deviceId == Self.phone && approval.subject == Self.extra)
    }

    @Test("neither an administrator (through the API with their token) nor another officer's device can approve")
    func othersCannotApprove() async throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workspace) }
        try server.enrolDevice(
            Self.phone,
            user: "PS-2201",
            role: "supervisor",
            in: workspace.appendingPathComponent("p")
        )
        let colleague = try server.enrolDevice(
            "dev-pc4127-phone",
            user: "PC-4127",
            in: workspace.appendingPathComponent("c")
        )
        _ = try CLIAccounts.enrolmentToken(user: "PS-2201", device: Self.extra, serverData: server.data)

        let refused = try CLIRunner.run(["device", "approve", Self.extra, "--data", colleague.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("HTTP 403, approval-forbidden"), "stderr was: \(refused.stderr)")

        // An administrator with their own access token, as the README sets one up.
        try CLIAccounts.addUser("ADM-0001", role: "admin", serverData: server.data)
        _ = try CLIAccounts.enrolmentToken(user: "ADM-0001", device: "dev-adm-desk", serverData: server.data)
        let tokenFile = workspace.appendingPathComponent("admin-token")
        let rotated = try CLIRunner.run([
            "admin", "token", "rotate", "--data", server.data.path, "--device", "dev-adm-desk", "--out", tokenFile.path,
        ])
        #expect(rotated.status == 0, "stderr was: \(rotated.stderr)")
        let adminToken = try #require(AccessTokenFile.load(from: workspace, name: "admin-token"))
        var request = URLRequest(url: server.url.appendingPathComponent("v1/device/enrolments/\(Self.extra)/approve"))
        request.httpMethod = "POST"
        request.setValue("Bearer \(adminToken)", forHTTPHeaderField: "Authorization")
        let (body, response) = try await URLSession(configuration: .ephemeral).data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 403)
        let error = try WireCoding.decode(ErrorBody.self, from: body)
        #expect(error.code == "approval-forbidden")
        #expect(error.message.contains("Administrators manage accounts, not content"), "\(error.message)")
        #expect(try deviceLine(Self.extra, server).contains("waiting for approval"))
    }
}
