import Foundation
import SQLiteSupport

/// Where the files of a repair go in a device's data directory, and the steps that put a repaired database in
/// place of a damaged one, in an order that a crash or a power cut at any point leaves a way on:
///
/// 1. The repaired database is built as `device.sqlite.building` (a leftover of an earlier try is removed first),
///    closed (its write-ahead log checkpointed and gone), then renamed `device.sqlite.repaired-<time>`: from then
///    on a repair only has to finish, and `LocalReplica.open` says so (`interruptedRepair(in:)`).
/// 2. The damaged database's `-wal` and `-shm` files, then the database itself, are renamed
///    `device.sqlite.damaged-<time>` (with the same suffixes), mode 0600: never an old write-ahead log left
///    beside the new database, where SQLite would apply it.
/// 3. The repaired database is renamed `device.sqlite`.
///
/// `<time>` is the repair's UTC time, such as `20261121T234000Z`. The damaged files stay in the data directory
/// (a remote wipe erases them with the rest); `device init` accepts a directory that holds only them and the
/// access token.
public enum ReplicaRepair {
    /// What the names of damaged files moved aside start with.
    public static let damagedPrefix = LocalReplica.fileName + ".damaged-"
    static let repairedPrefix = LocalReplica.fileName + ".repaired-"
    static let buildingName = LocalReplica.fileName + ".building"

    /// The repaired database of a repair that was interrupted before it was put in place, if any.
    static func interruptedRepair(in directory: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(repairedPrefix) && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
            .sorted().first.map { directory.appendingPathComponent($0) }
    }

    /// Puts the repaired database of an interrupted repair in place (steps 2 and 3).
    /// - Returns: the damaged database's new path, or nil when no repair was interrupted.
    public static func finishInterrupted(in directory: URL) throws -> URL? {
        guard let repaired = interruptedRepair(in: directory) else { return nil }
        let stamp = String(repaired.lastPathComponent.dropFirst(repairedPrefix.count))
        return try putInPlace(repaired, stamp: stamp, in: directory)
    }

    /// Steps 2 and 3: moves the damaged files aside and renames `repaired` to the device's database.
    static func putInPlace(_ repaired: URL, stamp: String, in directory: URL) throws -> URL {
        let movedTo = try moveDamagedAside(stamp: stamp, in: directory)
        try rename(repaired, to: directory.appendingPathComponent(LocalReplica.fileName))
        PrivateDataDirectory.syncEntries(of: directory)
        return movedTo
    }

    /// Step 2: renames whichever of the device database's `-wal`, `-shm` and main file are still there.
    /// - Returns: the damaged database's new path.
    static func moveDamagedAside(stamp: String, in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent(LocalReplica.fileName)
        let movedTo = directory.appendingPathComponent(damagedPrefix + stamp)
        for suffix in ["-wal", "-shm", ""] where FileManager.default.fileExists(atPath: file.path + suffix) {
            let destination = URL(fileURLWithPath: movedTo.path + suffix)
            try rename(URL(fileURLWithPath: file.path + suffix), to: destination)
            _ = chmod(destination.path, PrivateDataDirectory.fileMode)
        }
        PrivateDataDirectory.syncEntries(of: directory)
        return movedTo
    }

    /// A UTC time stamp for a new repair's names, one that no earlier repair in `directory` used.
    static func newStamp(in directory: URL, now: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let base = formatter.string(from: now)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var stamp = base
        var count = 1
        while names.contains(where: { $0.hasPrefix(damagedPrefix + stamp) || $0.hasPrefix(repairedPrefix + stamp) }) {
            count += 1
            stamp = "\(base)-\(count)"
        }
        return stamp
    }

    private static func rename(_ source: URL, to destination: URL) throws {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw ReplicaError.unusableDirectory(
                path: source.deletingLastPathComponent().path,
                reason: "\(source.lastPathComponent) cannot be renamed (\(String(cString: strerror(errno))))"
            )
        }
    }
}
