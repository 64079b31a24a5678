import Foundation
import Logging
import Metrics
import NIOCore
import NIOSSL
import ServiceLifecycle
import SwiftASN1
import Synchronization
import UnixSignals
import X509

/// The server's TLS certificate chain and private key, read from PEM files (`serve --tls-cert --tls-key`), and
/// read again by `reload` (on SIGHUP: `CertificateReloadService`). Connections made after a reload get the new
/// certificate; those already open keep theirs. A reload that fails keeps the certificate served before.
public final class ServerCertificate: Sendable {
    public let certificateFile: String
    public let keyFile: String
    private let current: Mutex<Loaded>

    /// A certificate chain and its key, checked to belong together.
    struct Loaded: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
        var notAfter: Date?
    }

    /// Why the files cannot be served, in words for the person running the server.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads and checks both files.
    /// - Throws: `LoadError` when a file cannot be read, is not PEM, or the key is not the certificate's.
    public init(certificateFile: String, keyFile: String) throws(LoadError) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        current = Mutex(try Self.load(certificateFile: certificateFile, keyFile: keyFile))
        EmpowerMetrics.certificateExpiry.record(current.withLock { $0.notAfter?.timeIntervalSince1970 ?? 0 })
    }

    /// When the certificate served now stops being valid, if it says.
    public var notAfter: Date? { current.withLock { $0.notAfter } }

    /// Reads the files again and serves them to new connections; when they cannot be served, keeps the
    /// certificate served before. Either way it is logged, with the reason when it failed.
    @discardableResult
    public func reload(logger: Logger) -> Bool {
        do {
            let loaded = try Self.load(certificateFile: certificateFile, keyFile: keyFile)
            current.withLock { $0 = loaded }
            EmpowerMetrics.certificateReload(succeeded: true).increment()
            EmpowerMetrics.certificateExpiry.record(loaded.notAfter?.timeIntervalSince1970 ?? 0)
            logger.notice(
                "TLS certificate reloaded.",
                metadata: [
                    "tls.certificate": "\(certificateFile)",
                    "tls.notAfter": "\(loaded.notAfter.map { "\($0)" } ?? "?")",
                ]
            )
            return true
        } catch {
            EmpowerMetrics.certificateReload(succeeded: false).increment()
            logger.error(
                "TLS certificate not reloaded, still serving the previous one: \(error.description)",
                metadata: ["tls.certificate": "\(certificateFile)"]
            )
            return false
        }
    }

    /// The server's TLS settings: TLS 1.2 or later, and each handshake given the certificate current then.
    public var tlsConfiguration: TLSConfiguration {
        let loaded = current.withLock { $0 }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: loaded.chain.map { .certificate($0) },
            privateKey: .privateKey(loaded.key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.sslContextCallback = { [self] _, promise in
            let loaded = current.withLock { $0 }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = loaded.chain.map { .certificate($0) }
            override.privateKey = .privateKey(loaded.key)
            promise.succeed(override)
        }
        return configuration
    }

    private static func load(certificateFile: String, keyFile: String) throws(LoadError) -> Loaded {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw LoadError(description: "the certificate file \(certificateFile) cannot be read as PEM certificates")
        }
        guard let leaf = chain.first else {
            throw LoadError(description: "the certificate file \(certificateFile) holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw LoadError(description: "the key file \(keyFile) cannot be read as a PEM private key")
        }
        // A key of another certificate fails NIOSSL's context below as only `failedToLoadPrivateKey`: say so plainly.
        var notAfter: Date?
        if let certificate = try? Certificate(derEncoded: try leaf.toDERBytes()) {
            notAfter = certificate.notValidAfter
            if let text = try? String(contentsOfFile: keyFile, encoding: .utf8),
                let privateKey = try? Certificate.PrivateKey(pemEncoded: text),
                privateKey.publicKey != certificate.publicKey
            {
                throw LoadError(
                    description: "the key in \(keyFile) is not the key of the certificate in \(certificateFile)"
                )
            }
        }
        do {
            _ = try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) },
                    privateKey: .privateKey(key)
                )
            )
        } catch {
            throw LoadError(description: "the certificate and key cannot be used for TLS (\(error))")
        }
        return Loaded(chain: chain, key: key, notAfter: notAfter)
    }
}

/// Reloads the server's certificate on every SIGHUP (`kill -HUP`, systemd's `ExecReload`); without TLS the
/// signal is logged and changes nothing (rather than ending the server, as SIGHUP does by default).
struct CertificateReloadService: Service {
    let certificate: ServerCertificate?
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let certificate else {
                logger.notice("SIGHUP: nothing to reload (serving without --tls-cert).")
                continue
            }
            certificate.reload(logger: logger)
        }
    }
}
