import Foundation
import Models

/// A signed tree head: the audit tree's size, root hash and time, signed with the log's Ed25519 key.
///
/// Written as a C2SP tlog-checkpoint inside a signed note, so that standard tools read it:
/// ```
/// empower-audit                       ← the log's name (origin)
/// 1024                                ← tree size
/// 4y3F…=                              ← root hash, base64
/// time 2026-12-06T10:00:00.000Z       ← when it was sealed (an extension line)
///
/// — empower-audit AbCd…=              ← key id ‖ Ed25519 signature of the four lines above, base64
/// ```
public struct SignedTreeHead: Sendable, Hashable {
    public var origin: String
    public var size: Int64
    public var rootHash: Data
    public var time: Date
    /// The signing key's id and the signature.
    public var keyId: Data
    public var signature: Data

    /// The signed part: the checkpoint's lines.
    public var body: String {
        "\(origin)\n\(size)\n\(rootHash.base64EncodedString())\ntime \(WireCoding.formatDate(time))\n"
    }

    /// The whole note, ending in a newline.
    public var note: String {
        "\(body)\n\u{2014} \(origin) \((keyId + signature).base64EncodedString())\n"
    }

    /// Signs a new head.
    public init(size: Int64, rootHash: Data, time: Date, key: AuditSigningKey) throws {
        origin = key.name
        self.size = size
        self.rootHash = rootHash
        // Whole milliseconds, as written: the signed text and the value agree.
        self.time = Date(millisecondsSince1970: time.millisecondsSince1970)
        keyId = key.publicKey.keyId
        signature = Data()
        signature = try key.sign(Data(body.utf8))
    }

    /// Reads one note; the signature is checked separately with `isSigned(by:)`.
    public init(note: String) throws {
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 7, lines[4].isEmpty, let size = Int64(lines[1]), size >= 0,
            let root = Data(base64Encoded: lines[2]), root.count == 32, lines[3].hasPrefix("time "),
            let time = WireCoding.parseDate(String(lines[3].dropFirst(5)))
        else {
            throw AuditKeyError(
                "It is not a signed tree head (name, size, root hash, time, a blank line, a signature)."
            )
        }
        let signatureLine = lines[5].split(separator: " ", omittingEmptySubsequences: false)
        guard signatureLine.count == 3, signatureLine[0] == "\u{2014}", signatureLine[1] == lines[0],
            let signed = Data(base64Encoded: String(signatureLine[2])), signed.count == 68
        else { throw AuditKeyError("The tree head's signature line is not '— NAME SIGNATURE'.") }
        origin = lines[0]
        self.size = size
        rootHash = root
        self.time = time
        keyId = signed.prefix(4)
        signature = signed.dropFirst(4)
        guard body == lines[0...3].joined(separator: "\n") + "\n" else {
            throw AuditKeyError("The tree head is not written in its canonical form.")
        }
    }

    /// Whether the head was signed by `key` (its name, its id and a valid signature).
    public func isSigned(by key: AuditPublicKey) -> Bool {
        origin == key.name && keyId == key.keyId && key.isValid(signature: signature, for: Data(body.utf8))
    }

    /// Reads the notes of an anchors file: notes one after another, each ending at its signature line.
    /// Lines starting with '#' between notes are comments.
    public static func notes(in text: String) throws -> [SignedTreeHead] {
        var heads: [SignedTreeHead] = []
        var pending: [Substring] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if pending.isEmpty && (line.isEmpty || line.hasPrefix("#")) { continue }
            pending.append(line)
            if line.hasPrefix("\u{2014} ") {
                do {
                    heads.append(try SignedTreeHead(note: pending.joined(separator: "\n") + "\n"))
                } catch let error as AuditKeyError {
                    throw AuditKeyError("The head ending on line \(number + 1): \(error.message)")
                }
                pending = []
            }
        }
        guard pending.isEmpty else { throw AuditKeyError("The last head has no signature line.") }
        return heads
    }
}
