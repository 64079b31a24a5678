import Foundation

/// A write the store cannot take now for want of room: nothing of it was stored (or, if it was, sending it
/// again stores nothing twice), and it can be sent again later. The API answers 503 with `Retry-After`.
public struct StoreUnavailable: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    public enum Reason: Sendable, Hashable {
        /// The disk that holds the store is full, or so nearly full that the store keeps its last room for
        /// recovery (see `DiskRoom`).
        case diskFull
        /// The database server ran short of another resource: memory, connections, a configured limit
        /// (PostgreSQL's class 53 other than `disk_full`).
        case insufficientResources
    }

    public var reason: Reason

    public init(_ reason: Reason) {
        self.reason = reason
    }

    public static let diskFull = StoreUnavailable(.diskFull)

    public var errorDescription: String? { description }

    public var description: String {
        switch reason {
        case .diskFull:
            "The disk that holds the central store is full, so nothing can be stored until there is room on it."
        case .insufficientResources:
            "The database is short of resources (memory, connections or a configured limit) just now."
        }
    }
}
