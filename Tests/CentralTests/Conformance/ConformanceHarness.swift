import Central
import Foundation
import GRDB
import Logging
import Models
import PostgresNIO
import TestSupport
import Testing

/// The central stores the conformance suite runs against: the same test code, one case per store.
enum StoreKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }

    /// The stores to test: both, unless no PostgreSQL server is given and skipping it is allowed
    /// (`PostgresTestServer.enabled`).
    static let tested: [StoreKind] = PostgresTestServer.enabled("conformance cases") ? allCases : [.sqlite]
}

/// A fresh store of one kind for one test, with a way into its tables for what only SQL can do (tampering
/// with the audit log, looking for content that must be gone) and a way to open it again.
struct ConformanceStore {
    let kind: StoreKind
    let store: any CentralStore
    /// Runs one SQL statement on the store's database, behind the store's back.
    let execute: @Sendable (String) async throws -> Void
    /// Runs a query that returns one integer.
    let count: @Sendable (String) async throws -> Int
    /// Opens the same storage again as a second store (a restart, or another server instance).
    let reopen: (_ body: (any CentralStore) async throws -> Void) async throws -> Void
}

/// Runs `body` with a fresh store of `kind`: SQLite in a temporary directory, or PostgreSQL in a new database
/// on the test server (see `PostgresTestServer`).
func withConformanceStore(_ kind: StoreKind, _ body: (ConformanceStore) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("empower-conformance-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteCentralStore(directory: directory)
        let path = directory.appendingPathComponent(SQLiteCentralStore.fileName).path
        try await body(
            ConformanceStore(
                kind: kind,
                store: store,
                execute: { sql in
                    // A sealer of the test's may be writing meanwhile: wait for its lock.
                    var waiting = Configuration()
                    waiting.busyMode = .timeout(30)
                    let database = try DatabaseQueue(path: path, configuration: waiting)
                    try await database.write { try $0.execute(sql: sql) }
                },
                count: { sql in
                    let database = try DatabaseQueue(path: path)
                    return try await database.read { try Int.fetchOne($0, sql: sql) ?? 0 }
                },
                reopen: { reopened in try await reopened(try SQLiteCentralStore(directory: directory)) }
            )
        )
    case .postgres:
        try await PostgresTestServer.withScratchDatabase { url in
            try await PostgresCentralStore.withStore(url: url, maximumConnections: 8) { store in
                try await body(
                    ConformanceStore(
                        kind: kind,
                        store: store,
                        execute: { sql in
                            try await PostgresTestServer.withConnection(to: url) { connection in
                                _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger)
                                    .collect()
                            }
                        },
                        count: { sql in
                            try await PostgresTestServer.withConnection(to: url) { connection in
                                let rows = try await connection.query(
                                    PostgresQuery(unsafeSQL: sql),
                                    logger: quietLogger
                                )
                                .collect()
                                return Int(try rows.first?.decode(Int64.self) ?? 0)
                            }
                        },
                        reopen: { reopened in
                            try await PostgresCentralStore.withStore(url: url, maximumConnections: 8) {
                                try await reopened($0)
                            }
                        }
                    )
                )
            }
        }
    }
}

/// Users, devices and records for the conformance suite: invented ids only.
enum Conformance {
    static let venueA = "venue-conf-a-01"
    static let venueB = "venue-conf-b-02"

    static let officer = Caller(userId: "PC-4127", deviceId: "dev-conf-officer", role: .officer)
    static let secondOfficer = Caller(userId: "PC-5310", deviceId: "dev-conf-officer-2", role: .officer)
    static let supervisor = Caller(userId: "PS-2201", deviceId: "dev-conf-sup", role: .supervisor)
    static let staffA = Caller(
        userId: "SIA-1012-0001",
        deviceId: "dev-conf-staff-a",
        role: .venueStaff,
        venueIds: [venueA]
    )
    static let admin = Caller(userId: "ADM-0001", deviceId: "dev-conf-admin", role: .admin)

    static let venues = [
        Venue(
            id: venueA,
            name: "The Conformance Arms",
            licenceNumber: "LIC-CONF-0001",
            area: "Test city centre",
            address: "1 Test Street, Testtown",
            latitude: 53.40,
            longitude: -2.98
        ),
        Venue(
            id: venueB,
            name: "The Parity Rooms",
            licenceNumber: "LIC-CONF-0002",
            area: "Test city centre",
            address: "2 Test Street, Testtown",
            latitude: 53.41,
            longitude: -2.97
        ),
    ]

    /// A clock stamp for now plus `counter`, so later operations of one record merge after earlier ones.
    static func stamp(_ counter: UInt16 = 0) -> HLCTimestamp {
        HLCTimestamp(wallMilliseconds: Date().millisecondsSince1970, counter: counter)
    }

    static func sighting(
        id: UUID = UUID(),
        at venueId: String = venueA,
        by caller: Caller = officer,
        narrative: String = "",
        occurredAt: Date = Date()
    ) -> LogOperation {
        let when = occurredAt.truncatedToMilliseconds
        return LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: stamp(),
            recordId: id,
            payload: .createSighting(
                Sighting(
                    id: id,
                    occurredAt: when,
                    recordedAt: when,
                    reporter: caller.userId,
                    location: Location(venueId: venueId),
                    behaviours: [.following],
                    riskLevel: .medium,
                    narrative: narrative
                )
            )
        )
    }

    static func intervention(
        at venueId: String = venueA,
        following sightingId: UUID? = nil,
        by caller: Caller = officer,
        actions: [InterventionAction] = [.engagement]
    ) -> LogOperation {
        let id = UUID()
        let now = Date().truncatedToMilliseconds
        return LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: stamp(),
            recordId: id,
            payload: .createIntervention(
                Intervention(
                    id: id,
                    sightingId: sightingId,
                    occurredAt: now,
                    recordedAt: now,
                    by: caller.userId,
                    location: Location(venueId: venueId),
                    actions: actions,
                    outcome: .adviceGiven
                )
            )
        )
    }

    static func note(
        about recordId: UUID,
        by caller: Caller = officer,
        text: String = "Spoke to door staff"
    ) -> LogOperation {
        let id = UUID()
        return LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: stamp(1),
            recordId: id,
            payload: .createNote(
                Note(
                    id: id,
                    recordId: recordId,
                    author: caller.userId,
                    recordedAt: Date().truncatedToMilliseconds,
                    text: text
                )
            )
        )
    }

    static func amend(
        _ recordId: UUID,
        _ field: AmendableField = .riskLevel,
        to value: String = "high",
        by caller: Caller = officer,
        counter: UInt16 = 2,
        replacing replaced: String? = nil
    ) -> LogOperation {
        LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: stamp(counter),
            recordId: recordId,
            payload: .amend(
                Amendment(field: field, value: value, reason: "Corrected after review", replaced: replaced)
            )
        )
    }

    static func review(_ recordId: UUID, by caller: Caller = supervisor) -> LogOperation {
        LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: stamp(3),
            recordId: recordId,
            payload: .setRegister(.review(.reviewed))
        )
    }

    static func link(_ recordId: UUID, to target: UUID, by caller: Caller = supervisor) -> LogOperation {
        LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: stamp(4),
            recordId: recordId,
            payload: .setRegister(.link(RecordLink(target: target, kind: .sameSubject), present: true))
        )
    }

    static func redact(_ recordId: UUID, by caller: Caller = supervisor) -> LogOperation {
        LogOperation(
            deviceId: caller.deviceId,
            author: caller.userId,
            hlc: stamp(5),
            recordId: recordId,
            payload: .redact(Redaction(reason: .recordedInError, explanation: "Entered against the wrong venue"))
        )
    }

    /// Saves both venues, as the console.
    static func saveVenues(_ store: any CentralStore) async throws {
        for venue in venues { try await store.saveVenue(venue, by: .console(user: "conformance"), now: Date()) }
    }

    /// Every operation after `cursor` that `caller` may see, page by page, with the cursors returned.
    static func pullAll(
        _ store: any CentralStore,
        as caller: Caller,
        after cursor: Int64 = 0,
        limit: Int = 1000
    ) async throws -> (operations: [SequencedOperation], cursor: Int64) {
        var operations: [SequencedOperation] = []
        var cursor = cursor
        while true {
            let page = try await store.pull(after: cursor, limit: limit, for: caller, now: Date())
            operations += try page.decodedOperations()
            cursor = page.cursor
            guard page.hasMore else { return (operations, cursor) }
        }
    }
}
