import Foundation

/// Which records a listing shows.
public struct RecordFilter: Sendable, Hashable {
    public var venueId: String?
    /// Only records that happened at or after this time.
    public var since: Date?
    /// Only these kinds of record; all when nil.
    public var types: Set<RecordType>?

    public init(venueId: String? = nil, since: Date? = nil, types: Set<RecordType>? = nil) {
        self.venueId = venueId
        self.since = since
        self.types = types
    }
}
