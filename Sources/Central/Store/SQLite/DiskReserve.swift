import Foundation

// `struct stat` as the release build's compiler finds it: declared first by Dispatch's C module or by
// CoreFoundation's, depending on the order the build loads them (MemberImportVisibility wants that module).
#if canImport(CDispatch)
    import CDispatch
#endif
#if canImport(CoreFoundation)
    import CoreFoundation
#endif

/// A file of allocated space in the SQLite store's directory (`disk-reserve`), given back to the disk when a
/// write finds it full: the room it frees lets SQLite roll back and checkpoint, and the server keep writing the
/// audit entries of reads, while pushes are refused (see `DiskRoom`).
struct DiskReserve: Sendable {
    /// The reserve file's name inside the store's directory.
    static let fileName = "disk-reserve"

    let file: URL
    /// Its size; 0 turns the reserve off (a file left by an earlier run is still released when the disk fills).
    let bytes: Int64

    init(directory: URL, bytes: Int64) {
        file = directory.appendingPathComponent(Self.fileName)
        self.bytes = max(0, bytes)
    }

    /// Whether the file is there with all of its space allocated (always, when the reserve is off).
    var isInPlace: Bool {
        guard bytes > 0 else { return true }
        var status = stat()
        guard stat(file.path, &status) == 0 else { return false }
        return Int64(status.st_size) == bytes && Int64(status.st_blocks) * 512 >= bytes
    }

    /// Makes the file, its space allocated for real: `posix_fallocate`, and written through with bytes that do
    /// not compress where the file system allocated nothing for it (a compressing or copy-on-write one).
    ///
    /// - Throws: `POSIXError` (`ENOSPC` when there is not the room); no partial file is left.
    func create() throws {
        guard bytes > 0, !isInPlace else { return }
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(errno) }
        do {
            defer { close(descriptor) }
            let allocated = posix_fallocate(descriptor, 0, off_t(bytes))
            guard allocated == 0 else { throw POSIXError(allocated) }
            var status = stat()
            if fstat(descriptor, &status) == 0, Int64(status.st_blocks) * 512 < bytes {
                try writeThrough(descriptor)
            }
            guard fsync(descriptor) == 0 else { throw POSIXError(errno) }
        } catch {
            unlink(file.path)
            throw error
        }
    }

    /// Deletes the file, if there is one. - Returns: the bytes it held.
    @discardableResult
    func release() -> Int64 {
        var status = stat()
        guard stat(file.path, &status) == 0, unlink(file.path) == 0 else { return 0 }
        return Int64(status.st_blocks) * 512
    }

    /// Bytes the server's user may still write on the disk that holds `directory` (`statvfs`), or nil when it
    /// cannot be told.
    static func freeBytes(on directory: URL) -> Int64? {
        var status = statvfs()
        guard statvfs(directory.path, &status) == 0 else { return nil }
        return Int64(status.f_bavail) * Int64(status.f_frsize)
    }

    private func writeThrough(_ descriptor: Int32) throws {
        var generator = SystemRandomNumberGenerator()
        var chunk = [UInt64](repeating: 0, count: 1 << 17)  // 1 MB
        var offset: Int64 = 0
        while offset < bytes {
            for index in chunk.indices { chunk[index] = generator.next() }
            let length = Int(min(Int64(chunk.count * 8), bytes - offset))
            let written = chunk.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, length, off_t(offset)) }
            guard written > 0 else { throw POSIXError(errno) }
            offset += Int64(written)
        }
    }
}

extension POSIXError {
    fileprivate init(_ code: Int32) {
        self.init(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
}
