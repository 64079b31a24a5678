import Crypto
import Foundation

/// The key that encrypts a device's content: 256 random bits, made once when the device is set up.
///
/// It is never written down as it is: the database keeps it only wrapped by the officer's secret
/// (`WrappedDataKey`), and between commands an unlocked device keeps it in the kernel keyring (`KernelKeyring`).
///
/// `@unchecked Sendable` because swift-crypto 3.12 does not mark `SymmetricKey` Sendable on Linux; it is safe: the
/// key is an immutable value (its storage, `SecureBytes`, is copy-on-write and this type never mutates it), so
/// threads only ever read it.
public struct DataKey: @unchecked Sendable {
    /// The key's length in bytes.
    public static let byteCount = 32

    let symmetricKey: SymmetricKey

    init(_ symmetricKey: SymmetricKey) {
        self.symmetricKey = symmetricKey
    }

    /// A new random key, from the system's secure random number generator.
    public static func random() -> DataKey {
        DataKey(SymmetricKey(size: .bits256))
    }

    /// The key from its raw bytes, or nil when they are not 32 bytes.
    public init?(rawBytes: some ContiguousBytes) {
        let key = SymmetricKey(data: rawBytes)
        guard key.bitCount == Self.byteCount * 8 else { return nil }
        self.symmetricKey = key
    }

    /// Calls `body` with the key's raw bytes, for handing it to the kernel keyring.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try symmetricKey.withUnsafeBytes(body)
    }
}

/// Seals and opens the device's content with its data key: AES-256-GCM, a random 96-bit nonce per value.
///
/// A sealed value is `nonce ‖ ciphertext ‖ tag` (28 bytes more than the text), stored as a BLOB. The additional
/// authenticated data names what the value is and which row it belongs to (`Purpose` and an id), so a value
/// copied into another row or column fails to open instead of being read as that row's content.
struct ContentCipher: Sendable {
    /// What a sealed value is: part of its authenticated data.
    enum Purpose: UInt8 {
        /// An operation's JSON (`operation.body`), bound to its opId.
        case operationBody = 1
        /// A merged record's JSON (`record.state`), bound to the record's id.
        case recordState = 2
        /// The device's access token (`AccessTokenFile`), bound to the nil id.
        case accessToken = 3
        /// Nothing, sealed once when the device is set up (`contentKey.keyCheck`): tells a wrong key at once.
        case keyCheck = 4
    }

    let dataKey: DataKey
    var key: SymmetricKey { dataKey.symmetricKey }

    init(_ key: DataKey) {
        self.dataKey = key
    }

    /// Seals text (its UTF-8 bytes).
    func seal(_ text: String, as purpose: Purpose, of id: UUID) throws -> Data {
        var text = text
        return try text.withUTF8 { try seal(UnsafeRawBufferPointer($0), as: purpose, of: id) }
    }

    /// Seals bytes.
    func seal(_ bytes: some DataProtocol, as purpose: Purpose, of id: UUID) throws -> Data {
        try Self.withAuthenticatedData(purpose, id) { authenticated in
            // A 12-byte nonce always gives a combined representation.
            try AES.GCM.seal(bytes, using: key, authenticating: authenticated).combined!
        }
    }

    /// Opens a sealed value.
    /// - Throws: `ReplicaError.damagedContent` when it does not open with this key as this purpose and id: it
    ///   was changed, moved from another row, or sealed with another key.
    func open(_ sealed: Data, as purpose: Purpose, of id: UUID) throws -> Data {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return try Self.withAuthenticatedData(purpose, id) { try AES.GCM.open(box, using: key, authenticating: $0) }
        } catch {
            throw ReplicaError.damagedContent
        }
    }

    /// Opens a sealed value holding text.
    func openText(_ sealed: Data, as purpose: Purpose, of id: UUID) throws -> String {
        String(decoding: try open(sealed, as: purpose, of: id), as: UTF8.self)
    }

    /// The authenticated data, 17 bytes on the stack: the purpose, then the id's 16 bytes.
    private static func withAuthenticatedData<Result>(
        _ purpose: Purpose,
        _ id: UUID,
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        var bytes = (purpose.rawValue, id.uuid)
        return try withUnsafeBytes(of: &bytes) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(17))) }
    }
}

extension UUID {
    /// The id that binds values that belong to no row (the access token, the key check).
    static let none = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}
