import Foundation
import NIOSSL

/// The certificate authorities a device trusts for its server's TLS certificate, when the server's certificate
/// is signed by a private CA (`device init --ca FILE`) rather than one the system trusts. Kept beside the
/// device's database (`fileName`), so that every later command that talks to the server uses it.
public struct ServerTrust: Sendable {
    /// The file's name inside the device's data directory.
    public static let fileName = "server-ca.pem"

    /// The PEM text as given.
    public let pem: Data
    let certificates: [NIOSSLCertificate]

    /// Why a CA file cannot be used.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads PEM certificates (one or more CAs) from `file`.
    public init(file: String) throws(LoadError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw LoadError(description: "The CA file \(file) cannot be read.")
        }
        try self.init(pem: data, source: file)
    }

    init(pem: Data, source: String) throws(LoadError) {
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem))
        } catch {
            throw LoadError(
                description: "The CA file \(source) holds no PEM certificate (-----BEGIN CERTIFICATE-----)."
            )
        }
        guard !certificates.isEmpty else {
            throw LoadError(
                description: "The CA file \(source) holds no PEM certificate (-----BEGIN CERTIFICATE-----)."
            )
        }
        self.pem = pem
    }

    /// The trust kept in a device's data directory, or nil when the device trusts the system's CAs only.
    public static func stored(in directory: URL) throws(LoadError) -> ServerTrust? {
        let file = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        return try ServerTrust(pem: data, source: file.path)
    }

    /// Keeps this trust in a device's data directory (mode 0600, as everything there).
    public func save(in directory: URL) throws {
        let file = directory.appendingPathComponent(Self.fileName)
        try pem.write(to: file, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    }

    /// Client TLS settings that trust these CAs (and only these), with the server's name checked.
    public var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(certificates)
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}
