import Foundation

/// A small disk of its own: a tmpfs mounted in a private mount namespace that a `sleep` process holds open, so
/// that a real server can meet a really full disk without filling the machine's.
///
/// Servers run inside the namespace (`launcher`: `nsenter` into it, which execs them); the test reaches the
/// disk's files through the holder's root, `/proc/PID/root/...` (`outside`). Only plain file calls go that
/// way: SQLite resolves symbolic links in its paths itself, and `/proc/PID/root` reads as `/`, so a database on
/// the disk is opened only inside the namespace or once copied out.
///
/// Mounting needs root (`unshare --mount`); `skipReason` says why not when not.
final class TinyDisk {
    /// Why these tests cannot run here, or nil when they can.
    static let skipReason: String? = {
        if geteuid() != 0 { return "a small tmpfs in a private mount namespace needs root (unshare --mount, mount)" }
        for tool in ["/usr/bin/unshare", "/usr/bin/nsenter"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) (util-linux) is missing"
        }
        return nil
    }()

    /// Where the disk is mounted, as processes inside the namespace see it.
    let mountPoint: URL
    private let holder: Process

    /// Mounts a tmpfs of `megabytes` in a new mount namespace.
    init(megabytes: Int) throws {
        mountPoint = try makeTemporaryDirectory().appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = [
            "--mount", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs -o size=\(megabytes)m,mode=0700 tmpfs \"$1\" && echo mounted && exec sleep 86400",
            "sh", mountPoint.path,
        ]
        let output = Pipe()
        let errors = Pipe()
        holder.standardOutput = output
        holder.standardError = errors
        try holder.run()
        let said = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard said.contains("mounted") else {
            let reason = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            holder.terminate()
            throw TinyDiskError("the tmpfs was not mounted: \(said) \(reason)")
        }
    }

    deinit {
        holder.terminate()
        holder.waitUntilExit()
    }

    /// A command prefix that runs a program inside the disk's namespace.
    var launcher: [String] { ["/usr/bin/nsenter", "--mount=/proc/\(holder.processIdentifier)/ns/mnt", "--"] }

    /// A path on the disk, as the test reaches it from outside the namespace.
    func outside(_ relativePath: String) -> URL {
        URL(fileURLWithPath: "/proc/\(holder.processIdentifier)/root\(mountPoint.path)/\(relativePath)")
    }

    /// Bytes still free on the disk.
    var freeBytes: Int64 { DiskFiller.freeBytes(in: outside("")) }

    /// Fills the disk with a new file `filler-N`, as a runaway log would: to its last byte, or but `leaving`.
    func fill(leaving: Int64 = 0) throws {
        try DiskFiller.fill(outside(""), leaving: leaving)
    }

    /// Deletes every `filler-N` file: the room an administrator makes.
    func removeFillers() throws {
        try DiskFiller.removeFillers(in: outside(""))
    }
}

/// Fills a file system as a runaway log would, and makes the room again.
enum DiskFiller {
    /// Bytes still free on the file system that holds `directory`.
    static func freeBytes(in directory: URL) -> Int64 {
        var status = statvfs()
        guard statvfs(directory.path, &status) == 0 else { return -1 }
        return Int64(status.f_bavail) * Int64(status.f_frsize)
    }

    /// Writes a new file `filler-N` in `directory` until its file system is full to the last byte, then gives
    /// `leaving` bytes back.
    static func fill(_ directory: URL, leaving: Int64 = 0) throws {
        let file = directory.appendingPathComponent("filler-\(UUID().uuidString)")
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TinyDiskError("cannot make \(file.path): errno \(errno)") }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0x5A, count: 1 << 16)
        for size in [1 << 16, 1 << 12, 1] {
            while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, size) }) == size {}
        }
        guard errno == ENOSPC, freeBytes(in: directory) == 0 else {
            throw TinyDiskError("filling stopped with errno \(errno) and \(freeBytes(in: directory)) bytes free")
        }
        if leaving > 0 {
            let size = lseek(descriptor, 0, SEEK_END)
            guard size >= leaving, ftruncate(descriptor, size - off_t(leaving)) == 0 else {
                throw TinyDiskError("cannot leave \(leaving) bytes free: errno \(errno)")
            }
        }
    }

    /// Deletes every `filler-N` file in `directory`.
    static func removeFillers(in directory: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasPrefix("filler-")
        {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}

struct TinyDiskError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
