import Central
import Foundation
import GRDB
import Models
import Testing

/// Users, devices and tokens in a real SQLite store.
@Suite("Store accounts")
struct AccountStoreTests {
    /// A fixed clock: 2026-11-21T22:00:00Z.
    private static let t0 = Date(timeIntervalSince1970: 1_795_298_400)

    /// The account error `body` throws, or nil.
    private func accountError(_ body: () async throws -> Void) async -> AccountError? {
        do {
            try await body()
            return nil
        } catch let error as AccountError {
            return error
        } catch {
            Issue.record("not an AccountError: \(error)")
            return nil
        }
    }

    @Test("tokens are stored only as SHA-256 hashes: in no column and nowhere in the database files")
    func onlyHashesStored() async throws {
        try await withStoreDirectory { directory in
            var tokens: [String] = []
            do {
                let store = try SQLiteCentralStore(directory: directory)
                tokens.append(try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer, now: Self.t0))
                try await store.addUser(Accounts.secondOfficer, by: .console(), now: Self.t0)
                tokens.append(
                    try await store.enrolDevice(
                        id: Accounts.secondOfficerDevice,
                        userId: Accounts.secondOfficer.id,
                        by: .console(),
                        now: Self.t0
                    )
                )
                tokens.append(try await store.rotateToken(deviceId: Fixture.deviceId, by: .console(), now: Self.t0))
                #expect(try await store.caller(forToken: tokens[2], now: Self.t0) == Fixture.caller)
            }
            let path = directory.appendingPathComponent(SQLiteCentralStore.fileName).path
            let database = try DatabaseQueue(path: path)
            let hashes = try await database.read { db in
                try String.fetchAll(db, sql: "SELECT tokenHash FROM credential ORDER BY issuedAt, kind")
            }
            #expect(Set(tokens.map(AccessToken.hash)).isSubset(of: Set(hashes)))
            #expect(hashes.count == 4, "the first access token, the enrolment token it came from, one more, a rotation")

            // Every value of every column of every table, as text.
            let everything: [String] = try await database.read { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                return try tables.flatMap { table in
                    try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").flatMap { row in
                        row.databaseValues.compactMap { String.fromDatabaseValue($0) }
                    }
                }
            }
            #expect(everything.contains { $0.contains(hashes[0]) }, "the search sees the credential table")
            for token in tokens {
                let secret = String(token.dropFirst(4))
                #expect(!everything.contains { $0.contains(secret) }, "a token's text is stored")
            }
            try database.close()

            // The raw bytes of the database, its write-ahead log and anything else in the directory.
            var files = Data()
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
                files.append(try Data(contentsOf: directory.appendingPathComponent(name)))
            }
            #expect(files.range(of: Data(hashes[0].utf8)) != nil, "the byte search sees stored hashes")
            for token in tokens {
                #expect(files.range(of: Data(token.dropFirst(4).utf8)) == nil, "a token's bytes are on disk")
            }
        }
    }

    @Test("an enrolment token gives the device's identity and access token once, then never again")
    func enrolmentOnce() async throws {
        try await withStore { store in
            for venue in Fixture.venues { try await store.saveVenue(venue, by: .console(), now: Self.t0) }
            try await store.addUser(Accounts.staff, by: .console(), now: Self.t0)
            let enrolment = try await store.enrolDevice(
                id: Accounts.staffDevice,
                userId: Accounts.staff.id,
                by: .console(),
                now: Self.t0
            )
            #expect(AccessToken.isWellFormed(enrolment))
            #expect(try await store.caller(forToken: enrolment, now: Self.t0) == nil, "not an access token")

            let redeemed = try #require(
                try await store.redeemEnrolment(token: enrolment, now: Self.t0.addingTimeInterval(60))
            )
            #expect(redeemed.userId == Accounts.staff.id)
            #expect(redeemed.deviceId == Accounts.staffDevice)
            #expect(redeemed.role == .venueStaff)
            #expect(redeemed.venueIds == [Fixture.venueId])
            #expect(AccessToken.isWellFormed(redeemed.token))
            #expect(redeemed.token != enrolment)
            let caller = try #require(try await store.caller(forToken: redeemed.token, now: Self.t0))
            #expect(
                caller
                    == Caller(
                        userId: Accounts.staff.id,
                        deviceId: Accounts.staffDevice,
                        role: .venueStaff,
                        venueIds: [Fixture.venueId]
                    )
            )

            #expect(try await store.redeemEnrolment(token: enrolment, now: Self.t0.addingTimeInterval(120)) == nil)
            #expect(
                try await store.redeemEnrolment(token: redeemed.token, now: Self.t0) == nil,
                "access is not enrolment"
            )
            #expect(try await store.caller(forToken: redeemed.token, now: Self.t0) == caller, "still the one token")
            #expect(try await store.devices().map(\.id) == [Accounts.staffDevice])
        }
    }

    @Test("an enrolment token expires after 72 hours")
    func enrolmentExpires() async throws {
        try await withStore { store in
            try await store.addUser(Fixture.officer, by: .console(), now: Self.t0)
            // The user's first device needs no approval; the second waits for it, but expires first.
            let onTime = try await store.enrolDevice(
                id: "dev-ontime-1",
                userId: Fixture.author,
                by: .console(),
                now: Self.t0
            )
            let late = try await store.enrolDevice(
                id: "dev-late-1",
                userId: Fixture.author,
                by: .console(),
                now: Self.t0
            )
            #expect(try await store.redeemEnrolment(token: late, now: Self.t0.addingTimeInterval(73 * 3600)) == nil)
            #expect(try await store.redeemEnrolment(token: late, now: Self.t0.addingTimeInterval(72 * 3600)) == nil)
            let redeemed = try await store.redeemEnrolment(token: onTime, now: Self.t0.addingTimeInterval(71 * 3600))
            #expect(redeemed?.deviceId == "dev-ontime-1")
            #expect(enrolmentLifetime == 72 * 3600)
        }
    }

    @Test("malformed and unknown tokens identify no one")
    func unknownTokens() async throws {
        try await withStore { store in
            let token = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer, now: Self.t0)
            for candidate in ["", "garbage", AccessToken.generate(), AccessToken.hash(token), token + "A", " " + token]
            {
                #expect(try await store.caller(forToken: candidate, now: Self.t0) == nil)
                #expect(try await store.redeemEnrolment(token: candidate, now: Self.t0) == nil)
            }
            #expect(try await store.caller(forToken: token, now: Self.t0) == Fixture.caller)
        }
    }

    @Test("a revoked device's access token is refused at once, and the device cannot be given a new one")
    func revoke() async throws {
        try await withStore { store in
            let token = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer, now: Self.t0)
            let other = try await store.provisionDevice(
                Accounts.secondOfficerDevice,
                for: Accounts.secondOfficer,
                now: Self.t0
            )
            #expect(try await store.caller(forToken: token, now: Self.t0) == Fixture.caller)

            let revokedAt = Self.t0.addingTimeInterval(3600)
            try await store.revokeDevice(id: Fixture.deviceId, by: .console(), now: revokedAt)
            #expect(try await store.caller(forToken: token, now: revokedAt) == nil)
            #expect(try await store.caller(forToken: token, now: revokedAt.addingTimeInterval(-60)) == nil)
            #expect(try await store.caller(forToken: other, now: revokedAt) != nil, "other devices keep working")
            let device = try #require(try await store.devices().first { $0.id == Fixture.deviceId })
            #expect(device.revokedAt == revokedAt)

            let error = await accountError {
                _ = try await store.rotateToken(deviceId: Fixture.deviceId, by: .console(), now: revokedAt)
            }
            #expect(error?.kind == .conflict)
            #expect(error?.code == "device-revoked")
            #expect(try await store.caller(forToken: token, now: revokedAt) == nil)
        }
    }

    @Test("a revoked device's unused enrolment token is refused")
    func revokeBeforeEnrolment() async throws {
        try await withStore { store in
            try await store.addUser(Fixture.officer, by: .console(), now: Self.t0)
            let enrolment = try await store.enrolDevice(
                id: Fixture.deviceId,
                userId: Fixture.author,
                by: .console(),
                now: Self.t0
            )
            try await store.revokeDevice(id: Fixture.deviceId, by: .console(), now: Self.t0)
            #expect(try await store.redeemEnrolment(token: enrolment, now: Self.t0) == nil)
        }
    }

    @Test("rotation ends the old token and starts the new one")
    func rotate() async throws {
        try await withStore { store in
            let first = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer, now: Self.t0)
            let second = try await store.rotateToken(deviceId: Fixture.deviceId, by: .console(), now: Self.t0)
            #expect(second != first)
            #expect(AccessToken.isWellFormed(second))
            #expect(try await store.caller(forToken: first, now: Self.t0) == nil)
            #expect(try await store.caller(forToken: second, now: Self.t0) == Fixture.caller)
            let third = try await store.rotateToken(deviceId: Fixture.deviceId, by: .console(), now: Self.t0)
            #expect(try await store.caller(forToken: second, now: Self.t0) == nil)
            #expect(try await store.caller(forToken: third, now: Self.t0) == Fixture.caller)
            #expect(try await store.redeemEnrolment(token: third, now: Self.t0) == nil)
        }
    }

    @Test("revoking or rotating an unknown device is notFound (unknown-device)")
    func unknownDevice() async throws {
        try await withStore { store in
            let revoke = await accountError {
                try await store.revokeDevice(id: "dev-missing-1", by: .console(), now: Self.t0)
            }
            #expect(revoke?.kind == .notFound)
            #expect(revoke?.code == "unknown-device")
            let rotate = await accountError {
                _ = try await store.rotateToken(deviceId: "dev-missing-1", by: .console(), now: Self.t0)
            }
            #expect(rotate?.kind == .notFound)
            #expect(rotate?.code == "unknown-device")
            let devices = try await store.devices()
            #expect(devices.isEmpty)
        }
    }

    @Test("a duplicate user is a conflict (user-exists), and the first is kept")
    func duplicateUser() async throws {
        try await withStore { store in
            try await store.addUser(Fixture.officer, by: .console(), now: Self.t0)
            let error = await accountError {
                try await store.addUser(
                    UserAccount(id: Fixture.author, role: .supervisor),
                    by: .console(),
                    now: Self.t0
                )
            }
            #expect(error?.kind == .conflict)
            #expect(error?.code == "user-exists")
            let users = try await store.users()
            #expect(users.map(\.id) == [Fixture.author])
            #expect(users.first?.role == .officer)
        }
    }

    @Test("a duplicate device is a conflict (device-exists); a device for an unknown user is unknown-user")
    func duplicateDevice() async throws {
        try await withStore { store in
            _ = try await store.provisionDevice(Fixture.deviceId, for: Fixture.officer, now: Self.t0)
            let duplicate = await accountError {
                _ = try await store.enrolDevice(
                    id: Fixture.deviceId,
                    userId: Fixture.author,
                    by: .console(),
                    now: Self.t0
                )
            }
            #expect(duplicate?.kind == .conflict)
            #expect(duplicate?.code == "device-exists")
            let unknownUser = await accountError {
                _ = try await store.enrolDevice(id: "dev-new-1", userId: "PC-9999", by: .console(), now: Self.t0)
            }
            #expect(unknownUser?.kind == .notFound)
            #expect(unknownUser?.code == "unknown-user")
            #expect(try await store.devices().map(\.id) == [Fixture.deviceId])
        }
    }

    @Test(
        "an invalid user is refused as invalid with the rule's code",
        arguments: [
            (UserAccount(id: "SIA-1012-0001", role: .venueStaff), "venue-required"),
            (UserAccount(id: "SIA-1012-0001", role: .venueStaff, venueIds: ["venue-missing-99"]), "unknown-venue"),
            (
                UserAccount(id: "SIA-1012-0001", role: .venueStaff, venueIds: [Fixture.venueId, "venue-missing-99"]),
                "unknown-venue"
            ),
            (UserAccount(id: "PC-4127", role: .officer, venueIds: [Fixture.venueId]), "venue-unexpected"),
            (UserAccount(id: "ADM-0001", role: .admin, venueIds: [Fixture.venueId]), "venue-unexpected"),
        ]
    )
    func invalidUser(user: UserAccount, code: String) async throws {
        try await withStore { store in
            try await store.saveVenue(Fixture.venues[0], by: .console(), now: Self.t0)
            let error = await accountError { try await store.addUser(user, by: .console(), now: Self.t0) }
            #expect(error?.kind == .invalid)
            #expect(error?.code == code)
            #expect(try await store.users().isEmpty)
        }
    }

    @Test("malformed user and device ids are invalid")
    func malformedIds() async throws {
        try await withStore { store in
            let user = await accountError {
                try await store.addUser(UserAccount(id: "pc 4127", role: .officer), by: .console(), now: Self.t0)
            }
            #expect(user?.kind == .invalid)
            try await store.addUser(Fixture.officer, by: .console(), now: Self.t0)
            let device = await accountError {
                _ = try await store.enrolDevice(id: "Dev One", userId: Fixture.author, by: .console(), now: Self.t0)
            }
            #expect(device?.kind == .invalid)
            #expect(try await store.devices().isEmpty)
        }
    }

    @Test("venue staff with a known venue are kept with it, and their token carries it")
    func venueStaff() async throws {
        try await withStore { store in
            for venue in Fixture.venues { try await store.saveVenue(venue, by: .console(), now: Self.t0) }
            let staff = UserAccount(
                id: "SIA-1012-0002",
                role: .venueStaff,
                venueIds: ["venue-seel-st-03", Fixture.venueId],
                createdAt: Self.t0
            )
            let token = try await store.provisionDevice("dev-staff-2", for: staff, now: Self.t0)
            let users = try await store.users()
            #expect(users == [staff])
            let caller = try #require(try await store.caller(forToken: token, now: Self.t0))
            #expect(caller.venueIds == ["venue-seel-st-03", Fixture.venueId])
            #expect(caller.role == .venueStaff)
        }
    }
}
