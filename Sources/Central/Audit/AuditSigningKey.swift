import Crypto
import Foundation

/// The Ed25519 key that signs the audit log's tree heads, in the signed-note key formats
/// (C2SP signed-note, as Go's `golang.org/x/mod/sumdb/note` reads them):
/// - private: `PRIVATE+KEY+<name>+<key id, 8 hex digits>+<base64 of 0x01 ‖ 32-byte seed>`
/// - public:  `<name>+<key id>+<base64 of 0x01 ‖ 32-byte public key>`
/// The key id is the first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
public struct AuditSigningKey: Sendable {
    public let name: String
    /// The 32-byte seed (the key's raw representation).
    private let seed: Data
    private var privateKey: Curve25519.Signing.PrivateKey {
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }
    public var publicKey: AuditPublicKey { AuditPublicKey(name: name, key: privateKey.publicKey) }

    /// A new random key; `name` is the log's name (also the checkpoints' origin line).
    public init(name: String) throws {
        try AuditPublicKey.checkName(name)
        self.name = name
        seed = Curve25519.Signing.PrivateKey().rawRepresentation
    }

    public init(text: String) throws {
        // The base64 of the key may itself hold '+'.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY",
            let bytes = Data(base64Encoded: String(parts[4])), bytes.count == 33, bytes.first == 1,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes.dropFirst())
        else { throw AuditKeyError("It is not an audit signing key (PRIVATE+KEY+name+id+key).") }
        name = String(parts[2])
        try AuditPublicKey.checkName(name)
        seed = key.rawRepresentation
        guard String(parts[3]) == AuditPublicKey.keyIdHex(name: name, key: key.publicKey) else {
            throw AuditKeyError("The key's id does not match its name and key.")
        }
    }

    public var text: String {
        "PRIVATE+KEY+\(name)+\(publicKey.keyIdHex)+\((Data([1]) + privateKey.rawRepresentation).base64EncodedString())"
    }

    func sign(_ message: Data) throws -> Data { try privateKey.signature(for: message) }

    /// Writes a new key file readable by its owner only; refuses to replace a file that exists.
    public func save(to file: URL) throws {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw AuditKeyError(
                errno == EEXIST
                    ? "\(file.path) exists already; a signing key is never replaced."
                    : "\(file.path) cannot be created: \(String(cString: strerror(errno)))."
            )
        }
        defer { close(descriptor) }
        let bytes = Array((text + "\n").utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw AuditKeyError("\(file.path) cannot be written: \(String(cString: strerror(errno))).")
        }
    }

    /// Reads a key file, refusing one that others may read.
    public static func load(from file: URL) throws -> AuditSigningKey {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
            let permissions = attributes[.posixPermissions] as? Int
        else {
            throw AuditKeyError("There is no audit signing key at \(file.path).")
        }
        guard permissions & 0o077 == 0 else {
            throw AuditKeyError("\(file.path) may be read by others; make it readable by its owner only (chmod 600).")
        }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw AuditKeyError("\(file.path) cannot be read.")
        }
        do {
            return try AuditSigningKey(text: text)
        } catch let error as AuditKeyError {
            throw AuditKeyError("\(file.path): \(error.message)")
        }
    }
}

/// The public half of the audit signing key: what operators publish and verifiers check heads against.
public struct AuditPublicKey: Sendable, Hashable {
    public let name: String
    /// The 32-byte public key.
    private let raw: Data
    private var key: Curve25519.Signing.PublicKey { try! Curve25519.Signing.PublicKey(rawRepresentation: raw) }

    init(name: String, key: Curve25519.Signing.PublicKey) {
        self.name = name
        raw = key.rawRepresentation
    }

    /// Reads `<name>+<key id>+<base64 of 0x01 ‖ key>`.
    public init(text: String) throws {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Data(base64Encoded: String(parts[2])), bytes.count == 33, bytes.first == 1,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes.dropFirst())
        else { throw AuditKeyError("It is not an audit public key (name+id+key).") }
        name = String(parts[0])
        try Self.checkName(name)
        raw = key.rawRepresentation
        guard String(parts[1]) == keyIdHex else { throw AuditKeyError("The key's id does not match its name and key.") }
    }

    public var text: String { "\(name)+\(keyIdHex)+\((Data([1]) + raw).base64EncodedString())" }

    /// The four bytes that name this key in a signature line.
    var keyId: Data {
        Data(SHA256.hash(data: Data(name.utf8) + Data([0x0A, 0x01]) + raw).prefix(4))
    }
    var keyIdHex: String { keyId.map { String(format: "%02x", $0) }.joined() }

    static func keyIdHex(name: String, key: Curve25519.Signing.PublicKey) -> String {
        AuditPublicKey(name: name, key: key).keyIdHex
    }

    func isValid(signature: Data, for message: Data) -> Bool { key.isValidSignature(signature, for: message) }

    /// A key name is printable ASCII without spaces or '+' (the note format's rule).
    static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 128,
            name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "+" })
        else { throw AuditKeyError("A log name is 1 to 128 printable characters, without spaces or '+'.") }
    }
}

/// A key or head that cannot be used, with a message for people.
public struct AuditKeyError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
