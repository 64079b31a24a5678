import Foundation
import Models
import Sync
import Testing

/// A data directory that cannot be written still lets its officer read their records: `list`, `show`, `status`
/// and `search` work, including commits still in the write-ahead log, and writing commands say plainly that the
/// directory is read-only. Nothing in the directory changes.
///
/// The directory is made read-only for real: a read-only bind mount in a private mount namespace (`unshare`, as
/// a card remounted read-only after errors looks), or the immutable attribute on the directory alone (`chattr
/// +i`: its files stay writable, but no `-wal` or `-shm` file can be made beside them). Both stop root, for whom
/// permission bits do not; a user other than root gets a 0500 directory instead.
@Suite("Read-only data directory", .serialized)
struct ReadOnlyDataDirectoryTests {
    /// How the directory is made read-only.
    enum Mechanism: String, CaseIterable, Sendable {
        case readOnlyMount, immutableDirectory
    }

    /// What SQLite left beside the database when the directory became read-only.
    enum Leftover: String, CaseIterable, Sendable {
        /// Closed cleanly: the log was checkpointed into the database and removed.
        case nothing
        /// A writer still had it open: the last commit is only in the `-wal` file, indexed by the `-shm` file.
        case walAndShm
        /// The same, with the `-shm` file lost (it is rebuilt from the log).
        case walOnly
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var mechanism: Mechanism
        var leftover: Leftover
        var testDescription: String { "\(mechanism.rawValue), \(leftover.rawValue)" }
    }

    static let cases = Mechanism.allCases.flatMap { mechanism in
        Leftover.allCases.map { Case(mechanism: mechanism, leftover: $0) }
    }

    private static let isRoot = geteuid() == 0

    @Test(
        "list, show, status and search read the records; writing commands say the directory is read-only",
        arguments: cases
    )
    func readOnlyDirectory(_ testCase: Case) throws {
        let server = try ServeProcess()
        defer { server.stop() }
        let workspace = try makeTemporaryDirectory()
        defer {
            _ = try? Self.shell(["/usr/bin/chattr", "-i", workspace.appendingPathComponent("device").path])
            _ = chmod(workspace.appendingPathComponent("device").path, 0o700)
            try? FileManager.default.removeItem(at: workspace)
        }
        let source = try server.enrolDevice(
            "dev-read-only",
            user: "PS-0311",
            role: "supervisor",
            in: workspace.appendingPathComponent("source")
        )
        var ids: [String] = []
        for place in ["Seel Street, by the taxi rank", "Bold Street, outside no. 12"] {
            let added = try CLIRunner.run([
                "sighting", "add", "--place", place, "--behaviour", "leering", "--risk", "low", "--data", source.path,
            ])
            #expect(added.status == 0, "stderr was: \(added.stderr)")
            ids.append(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(try CLIRunner.run(["sync", "--data", source.path]).status == 0)

        // A third sighting, committed while this process holds the database open: only in the -wal file.
        let key = try unlockedKey(of: source)
        let device = workspace.appendingPathComponent("device")
        try FileManager.default.createDirectory(at: device, withIntermediateDirectories: false)
        let lastPlace = "Wood Street, in the doorway of the old bank"
        /// Records the third sighting; copies the device's files while the replica is open when `suffixes` are
        /// given. - Returns: the sighting's id.
        func recordLast(copyingWhileOpen suffixes: [String]?) throws -> String {
            let replica = try LocalReplica.open(in: source, key: key)
            let now = Date().truncatedToMilliseconds
            let sighting = Sighting(
                occurredAt: now,
                recordedAt: now,
                reporter: "PS-0311",
                location: Location(place: lastPlace),
                behaviours: [.following],
                riskLevel: .high
            )
            try replica.append(.createSighting(sighting), recordId: sighting.id)
            if let suffixes {
                #expect(try Data(contentsOf: URL(fileURLWithPath: replica.fileURL.path + "-wal")).count > 0)
                try Self.copy(from: source, to: device, suffixes: suffixes)
            }
            return sighting.id.uuidString.lowercased()
        }
        switch testCase.leftover {
        case .nothing:
            // Closed first: everything is in the database file.
            ids.append(try recordLast(copyingWhileOpen: nil))
            #expect(!FileManager.default.fileExists(atPath: source.appendingPathComponent("device.sqlite-wal").path))
            try Self.copy(from: source, to: device, suffixes: [""])
        case .walAndShm: ids.append(try recordLast(copyingWhileOpen: ["", "-wal", "-shm"]))
        case .walOnly: ids.append(try recordLast(copyingWhileOpen: ["", "-wal"]))
        }
        try KernelKeyring.store(key, for: device, lasting: 600)
        defer { KernelKeyring.forget(for: device) }
        let filesBefore = try Self.contents(of: device)
        // The CLI's temporary files go to a directory of this case's own, so copies other tests make meanwhile
        // (cases run in parallel) cannot be taken for this one's.
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("readonly-tmp-\(UUID())")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }

        let launcher = try Self.makeReadOnly(device, by: testCase.mechanism)
        func run(_ arguments: [String]) throws -> CLIRunner.Result {
            try CLIRunner.run(
                arguments + ["--data", device.path],
                launcher: launcher,
                environment: ["TMPDIR": temporary.path]
            )
        }
        // The directory really is read-only to this user, root included.
        let touched = try Self.shell(launcher + ["/usr/bin/touch", device.appendingPathComponent("probe").path])
        #expect(touched != 0, "the directory can be written: \(testCase)")

        let listed = try run(["list", "--format", "json"])
        #expect(listed.status == 0, "stderr was: \(listed.stderr)")
        for place in ["Seel Street, by the taxi rank", "Bold Street, outside no. 12", lastPlace] {
            #expect(listed.stdout.contains(place), "\(place) is not listed")
        }
        let shown = try run(["show", ids[2]])
        #expect(shown.status == 0, "stderr was: \(shown.stderr)")
        #expect(shown.stdout.contains(lastPlace))
        let status = try run(["status"])
        #expect(status.status == 0, "stderr was: \(status.stderr)")
        #expect(status.stdout.contains("Records    3"), "stdout was: \(status.stdout)")
        #expect(status.stdout.contains("Pending    1 operation waiting"))
        #expect(status.stdout.contains("read-only"))
        let searched = try run(["search", "--reason", "Weekly review", "--format", "json"])
        #expect(searched.status == 0, "stderr was: \(searched.stderr)")
        #expect(searched.stdout.lowercased().contains(ids[0]) && searched.stdout.lowercased().contains(ids[1]))

        for arguments in [
            ["sighting", "add", "--place", "Hardman Street", "--behaviour", "leering", "--risk", "low"],
            ["note", "add", "--record", ids[0], "--text", "CCTV kept"],
            ["sync", "--timeout", "5"],
            ["device", "repair"],
        ] {
            let refused = try run(arguments)
            #expect(refused.status != 0, "\(arguments[0]) succeeded")
            #expect(
                refused.stderr.contains("The data directory \(device.path) is read-only"),
                "\(arguments[0]): \(refused.stderr)"
            )
            #expect(!refused.stderr.contains("SQLite error"))
        }
        try Self.makeWritable(device)
        #expect(try Self.contents(of: device) == filesBefore, "the read-only directory changed")
        let copies = try FileManager.default.contentsOfDirectory(atPath: temporary.path)
        #expect(copies.isEmpty, "a private copy was left behind: \(copies)")
    }

    /// Copies the database's files and the token (the source replica is open: nothing writes meanwhile).
    private static func copy(from source: URL, to device: URL, suffixes: [String]) throws {
        for suffix in suffixes {
            let name = LocalReplica.fileName + suffix
            try FileManager.default.copyItem(
                at: source.appendingPathComponent(name),
                to: device.appendingPathComponent(name)
            )
        }
        try FileManager.default.copyItem(
            at: source.appendingPathComponent(AccessTokenFile.fileName),
            to: device.appendingPathComponent(AccessTokenFile.fileName)
        )
    }

    /// Makes `directory` read-only by `mechanism`. - Returns: the launcher the CLI must run in to see it so.
    private static func makeReadOnly(_ directory: URL, by mechanism: Mechanism) throws -> [String] {
        guard isRoot else {
            _ = chmod(directory.path, 0o500)
            return []
        }
        switch mechanism {
        case .readOnlyMount:
            return [
                "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" \"$1\" && shift && exec \"$@\"",
                "sh", directory.path,
            ]
        case .immutableDirectory:
            let status = try shell(["/usr/bin/chattr", "+i", directory.path])
            #expect(status == 0, "chattr +i failed")
            return []
        }
    }

    private static func makeWritable(_ directory: URL) throws {
        if isRoot { try shell(["/usr/bin/chattr", "-i", directory.path]) }
        _ = chmod(directory.path, 0o700)
    }

    /// Every file in `directory` with its bytes.
    private static func contents(of directory: URL) throws -> [String: Data] {
        var contents: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            contents[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return contents
    }

    /// The private copies of device databases in the temporary directory.
    /// Runs a program (its path, then its arguments) to completion. - Returns: its exit status.
    @discardableResult
    private static func shell(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
