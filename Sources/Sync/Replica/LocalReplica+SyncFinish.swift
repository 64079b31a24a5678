import Foundation
import GRDB
import Models

/// What a sync stores once its pushes and pulls are done: the server's venue list and the time it finished.
extension LocalReplica {
    /// Replaces the venue reference list with the server's.
    public func replaceVenues(_ venues: [Venue]) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM venue")
            for venue in venues {
                try db.execute(
                    sql: "INSERT INTO venue (id, body) VALUES (?, ?)",
                    arguments: [venue.id, String(decoding: try WireCoding.encode(venue), as: UTF8.self)]
                )
            }
        }
    }

    /// Notes the time of a completed sync.
    public func markSynced(at date: Date) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE syncState SET lastSyncAt = ?", arguments: [WireCoding.formatDate(date)])
        }
    }
}
