import Foundation
import Sync
import Testing

/// Erasing a device's data directory, on real files in a temporary directory.
@Suite("Device data wipe")
struct DeviceDataWipeTests {
    private func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test("every file goes, whatever its name, then the token and the directory; nothing outside is touched")
    func erasesEverythingInside() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("device")
        for name in [LocalReplica.fileName, LocalReplica.fileName + "-wal", "replica.key", "nested/more/cache.bin"] {
            try write("patrol data", to: directory.appendingPathComponent(name))
        }
        try AccessTokenFile.save("emp_token", in: directory)
        let outside = root.appendingPathComponent("kept/evidence.txt")
        try write("not the device's", to: outside)
        // A link out of the directory is removed, never what it points to.
        try FileManager.default.createSymbolicLink(
            at: directory.appendingPathComponent("link-out"),
            withDestinationURL: outside.deletingLastPathComponent()
        )

        try DeviceDataWipe.begin(in: directory, serverURL: URL(string: "http://127.0.0.1:8080")!)
        #expect(DeviceDataWipe.isPending(in: directory))
        #expect(DeviceDataWipe.pendingServerURL(in: directory)?.absoluteString == "http://127.0.0.1:8080")
        let erased = try DeviceDataWipe.eraseData(in: directory)
        #expect(erased == 5)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == [AccessTokenFile.fileName, DeviceDataWipe.markerName], "the token waits for the confirmation")
        #expect(AccessTokenFile.load(from: directory) == "emp_token")

        try DeviceDataWipe.finish(in: directory)
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        #expect(!DeviceDataWipe.isPending(in: directory))
        #expect(try String(contentsOf: outside, encoding: .utf8) == "not the device's")
    }

    @Test("a data directory reached through a symbolic link: its files, the directory and the link go")
    func dataDirectoryBehindALink() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let real = root.appendingPathComponent("card/empower")
        try write("patrol data", to: real.appendingPathComponent(LocalReplica.fileName))
        try AccessTokenFile.save("emp_token", in: real)
        let link = root.appendingPathComponent("device")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)

        try DeviceDataWipe.begin(in: link, serverURL: URL(string: "http://127.0.0.1:8080")!)
        #expect(try DeviceDataWipe.eraseData(in: link) == 1)
        #expect(try DeviceDataWipe.finish(in: link) == 1, "the token")
        #expect(
            !FileManager.default.fileExists(atPath: real.path) && !FileManager.default.fileExists(atPath: link.path)
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["card"])
    }

    @Test("finishing twice, or on a directory already gone, is harmless")
    func finishIsIdempotent() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("device")
        try write("x", to: directory.appendingPathComponent(LocalReplica.fileName))
        try DeviceDataWipe.finish(in: directory)
        try DeviceDataWipe.finish(in: directory)
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }
}
