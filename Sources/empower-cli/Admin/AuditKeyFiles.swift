import Central
import Foundation

/// The files around the audit log's key and heads: where the key is by default, and the anchors file.
enum AuditKeyFiles {
    /// The log's name when none is given: written in every head and in the key.
    static let defaultLogName = "empower-audit"

    /// `audit-signing.key` in the server's data directory (`~/.empower/central` when none is given).
    static func defaultKeyFile(dataDirectory: String?) -> URL {
        ServeCommand.dataDirectory(dataDirectory).appendingPathComponent("audit-signing.key")
    }

    /// The heads of an anchors file.
    static func anchors(in path: String) throws -> [SignedTreeHead] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("The anchors file \(path) cannot be read.")
        }
        do {
            let heads = try SignedTreeHead.notes(in: text)
            guard !heads.isEmpty else { throw CLIError("The anchors file \(path) holds no heads.") }
            return heads
        } catch let error as AuditKeyError {
            throw CLIError("\(path): \(error.message)")
        }
    }

    static func head(_ note: String) throws -> SignedTreeHead {
        do { return try SignedTreeHead(note: note) } catch let error as AuditKeyError { throw CLIError(error.message) }
    }

    /// Appends `text` to `file` (created if missing) and flushes it to disk.
    static func append(_ text: String, to file: URL) throws {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CLIError("\(file.path) cannot be opened: \(String(cString: strerror(errno))).")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw CLIError("\(file.path) cannot be written: \(String(cString: strerror(errno))).")
        }
    }
}
