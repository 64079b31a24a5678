import Foundation
import GRDB
import Models
import Sync

/// The device side, whatever the central store: recording sightings, one by one and in bulk, and the latency
/// of one durable write next to a bare SQLite commit of the same row.
struct DeviceBench {
    let workspace: URL

    struct Figures {
        var operations: Int
        var oneByOneSeconds: Double
        var bulkSeconds: Double
        var samples: Int
        var writeMedian: Double
        var bareCommitMedian: Double
    }

    /// Sightings recorded in one bulk transaction.
    static let bulkBatch = 1000

    func run(operations: Int, samples: Int) throws -> Figures {
        let sightings = (0..<operations).map { BenchCommand.sighting(index: $0) }
        let oneByOne = try LocalReplica.create(
            in: workspace.appendingPathComponent("device-one-by-one"),
            identity: BenchCommand.identity("dev-bench-a"),
            key: DataKey.random()
        )
        let oneByOneSeconds = try BenchCommand.time {
            for sighting in sightings { try oneByOne.append(.createSighting(sighting), recordId: sighting.id) }
        }
        let bulk = try LocalReplica.create(
            in: workspace.appendingPathComponent("device-bulk"),
            identity: BenchCommand.identity("dev-bench-b"),
            key: DataKey.random()
        )
        let bulkSeconds = try BenchCommand.time {
            for start in stride(from: 0, to: operations, by: Self.bulkBatch) {
                try bulk.append(
                    contentsOf: sightings[start..<min(start + Self.bulkBatch, operations)].map {
                        (.createSighting($0), $0.id)
                    }
                )
            }
        }

        let single = try LocalReplica.create(
            in: workspace.appendingPathComponent("device-single"),
            identity: BenchCommand.identity("dev-bench-c"),
            key: DataKey.random()
        )
        var ours: [Double] = []
        for index in 0..<samples {
            let sighting = BenchCommand.sighting(index: index)
            ours.append(try BenchCommand.time { try single.append(.createSighting(sighting), recordId: sighting.id) })
        }
        let bare = try Self.bareCommitLatencies(
            directory: workspace.appendingPathComponent("device-bare"),
            rows: try single.allOperations().prefix(samples).map {
                String(decoding: WireCoding.encodeOperation($0), as: UTF8.self)
            }
        )
        return Figures(
            operations: operations,
            oneByOneSeconds: oneByOneSeconds,
            bulkSeconds: bulkSeconds,
            samples: samples,
            writeMedian: BenchCommand.median(ours),
            bareCommitMedian: BenchCommand.median(bare)
        )
    }

    /// Commits each row in its own transaction into a table shaped like the device's, the way a plain
    /// SQLite program would: the floor under any durable write.
    static func bareCommitLatencies(directory: URL, rows: [String]) throws -> [Double] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try DatabasePool(path: directory.appendingPathComponent("bare.sqlite").path)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE operation (localSeq INTEGER PRIMARY KEY, opId TEXT UNIQUE, body TEXT)")
        }
        return try rows.map { body in
            try BenchCommand.time {
                try database.write { db in
                    try db.execute(
                        sql: "INSERT INTO operation (opId, body) VALUES (?, ?)",
                        arguments: [UUID().uuidString, body]
                    )
                }
            }
        }
    }
}
