import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway certificate authority made in the test, and server certificates it signs for loopback
/// (`localhost`, `127.0.0.1`): what a private CA gives a server, with nothing to install.
struct TestCertificateAuthority {
    let name: DistinguishedName
    private let key: P256.Signing.PrivateKey
    let certificate: Certificate

    init(_ commonName: String) throws {
        key = P256.Signing.PrivateKey()
        name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + 86400,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
    }

    /// The CA's certificate, PEM.
    var pem: String { get throws { try certificate.serializeAsPEM().pemString } }

    /// A server certificate for loopback signed by this CA, and its private key, both PEM.
    func issueServerCertificate() throws -> (certificate: String, key: String) {
        let serverKey = P256.Signing.PrivateKey()
        let now = Date()
        let issued = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(serverKey.publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + 86400,
            issuer: name,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                ])
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        return (try issued.serializeAsPEM().pemString, serverKey.pemRepresentation)
    }

    /// Writes the CA's certificate to `directory/name`; returns the file.
    func writeCertificate(to directory: URL, name: String) throws -> URL {
        let file = directory.appendingPathComponent(name)
        try Data(try pem.utf8).write(to: file)
        return file
    }

    /// Issues a server certificate and writes it and its key as `cert` and `key` (replacing what was there).
    func writeServerCertificate(certificate cert: URL, key: URL) throws {
        let issued = try issueServerCertificate()
        try Data(issued.certificate.utf8).write(to: cert, options: .atomic)
        try Data(issued.key.utf8).write(to: key, options: .atomic)
    }
}
