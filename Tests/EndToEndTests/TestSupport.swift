import Central
import Foundation
import GRDB
import Models
import Sync

/// A fresh temporary directory for one test.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("empower-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The repository's fixtures directory.
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

/// The sample patrol log of `fixtures/patrol-log.json`.
func loadPatrolLog() throws -> PatrolLogFixture {
    try PatrolLogFixture.load(from: fixturesDirectory.appendingPathComponent("patrol-log.json"))
}

/// The venues of `fixtures/venues.json`.
func loadVenues() throws -> [Venue] {
    try WireCoding.decode(
        VenueList.self,
        from: Data(contentsOf: fixturesDirectory.appendingPathComponent("venues.json"))
    )
    .venues
}

/// Every row of every table of a SQLite file, as text: two equal snapshots mean an unchanged database.
func snapshot(ofDatabaseAt path: String) throws -> [String] {
    var configuration = Configuration()
    configuration.readonly = true
    let database = try DatabaseQueue(path: path, configuration: configuration)
    return try database.read { db in
        let tables = try String.fetchAll(
            db,
            sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return try tables.flatMap { table in
            try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid").map { "\(table): \($0)" }
        }
    }
}
