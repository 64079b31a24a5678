import Crypto
import Foundation
import _CryptoExtras

/// A device's data key sealed with a key derived from the officer's secret: the only form in which the data key
/// is ever written down.
///
/// The key-encryption key is scrypt(secret, salt, N, r, p), deliberately slow and memory-hard, so that guessing
/// secrets against a lost device's file costs each guess the same; the data key is sealed with it by
/// AES-256-GCM. Salt and cost are kept beside the sealed key, so a device set up with other costs still opens.
public struct WrappedDataKey: Sendable, Equatable {
    /// scrypt's cost parameters.
    public struct Cost: Sendable, Equatable {
        /// CPU and memory cost, a power of two.
        public var n: Int
        /// Block size.
        public var r: Int
        /// Parallelism.
        public var p: Int

        public init(n: Int, r: Int, p: Int) {
            self.n = n
            self.r = r
            self.p = p
        }

        /// N = 2^17, r = 8, p = 1: 128 MiB and about half a second for each derivation (OWASP's recommendation
        /// for scrypt).
        public static let standard = Cost(n: 1 << 17, r: 8, p: 1)

        /// Whether these are costs this program will derive with: no weaker than N = 2^14, no more than 1 GiB.
        var isAcceptable: Bool {
            n >= 1 << 14 && n <= 1 << 22 && n & (n - 1) == 0 && (1...32).contains(r) && (1...16).contains(p)
                && 128 * n * r * p <= 1 << 30
        }
    }

    /// The shortest secret accepted, in characters.
    public static let minimumSecretLength = 12

    public var salt: Data
    public var cost: Cost
    /// The data key, AES-GCM sealed (`nonce ‖ ciphertext ‖ tag`).
    public var sealedKey: Data

    public init(salt: Data, cost: Cost, sealedKey: Data) {
        self.salt = salt
        self.cost = cost
        self.sealedKey = sealedKey
    }

    /// Wraps `key` with `secret` and a new random salt.
    /// - Throws: `UnlockError.secretTooShort` for a secret shorter than `minimumSecretLength`.
    public static func wrap(_ key: DataKey, secret: String, cost: Cost = .standard) throws -> WrappedDataKey {
        try checkNewSecret(secret)
        let salt = Data(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let encryptionKey = try deriveKey(secret: secret, salt: salt, cost: cost)
        let sealed = try key.withUnsafeBytes { bytes in
            try AES.GCM.seal(bytes, using: encryptionKey, authenticating: Self.authenticatedData).combined!
        }
        return WrappedDataKey(salt: salt, cost: cost, sealedKey: sealed)
    }

    /// Refuses a secret that is too short to be chosen.
    public static func checkNewSecret(_ secret: String) throws {
        guard secret.count >= minimumSecretLength else { throw UnlockError.secretTooShort }
    }

    /// The data key, with the secret it was wrapped with.
    /// - Throws: `UnlockError.wrongSecret` for any other secret; `UnlockError.unusableCost` when the stored cost
    ///   is outside what this program derives with (the database was changed).
    public func unwrap(secret: String) throws -> DataKey {
        let encryptionKey = try Self.deriveKey(secret: secret, salt: salt, cost: cost)
        guard let box = try? AES.GCM.SealedBox(combined: sealedKey),
            let bytes = try? AES.GCM.open(box, using: encryptionKey, authenticating: Self.authenticatedData),
            let key = DataKey(rawBytes: bytes)
        else { throw UnlockError.wrongSecret }
        return key
    }

    private static let authenticatedData = Data("empower device data key v1".utf8)

    private static func deriveKey(secret: String, salt: Data, cost: Cost) throws -> SymmetricKey {
        guard cost.isAcceptable else { throw UnlockError.unusableCost }
        // The same secret typed with composed or decomposed accents gives the same key.
        let secretBytes = Data(secret.precomposedStringWithCanonicalMapping.utf8)
        return try KDF.Scrypt.deriveKey(
            from: secretBytes,
            salt: salt,
            outputByteCount: DataKey.byteCount,
            rounds: cost.n,
            blockSize: cost.r,
            parallelism: cost.p
        )
    }
}

/// Why a device could not be unlocked; each says what to do.
public enum UnlockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The secret does not unwrap the device's data key.
    case wrongSecret
    /// A new secret is shorter than `WrappedDataKey.minimumSecretLength`.
    case secretTooShort
    /// The stored scrypt cost is not one this program derives with.
    case unusableCost
    /// The device was set up without a secret (in-process, by a test, the demo or the bench).
    case noSecret

    public var description: String {
        switch self {
        case .wrongSecret:
            "That secret does not unlock this device. Nothing was changed; try again."
        case .secretTooShort:
            "The secret must be at least \(WrappedDataKey.minimumSecretLength) characters long."
        case .unusableCost:
            "The device's key is stored with settings this program does not accept: its database has been changed."
        case .noSecret:
            "This device was set up without a secret (by a test, the demo or the bench), so it cannot be unlocked."
        }
    }
}
