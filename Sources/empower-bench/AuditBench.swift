import Central
import Foundation
import GRDB
import Models
import PostgresNIO

/// The audit log's costs: how long entries wait for the sealer under load, how long sealing and verifying a
/// large log take, and how long a push holds the one shared row left (PostgreSQL's position row).
struct AuditBench {
    let workspace: URL

    /// Sealing and verifying a log of `entries` entries written all at once.
    struct LargeLog {
        var entries: Int
        var sealSeconds: Double
        var verifySeconds: Double
        var intact: Bool
    }

    /// How long pushes held PostgreSQL's position row, with several writing at once.
    struct LockHolds {
        var writers: Int
        var pushes: Int
        var operationsPerPush: Int
        var seconds: Double
        /// Each push's hold of the position row, in seconds.
        var holds: [Double]
    }

    /// For every sealed entry, the seconds from its writing to the head that first covered it.
    static func sealingLag(_ store: any CentralStore) async throws -> [Double] {
        let heads = try await store.auditSnapshot().heads
        return try await store.auditEntries(matching: AuditFilter()).compactMap { entry in
            guard let leaf = entry.leafIndex, let head = heads.first(where: { $0.size > leaf }) else { return nil }
            return max(0, head.time.timeIntervalSince(entry.at))
        }
    }

    /// Writes `entries` entries straight into a new store's audit table, then times one sealer sealing them
    /// all and one verification of the whole log.
    func largeLog(on kind: BenchStore, entries: Int) async throws -> LargeLog {
        try await kind.withScratch(in: workspace, named: "audit-large") { scratch in
            try await scratch.withStore { _ in }  // the schema
            let bodies: @Sendable (Range<Int>) -> [String] = { range in
                range.map { index in
                    #"{"action":"pull","actor":"PC-\#(5000 + index % 200)","at":"2026-11-21T23:40:00.000Z","count":5,"deviceId":"dev-fleet-\#(index % 200)","recordIds":[],"role":"officer","scope":"all venues","seq":0,"serial":\#(index)}"#
                }
            }
            let batch = 10_000
            if let directory = scratch.directory {
                let database = try DatabaseQueue(
                    path: directory.appendingPathComponent(SQLiteCentralStore.fileName).path
                )
                for start in stride(from: 0, to: entries, by: batch) {
                    try await database.write { db in
                        let insert = try db.makeStatement(sql: "INSERT INTO audit (body) VALUES (?)")
                        for body in bodies(start..<min(start + batch, entries)) {
                            try insert.execute(arguments: [body])
                        }
                    }
                }
                try database.close()
            } else {
                try await BenchStore.withConnection(to: scratch.database!) { connection in
                    for start in stride(from: 0, to: entries, by: batch) {
                        let chunk = bodies(start..<min(start + batch, entries))
                        try await connection.query(
                            "INSERT INTO audit (body) SELECT * FROM unnest(\(chunk))",
                            logger: BenchStore.logger
                        )
                    }
                }
            }
            let key = try AuditSigningKey(name: "empower-bench")
            return try await scratch.withStore { store in
                let seal = ContinuousClock.now
                while try await store.sealAudit(key: key, now: Date(), limit: 10_000) != nil {}
                let sealSeconds = BenchCommand.seconds(ContinuousClock.now - seal)
                let verify = ContinuousClock.now
                let verification = try await store.verifyAudit(publicKey: key.publicKey)
                return LargeLog(
                    entries: verification.entriesChecked,
                    sealSeconds: sealSeconds,
                    verifySeconds: BenchCommand.seconds(ContinuousClock.now - verify),
                    intact: verification.isIntact
                )
            }
        }
    }

    /// `writers` tasks pushing at once through one PostgreSQL store, each `pushesPerWriter` pushes of
    /// `operationsPerPush` new sightings, with every hold of the position row recorded.
    func lockHolds(
        on url: PostgresDatabaseURL,
        writers: Int,
        pushesPerWriter: Int,
        operationsPerPush: Int
    ) async throws
        -> LockHolds
    {
        try await BenchStore.postgres(url).withScratch(in: workspace, named: "lock-holds") { scratch in
            try await PostgresCentralStore.withStore(
                url: scratch.database!,
                logger: BenchStore.logger,
                recordingLockHolds: true
            ) { store in
                try await store.saveVenue(FleetBench.venue("venue-bench-0", number: 0), by: .console(), now: Date())
                var callers: [Caller] = []
                for writer in 0..<writers {
                    let member = FleetBench.Member(
                        device: "dev-lock-\(writer)",
                        user: "PC-\(7000 + writer)",
                        venue: nil
                    )
                    _ = try await store.provisionDevice(member.device, for: member.account)
                    callers.append(Caller(userId: member.user, deviceId: member.device, role: .officer))
                }
                let start = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    for caller in callers {
                        tasks.addTask {
                            for push in 0..<pushesPerWriter {
                                let now = Date()
                                let operations = (0..<operationsPerPush).map { index in
                                    let sighting = BenchCommand.sighting(
                                        index: index,
                                        by: caller.userId,
                                        at: "venue-bench-0"
                                    )
                                    return LogOperation(
                                        deviceId: caller.deviceId,
                                        author: caller.userId,
                                        hlc: HLCTimestamp(
                                            wallMilliseconds: now.millisecondsSince1970,
                                            counter: UInt16((push * operationsPerPush + index) % 60_000)
                                        ),
                                        recordId: sighting.id,
                                        payload: .createSighting(sighting)
                                    )
                                }
                                let outcome = try await store.push(operations, by: caller, now: now)
                                guard outcome.rejected.isEmpty else {
                                    throw BenchError("A benchmark push was refused: \(outcome.rejected[0].message)")
                                }
                            }
                        }
                    }
                    try await tasks.waitForAll()
                }
                return LockHolds(
                    writers: writers,
                    pushes: writers * pushesPerWriter,
                    operationsPerPush: operationsPerPush,
                    seconds: BenchCommand.seconds(ContinuousClock.now - start),
                    holds: store.positionLockHolds?.take() ?? []
                )
            }
        }
    }
}
