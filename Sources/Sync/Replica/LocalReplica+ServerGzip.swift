import Foundation
import GRDB

/// Whether the device's server takes gzip request bodies, as last heard: `HTTPTransport` learns it from an answer's
/// `Accept-Encoding: gzip` and forgets it on a 415, but only for as long as its process runs; kept here, each
/// `sync` sends its first push gzip as well, which on a weak signal is most of what a sync sends.
extension LocalReplica {
    /// Whether the server last said it takes gzip request bodies.
    public func serverTakesGzip() throws -> Bool {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT serverTakesGzip FROM syncState") == 1 }
    }

    /// Keeps what the transport last heard (`HTTPTransport.serverTakesGzip`).
    public func noteServerTakesGzip(_ takesGzip: Bool) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE syncState SET serverTakesGzip = ?", arguments: [takesGzip ? 1 : 0])
        }
    }
}
