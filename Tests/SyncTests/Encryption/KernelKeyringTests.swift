import Foundation
import Testing

@testable import Sync

/// The unlocked key between commands: in the kernel keyring, one entry per data directory, forgotten on time.
@Suite("Kernel keyring")
struct KernelKeyringTests {
    private func bytes(_ key: DataKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    @Test("a stored key reads back until it is forgotten; each data directory has its own")
    func storeReadForget() throws {
        let first = try makeTemporaryDirectory()
        let second = try makeTemporaryDirectory()
        defer { KernelKeyring.forget(for: first) }
        defer { KernelKeyring.forget(for: second) }
        let firstKey = DataKey.random()
        let secondKey = DataKey.random()
        let until = try KernelKeyring.store(firstKey, for: first, lasting: 600)
        try KernelKeyring.store(secondKey, for: second, lasting: 600)
        #expect(until > Date().addingTimeInterval(590) && until < Date().addingTimeInterval(602))

        let unlocked = try #require(try KernelKeyring.unlocked(for: first))
        #expect(bytes(unlocked.key) == bytes(firstKey))
        #expect(unlocked.until == until)
        #expect(bytes(try #require(try KernelKeyring.unlocked(for: second)).key) == bytes(secondKey))
        #expect(KernelKeyring.description(for: first) != KernelKeyring.description(for: second))
        // The same directory, however it is spelled.
        #expect(
            KernelKeyring.description(for: first.appendingPathComponent("x/.."))
                == KernelKeyring.description(for: first)
        )

        #expect(KernelKeyring.forget(for: first))
        #expect(try KernelKeyring.unlocked(for: first) == nil)
        #expect(!KernelKeyring.forget(for: first))
        #expect(try KernelKeyring.unlocked(for: second) != nil)
    }

    @Test("the kernel forgets the key when the unlock's time is up")
    func expires() async throws {
        let directory = try makeTemporaryDirectory()
        defer { KernelKeyring.forget(for: directory) }
        try KernelKeyring.store(DataKey.random(), for: directory, lasting: 1)
        #expect(try KernelKeyring.unlocked(for: directory) != nil)
        try await Task.sleep(for: .milliseconds(2200))
        #expect(try KernelKeyring.unlocked(for: directory) == nil)
    }

    @Test("a key stored again replaces the earlier one")
    func replaces() throws {
        let directory = try makeTemporaryDirectory()
        defer { KernelKeyring.forget(for: directory) }
        try KernelKeyring.store(DataKey.random(), for: directory, lasting: 600)
        let newer = DataKey.random()
        try KernelKeyring.store(newer, for: directory, lasting: 600)
        #expect(bytes(try #require(try KernelKeyring.unlocked(for: directory)).key) == bytes(newer))
    }
}
