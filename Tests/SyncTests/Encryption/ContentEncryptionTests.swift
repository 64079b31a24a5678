import Foundation
import GRDB
import Models
import Testing

@testable import Sync

/// Content at rest on a device is sealed with its data key; without the key nothing of it can be read.
@Suite("Content encryption")
struct ContentEncryptionTests {
    /// Strings that appear nowhere else, one for each kind of free text a device keeps.
    static let canaries = [
        "Narwhal-Quince-7301 narrative", "Axolotl-Tundra-2284 place", "Pangolin-Vellum-5519 clothing",
        "Okapi-Saffron-6642 features", "Tapir-Juniper-8830 note", "Gecko-Lattice-1197 intervention notes",
        "Caracal-Mosaic-4406 amended place", "Dugong-Pewter-3375 amendment reason",
        "Kinkajou-Basalt-9923 pulled narrative", "emp_Wombat-Token-0042",
    ]

    /// A sighting whose free text is `narrative`, `place` and the two subject texts.
    private func sighting(
        reporter: String = "PC-4127",
        narrative: String,
        place: String = "Bold Street",
        clothing: String? = nil,
        features: String? = nil
    ) -> Sighting {
        let now = Date().truncatedToMilliseconds
        return Sighting(
            occurredAt: now,
            recordedAt: now,
            reporter: reporter,
            location: Location(venueId: nil, place: place),
            behaviours: [.repeatedApproaches],
            subject: SubjectDescription(clothing: clothing, distinguishingFeatures: features),
            riskLevel: .medium,
            narrative: narrative
        )
    }

    /// Records every kind of free text with a canary, pulls an operation from another device, saves the token.
    private func recordCanaries(on replica: LocalReplica, key: DataKey) throws -> UUID {
        let now = Date().truncatedToMilliseconds
        let first = sighting(
            narrative: Self.canaries[0],
            place: Self.canaries[1],
            clothing: Self.canaries[2],
            features: Self.canaries[3]
        )
        try replica.append(.createSighting(first), recordId: first.id)
        let note = Note(recordId: first.id, author: "PC-4127", recordedAt: now, text: Self.canaries[4])
        try replica.append(.createNote(note), recordId: note.id)
        let intervention = Intervention(
            sightingId: first.id,
            occurredAt: now,
            recordedAt: now,
            by: "PC-4127",
            location: Location(venueId: nil, place: "Seel Street"),
            actions: [.stopAndAccount],
            outcome: .adviceGiven,
            notes: Self.canaries[5]
        )
        try replica.append(.createIntervention(intervention), recordId: intervention.id)
        try replica.append(
            .amend(Amendment(field: .place, value: Self.canaries[6], reason: Self.canaries[7])),
            recordId: first.id
        )
        let pulled = sighting(reporter: "PC-2290", narrative: Self.canaries[8])
        let remote = LogOperation(
            deviceId: "dev-other",
            author: "PC-2290",
            hlc: HLCTimestamp(wallMilliseconds: now.millisecondsSince1970, counter: 1),
            recordId: pulled.id,
            payload: .createSighting(pulled)
        )
        let encoded = String(decoding: WireCoding.encodeOperation(remote), as: UTF8.self)
        try replica.applyPulledPage(
            PullResponse(
                operations: [SequencedOperation(seq: 1, operation: remote, encoded: encoded)],
                cursor: 1,
                hasMore: false,
                serverClock: remote.hlc
            )
        )
        try AccessTokenFile.save(Self.canaries[9], in: replica.fileURL.deletingLastPathComponent(), key: key)
        return first.id
    }

    /// The canaries found in the bytes of any file in `directory`, with the file's name.
    private func canariesInFiles(of directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).flatMap { name in
            let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
            return Self.canaries.filter { bytes.range(of: Data($0.utf8)) != nil }.map { "\($0) in \(name)" }
        }
    }

    @Test("no canary of any free-text field, pulled operation or token is in any byte of the files, WAL and SHM live")
    func canariesAreNowhereInTheFiles() throws {
        let key = DataKey.random()
        let directory = try makeTemporaryDirectory().appendingPathComponent("device")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let replica = try LocalReplica.create(in: directory, identity: identity(), key: key)
        let id = try recordCanaries(on: replica, key: key)

        // The check can fail: with the key, every canary reads back.
        let readable =
            try replica.allOperations().map { String(decoding: WireCoding.encodeOperation($0), as: UTF8.self) }
            .joined() + String(decoding: try WireCoding.makeEncoder().encode(replica.records()), as: UTF8.self)
        for canary in Self.canaries.dropLast() { #expect(readable.contains(canary), "\(canary) was not stored") }
        #expect(try replica.record(id: id)?.current.location?.place == Self.canaries[6])
        #expect(try AccessTokenFile.load(from: directory, key: key) == Self.canaries[9])

        // The replica is still open: its WAL and SHM are there, not yet folded into the database.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["access-token", "device.sqlite", "device.sqlite-shm", "device.sqlite-wal"])
        let found = try canariesInFiles(of: directory)
        #expect(found.isEmpty, "readable without the key: \(found)")
    }

    @Test("another key is refused; without a key the device is locked: counts only, no content")
    func wrongKeyAndLocked() throws {
        let key = DataKey.random()
        let directory = try makeTemporaryDirectory().appendingPathComponent("device")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let id = try recordCanaries(
            on: try LocalReplica.create(in: directory, identity: identity(), key: key),
            key: key
        )

        #expect(throws: ReplicaError.wrongKey) { try LocalReplica.open(in: directory, key: DataKey.random()) }
        #expect(throws: ReplicaError.damagedContent) {
            try AccessTokenFile.load(from: directory, key: DataKey.random())
        }
        let locked = try LocalReplica.open(in: directory, key: nil)
        #expect(locked.isEncrypted)
        #expect(try locked.status().pending == 4)
        #expect(try locked.identity().deviceId == "dev-test-1")
        #expect(throws: ReplicaError.locked) { try locked.records() }
        #expect(throws: ReplicaError.locked) { try locked.record(id: id) }
        #expect(throws: ReplicaError.locked) { try locked.allOperations() }
        #expect(throws: ReplicaError.locked) { try locked.outboxBatch(maxOperations: 10) }
        #expect(throws: ReplicaError.locked) {
            try locked.append(.createSighting(sighting(narrative: "x")), recordId: UUID())
        }
        #expect(try locked.status().pending == 4)
        #expect(try LocalReplica.open(in: directory, key: key).record(id: id) != nil)
    }

    @Test("a sealed value copied into another row does not open there")
    func valuesAreBoundToTheirRows() throws {
        let key = DataKey.random()
        let replica = try LocalReplica.create(
            in: try makeTemporaryDirectory().appendingPathComponent("device"),
            identity: identity(),
            key: key
        )
        let first = sighting(narrative: "First")
        let second = sighting(narrative: "Second")
        try replica.append(.createSighting(first), recordId: first.id)
        try replica.append(.createSighting(second), recordId: second.id)
        try replica.database.write { db in
            try db.execute(
                sql: "UPDATE operation SET body = (SELECT body FROM operation WHERE recordId = ?) WHERE recordId = ?",
                arguments: [first.id.text, second.id.text]
            )
        }
        // The copy does not open as the second's: it is quarantined, never taken for the first's content.
        #expect(try replica.record(id: second.id) == nil)
        #expect(try replica.parkedOperations().map(\.code) == [LocalReplica.damagedCode])
        #expect(try replica.allOperations().map(\.recordId) == [first.id])
        #expect(try replica.record(id: first.id)?.current == .sighting(first))
    }

    @Test("a wrapped data key opens with its secret only, whatever the secret's Unicode form")
    func wrappedKeyOpensWithItsSecretOnly() throws {
        let cost = WrappedDataKey.Cost(n: 1 << 14, r: 8, p: 1)
        let key = DataKey.random()
        let wrapped = try WrappedDataKey.wrap(key, secret: "Caf\u{E9} on Bold Street", cost: cost)
        let unwrapped = try wrapped.unwrap(secret: "Cafe\u{301} on Bold Street")
        #expect(unwrapped.withUnsafeBytes { Array($0) } == key.withUnsafeBytes { Array($0) })
        #expect(throws: UnlockError.wrongSecret) { try wrapped.unwrap(secret: "Cafe on Bold Street") }
        #expect(throws: UnlockError.secretTooShort) { try WrappedDataKey.wrap(key, secret: "eleven char", cost: cost) }
        var weakened = wrapped
        weakened.cost.n = 1 << 10
        #expect(throws: UnlockError.unusableCost) { try weakened.unwrap(secret: "Caf\u{E9} on Bold Street") }
        // Only the wrapped form is stored: the key's bytes are nowhere in it.
        let keyBytes = key.withUnsafeBytes { Data($0) }
        #expect(wrapped.sealedKey.range(of: keyBytes) == nil)
    }

    @Test("the standard cost takes a deliberate while: at least 50 ms a derivation")
    func standardCostIsSlow() throws {
        let key = DataKey.random()
        let clock = ContinuousClock()
        var wrapped: WrappedDataKey?
        let wrapping = try clock.measure { wrapped = try WrappedDataKey.wrap(key, secret: "a secret for the shift") }
        let unwrapping = try clock.measure { _ = try wrapped?.unwrap(secret: "a secret for the shift") }
        print("scrypt N=2^17 r=8 p=1: wrap \(wrapping), unwrap \(unwrapping)")
        #expect(unwrapping > .milliseconds(50))
        #expect(wrapped?.cost == .standard)
    }

    @Test("a device made before encryption: content refused until encrypted in place, then nothing in clear remains")
    func encryptsAnOlderDeviceInPlace() throws {
        let directory = try makeTemporaryDirectory().appendingPathComponent("device")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let first = try makeOlderDevice(in: directory)
        #expect(try canariesInFiles(of: directory).count > 0, "the older device should hold its content in clear")

        let older = try LocalReplica.open(in: directory, key: DataKey.random())
        #expect(!older.isEncrypted)
        #expect(throws: ReplicaError.notEncrypted(path: directory.path)) { try older.records() }
        #expect(throws: ReplicaError.notEncrypted(path: directory.path)) { try older.wrappedKey() }
        #expect(try older.status().records == 2)

        let key = DataKey.random()
        let wrapped = try WrappedDataKey.wrap(
            key,
            secret: "a secret for the shift",
            cost: .init(n: 1 << 14, r: 8, p: 1)
        )
        let encrypted = try older.encryptContent(with: key, wrappedKey: wrapped)
        try AccessTokenFile.sealIfClear(in: directory, key: key)
        #expect(encrypted.isEncrypted)
        #expect(try encrypted.wrappedKey() == wrapped)
        #expect(try encrypted.record(id: first.id)?.current.location?.place == Self.canaries[6])
        #expect(try encrypted.records().count == 2)
        #expect(try AccessTokenFile.load(from: directory, key: key) == Self.canaries[9])
        #expect(throws: ReplicaError.wrongKey) { try LocalReplica.open(in: directory, key: DataKey.random()) }
        // Doing it again changes nothing.
        _ = try encrypted.encryptContent(with: key, wrappedKey: wrapped)
        try AccessTokenFile.sealIfClear(in: directory, key: key)
        #expect(try encrypted.records().count == 2)

        let found = try canariesInFiles(of: directory)
        #expect(found.isEmpty, "left in clear: \(found)")
    }

    /// A device as versions before encryption left it: schema v2, operation bodies and record states as text,
    /// the token in clear.
    private func makeOlderDevice(in directory: URL) throws -> Sighting {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try DatabaseQueue(path: directory.appendingPathComponent(LocalReplica.fileName).path)
        try DeviceSchema.migrator.migrate(database, upTo: "v2: checks as comparisons, partial indexes")
        let first = sighting(
            narrative: Self.canaries[0],
            place: Self.canaries[1],
            clothing: Self.canaries[2],
            features: Self.canaries[3]
        )
        let second = sighting(narrative: Self.canaries[8])
        let wall = Date().millisecondsSince1970
        let hlc = (0..<3).map { HLCTimestamp(wallMilliseconds: wall, counter: UInt16($0)) }
        let operations = [
            LogOperation(
                deviceId: "dev-test-1",
                author: "PC-4127",
                hlc: hlc[0],
                recordId: first.id,
                payload: .createSighting(first)
            ),
            LogOperation(
                deviceId: "dev-test-1",
                author: "PC-4127",
                hlc: hlc[1],
                recordId: first.id,
                payload: .amend(Amendment(field: .place, value: Self.canaries[6], reason: Self.canaries[7]))
            ),
            LogOperation(
                deviceId: "dev-test-1",
                author: "PC-4127",
                hlc: hlc[2],
                recordId: second.id,
                payload: .createSighting(second)
            ),
        ]
        let amended = try #require(RecordFold.fold(Array(operations.prefix(2))))
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO deviceIdentity (singleton, deviceId, userId, role, venueId, serverURL)
                    VALUES (1, 'dev-test-1', 'PC-4127', 'officer', NULL, 'http://127.0.0.1:9')
                    """
            )
            for operation in operations {
                try db.execute(
                    sql: "INSERT INTO operation (opId, recordId, hlc, body, outbox) VALUES (?, ?, ?, ?, 'pending')",
                    arguments: [
                        operation.opId.text, operation.recordId.text, operation.hlc.rawValue,
                        String(decoding: WireCoding.encodeOperation(operation), as: UTF8.self),
                    ]
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO record (id, type, occurredAt, createdOpId, state) VALUES (?, 'sighting', ?, ?, ?),
                        (?, 'sighting', ?, ?, NULL)
                    """,
                arguments: [
                    first.id.text, first.occurredAt.millisecondsSince1970, operations[0].opId.text,
                    String(decoding: try WireCoding.makeEncoder().encode(amended), as: UTF8.self),
                    second.id.text, second.occurredAt.millisecondsSince1970, operations[2].opId.text,
                ]
            )
        }
        try database.close()
        try AccessTokenFile.save(Self.canaries[9], in: directory)
        return first
    }

    private func identity() -> DeviceIdentity {
        DeviceIdentity(
            deviceId: "dev-test-1",
            userId: "PC-4127",
            role: .officer,
            venueId: nil,
            serverURL: URL(string: "http://127.0.0.1:9")!
        )
    }
}
