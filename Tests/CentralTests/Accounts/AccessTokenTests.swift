import Central
import Foundation
import Testing

@Suite("AccessToken")
struct AccessTokenTests {
    /// The characters of base64url without padding.
    private static let base64URL = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @Test("generate() gives emp_ and 43 base64url characters: 256 bits")
    func shape() throws {
        let token = AccessToken.generate()
        #expect(token.count == 47)
        #expect(token.utf8.count == 47)
        #expect(token.hasPrefix("emp_"))
        let body = token.dropFirst(4)
        #expect(body.allSatisfy(Self.base64URL.contains))
        let standard = body.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "="
        let bytes = try #require(Data(base64Encoded: standard))
        #expect(bytes.count == 32)
        #expect(AccessToken.isWellFormed(token))
    }

    @Test("1,000 generated tokens are all distinct and well formed")
    func distinct() {
        let tokens = (0..<1_000).map { _ in AccessToken.generate() }
        #expect(Set(tokens).count == 1_000)
        #expect(tokens.allSatisfy(AccessToken.isWellFormed))
        // Every base64url character turns up somewhere: the bits are spread over the whole alphabet.
        let seen = Set(tokens.flatMap { $0.dropFirst(4) })
        #expect(seen == Self.base64URL)
    }

    @Test("hash is the lower-case hex SHA-256 of the token (FIPS 180-2 vectors)")
    func hashVectors() {
        #expect(AccessToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(AccessToken.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            AccessToken.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    @Test("hash of a generated token is 64 hex characters and matches sha256sum")
    func hashOfToken() throws {
        let token = AccessToken.generate()
        let hash = AccessToken.hash(token)
        #expect(hash.count == 64)
        #expect(hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(hash == (try Self.sha256sum(token)))
        #expect(AccessToken.hash(token) == hash, "the hash is deterministic")
        #expect(AccessToken.hash(AccessToken.generate()) != hash)
    }

    /// The SHA-256 of `text` as the coreutils `sha256sum` computes it: an implementation independent of
    /// the one under test.
    private static func sha256sum(_ text: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    @Test("constantTimeEqual is equality of the texts")
    func constantTimeEqual() {
        let hash = AccessToken.hash("emp_example")
        #expect(AccessToken.constantTimeEqual(hash, hash))
        #expect(AccessToken.constantTimeEqual(hash, String(hash)))
        #expect(AccessToken.constantTimeEqual("", ""))
        var first = Array(hash)
        first[0] = first[0] == "0" ? "1" : "0"
        #expect(!AccessToken.constantTimeEqual(hash, String(first)))
        var last = Array(hash)
        last[63] = last[63] == "0" ? "1" : "0"
        #expect(!AccessToken.constantTimeEqual(hash, String(last)))
        #expect(!AccessToken.constantTimeEqual(hash, String(hash.dropLast())))
        #expect(!AccessToken.constantTimeEqual(hash, hash + "0"))
        #expect(!AccessToken.constantTimeEqual(hash, ""))
        #expect(!AccessToken.constantTimeEqual(hash, AccessToken.hash("emp_other")))
    }

    @Test(
        "isWellFormed refuses wrong lengths, prefixes and characters",
        arguments: [
            "",
            "emp_",
            "emp_" + String(repeating: "A", count: 42),
            "emp_" + String(repeating: "A", count: 44),
            "EMP_" + String(repeating: "A", count: 43),
            "tok_" + String(repeating: "A", count: 43),
            "emp-" + String(repeating: "A", count: 43),
            String(repeating: "A", count: 47),
            "emp_" + String(repeating: "A", count: 42) + "+",
            "emp_" + String(repeating: "A", count: 42) + "/",
            "emp_" + String(repeating: "A", count: 42) + "=",
            "emp_" + String(repeating: "A", count: 42) + " ",
            "emp_" + String(repeating: "A", count: 42) + "\n",
            "emp_" + String(repeating: "A", count: 42) + "\0",
            "emp_" + String(repeating: "A", count: 41) + "é",
            "emp_" + String(repeating: "A", count: 42) + "é",
            " emp_" + String(repeating: "A", count: 42),
        ]
    )
    func malformed(token: String) {
        #expect(!AccessToken.isWellFormed(token))
    }

    @Test("isWellFormed accepts every base64url character")
    func wellFormed() {
        #expect(AccessToken.isWellFormed("emp_" + String(repeating: "A", count: 43)))
        #expect(AccessToken.isWellFormed("emp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"))
        #expect(AccessToken.isWellFormed("emp_qrstuvwxyz0123456789-_qrstuvwxyz0123456789-"))
    }
}
