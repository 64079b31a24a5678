import Foundation
import Sync
import Testing

/// `export --out` writes through `ExclusiveFile`: it never replaces a file, never follows a link.
@Suite("Exclusive file")
struct ExclusiveFileTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("exclusive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a new file is created with mode 0600 and the bytes")
    func creates() throws {
        let path = try Self.directory().appendingPathComponent("export.csv").path
        try ExclusiveFile.create(path, contents: Data("a,b\n".utf8))
        #expect(FileManager.default.contents(atPath: path) == Data("a,b\n".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("a file that is already there (appeared since the command checked) is refused and kept")
    func existing() throws {
        let path = try Self.directory().appendingPathComponent("export.csv").path
        try Data("theirs".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ExclusiveFile.Refusal.self) { try ExclusiveFile.create(path, contents: Data("ours".utf8)) }
        #expect(FileManager.default.contents(atPath: path) == Data("theirs".utf8))
    }

    @Test("a symbolic link is not followed, to a file or to nowhere")
    func symlinks() throws {
        let directory = try Self.directory()
        let target = directory.appendingPathComponent("target").path
        try Data("kept".utf8).write(to: URL(fileURLWithPath: target))
        let link = directory.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: ExclusiveFile.Refusal.self) { try ExclusiveFile.create(link, contents: Data("ours".utf8)) }
        #expect(FileManager.default.contents(atPath: target) == Data("kept".utf8))

        let nowhere = directory.appendingPathComponent("nowhere").path
        let dangling = directory.appendingPathComponent("dangling").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: nowhere)
        #expect(throws: ExclusiveFile.Refusal.self) { try ExclusiveFile.create(dangling, contents: Data("ours".utf8)) }
        #expect(!FileManager.default.fileExists(atPath: nowhere))
        // The check before the work counts a dangling link as taken too (`fileExists` follows it, and says no).
        #expect(ExclusiveFile.isTaken(dangling) && ExclusiveFile.isTaken(link) && !ExclusiveFile.isTaken(nowhere))
    }
}
