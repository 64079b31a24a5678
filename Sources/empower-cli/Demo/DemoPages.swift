import Central
import Foundation
import Models
import Sync

/// `demo --serve`: the demo's server kept running, with where to look: the public page, and the supervisors'
/// dashboard through a one-time sign-in link for the demo's supervisor (a new one each time Enter is pressed).
struct DemoPages: Sendable {
    let serverURL: URL
    let store: SQLiteCentralStore
    let supervision: PatrolLogFixture

    func serve() async throws {
        guard let device = supervision.devices.first(where: { $0.role == .supervisor }) else {
            throw CLIError("The supervision fixture has no supervisor's device to sign in to the dashboard with.")
        }
        let supervisor = Caller(userId: device.userId, deviceId: device.deviceId, role: .supervisor)
        let sessions = DashboardSessions(store: store)
        print("\nThe server stays up at \(serverURL.absoluteString) until you press Ctrl-C.")
        print("Public page:  \(serverURL.absoluteString)/public")
        try await printLink(sessions, supervisor)
        // Lines of standard input, read on a thread of their own (a blocking read must not hold a task's thread).
        let (lines, continuation) = AsyncStream.makeStream(of: Void.self)
        Thread.detachNewThread {
            while readLine() != nil { continuation.yield() }
            continuation.finish()
        }
        for await _ in lines {
            try await printLink(sessions, supervisor)
        }
        // Standard input closed (not a terminal): serve until interrupted.
        while true { try await Task.sleep(for: .seconds(3600)) }
    }

    private func printLink(_ sessions: DashboardSessions, _ supervisor: Caller) async throws {
        let token = try await sessions.issueSignIn(
            for: supervisor,
            reason: "Looking at the demo's dashboard",
            now: Date()
        )
        print("Dashboard:    \(serverURL.absoluteString)/dashboard/sign-in?token=\(token)")
        print("              (as \(supervisor.userId); the link works once, within a minute: press Enter for another)")
    }
}
