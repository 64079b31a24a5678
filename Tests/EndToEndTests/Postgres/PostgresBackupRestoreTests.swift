import Central
import Foundation
import Models
import TestSupport
import Testing

/// `admin backup --database` and `admin restore --database` through the real executable, with PostgreSQL's own
/// pg_dump and pg_restore, on a scratch database of the test server.
@Suite("PostgreSQL: backup and restore with pg_dump", .enabled(if: PostgresTestServer.endToEndEnabled))
struct PostgresBackupRestoreTests {
    @Test("a dump restored puts back the store as it was, with a new history epoch and the restore audited")
    func dumpAndRestore() async throws {
        try await PostgresTestServer.withScratchDatabase(prefix: "empower_e2e_") { url in
            let venues = try loadVenues()
            try #require(venues.count >= 3)
            let before = try await PostgresCentralStore.withStore(url: url) { store in
                for venue in venues.prefix(2) { try await store.saveVenue(venue, by: .console(), now: Date()) }
                return try await store.historyEpoch()
            }
            let workspace = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: workspace) }
            let dump = workspace.appendingPathComponent("empower.dump")
            let backedUp = try CLIRunner.run(["admin", "backup", "--database", url.urlText, "--out", dump.path])
            try #require(backedUp.status == 0, "stderr was: \(backedUp.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: dump.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            try await PostgresCentralStore.withStore(url: url) { store in
                try await store.saveVenue(venues[2], by: .console(), now: Date())
                #expect(try await store.venues().count == 3)
                // Refused while another session (a server) holds the database.
                let busy = try CLIRunner.run(["admin", "restore", "--database", url.urlText, "--from", dump.path])
                #expect(busy.status != 0)
                #expect(busy.stderr.contains("Other sessions are connected"), "stderr was: \(busy.stderr)")
            }
            let garbage = workspace.appendingPathComponent("garbage.dump")
            try Data("not a dump".utf8).write(to: garbage)
            let refused = try CLIRunner.run(["admin", "restore", "--database", url.urlText, "--from", garbage.path])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("garbage.dump"), "stderr was: \(refused.stderr)")

            let restored = try CLIRunner.run(["admin", "restore", "--database", url.urlText, "--from", dump.path])
            try #require(restored.status == 0, "stderr was: \(restored.stderr)")
            try await PostgresCentralStore.withStore(url: url) { store in
                #expect(try await store.venues().map(\.id).sorted() == venues.prefix(2).map(\.id).sorted())
                let epoch = try await store.historyEpoch()
                #expect(epoch != before && epoch.count == 32)
                let entries = try await store.auditEntries(matching: AuditFilter()).filter {
                    $0.action == .storeRestored
                }
                #expect(entries.count == 1)
                #expect(entries.first?.subject == epoch)
                #expect(entries.first?.reason?.contains("empower.dump") == true)
            }
        }
    }
}
