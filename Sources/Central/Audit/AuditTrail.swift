import Foundation
import Models

/// Which audit entries a listing shows.
public struct AuditFilter: Sendable, Hashable {
    public var actor: String?
    public var recordId: UUID?
    public var since: Date?
    public var until: Date?

    public init(actor: String? = nil, recordId: UUID? = nil, since: Date? = nil, until: Date? = nil) {
        self.actor = actor
        self.recordId = recordId
        self.since = since
        self.until = until
    }

    func matches(_ entry: AuditEntry) -> Bool {
        (actor == nil || entry.actor == actor) && (recordId.map(entry.recordIds.contains) ?? true)
            && (since.map { entry.at >= $0 } ?? true) && (until.map { entry.at < $0 } ?? true)
    }
}

/// The tamper-evident audit log kept by the central store: entries appended without a shared lock, sealed
/// into an RFC 9162 Merkle tree by one sealer at a time, each seal signed.
public protocol AuditTrail: Sendable {
    /// Appends an entry on its own (reads; everything that changes data audits in its own transaction).
    func appendAudit(_ entry: AuditEntry) async throws
    /// Entries matching the filter, in the order written (by `seq`), sealed or not.
    func auditEntries(matching filter: AuditFilter) async throws -> [AuditEntry]
    /// An entry's stored canonical JSON (what its leaf hash covers), or nil.
    func auditEntryBody(seq: Int64) async throws -> String?
    /// Gives the committed entries not yet in the tree their leaves, in commit order (at most `limit`), and
    /// stores the new head signed with `key`. Nil when there was nothing to seal or another instance holds the
    /// sealer's lock.
    func sealAudit(key: AuditSigningKey, now: Date, limit: Int) async throws -> SignedTreeHead?
    /// The sealed log as stored, read in one snapshot: every sealed entry's leaf, every head.
    func auditSnapshot() async throws -> AuditSnapshot
    /// The newest signed head, if anything was sealed.
    func latestAuditHead() async throws -> SignedTreeHead?
}
