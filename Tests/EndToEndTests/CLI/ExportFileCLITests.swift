import Foundation
import Testing

/// `export --out` through the real executable: the file is created, never replaced, and a symbolic link in its
/// place is never followed, whether it leads to a file or nowhere.
@Suite("Command line: export to a file")
struct ExportFileCLITests {
    @Test("export --out creates a new 0600 file, and refuses a file, a link or a dangling link in its place")
    func exclusive() throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let device = try makeTemporaryDirectory().appendingPathComponent("supervisor")
        try server.enrolDevice("dev-sup-01", user: "PS-2210", role: "supervisor", in: device)
        let folder = try makeTemporaryDirectory()
        func export(to path: String) throws -> CLIRunner.Result {
            try CLIRunner.run([
                "export", "--reason", "Case file 26/1187", "--recipient", "CPS Merseyside", "--format", "csv",
                "--out", path, "--data", device.path,
            ])
        }

        let fresh = folder.appendingPathComponent("export.csv").path
        let made = try export(to: fresh)
        #expect(made.status == 0, "stderr was: \(made.stderr)")
        #expect(
            String(decoding: try #require(FileManager.default.contents(atPath: fresh)), as: UTF8.self).hasPrefix("id,")
        )
        #expect(try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int == 0o600)

        // The same name again: the first export is kept.
        let again = try export(to: fresh)
        #expect(again.status != 0 && again.stderr.contains("exists already"), "stderr was: \(again.stderr)")

        // A link to someone's file: not followed, the file untouched.
        let target = folder.appendingPathComponent("target").path
        try Data("kept".utf8).write(to: URL(fileURLWithPath: target))
        let link = folder.appendingPathComponent("link.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let linked = try export(to: link)
        #expect(linked.status != 0 && linked.stderr.contains("exists already"), "stderr was: \(linked.stderr)")
        #expect(FileManager.default.contents(atPath: target) == Data("kept".utf8))

        // A link that leads nowhere: nothing is created where it leads.
        let nowhere = folder.appendingPathComponent("nowhere.csv").path
        let dangling = folder.appendingPathComponent("dangling.csv").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: nowhere)
        let danglingExport = try export(to: dangling)
        #expect(danglingExport.status != 0, "stdout was: \(danglingExport.stdout)")
        #expect(danglingExport.stderr.contains("exists already"), "stderr was: \(danglingExport.stderr)")
        #expect(!FileManager.default.fileExists(atPath: nowhere))
    }
}
