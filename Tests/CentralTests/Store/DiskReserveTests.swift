import Foundation
import Testing

@testable import Central

/// The reserve file of a SQLite central store's data directory, on the real disk.
@Suite("Disk reserve")
struct DiskReserveTests {
    private func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("empower-reserve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func attributes(_ reserve: DiskReserve) throws -> (size: Int, mode: Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: reserve.file.path)
        return (
            (attributes[.size] as? NSNumber)?.intValue ?? -1,
            (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        )
    }

    @Test("made at its size with its space allocated, private; released, it is gone and its bytes are given back")
    func makeAndRelease() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reserve = DiskReserve(directory: directory, bytes: 1 << 20)
        #expect(!reserve.isInPlace)
        try reserve.create()
        #expect(reserve.isInPlace)
        let made = try attributes(reserve)
        #expect(made.size == 1 << 20 && made.mode == 0o600)
        #expect(reserve.release() >= 1 << 20)
        #expect(!FileManager.default.fileExists(atPath: reserve.file.path))
        #expect(reserve.release() == 0, "nothing left to release")
    }

    @Test("a reserve of another size is made again at its own size")
    func resized() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DiskReserve(directory: directory, bytes: 1 << 20).create()
        let larger = DiskReserve(directory: directory, bytes: 3 << 20)
        #expect(!larger.isInPlace)
        try larger.create()
        #expect(try attributes(larger).size == 3 << 20)
    }

    @Test("a reserve of 0 makes no file, yet a file left by an earlier run is still released")
    func none() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let none = DiskReserve(directory: directory, bytes: 0)
        try none.create()
        #expect(none.isInPlace && !FileManager.default.fileExists(atPath: none.file.path))
        try DiskReserve(directory: directory, bytes: 1 << 20).create()
        #expect(none.release() >= 1 << 20)
    }
}
