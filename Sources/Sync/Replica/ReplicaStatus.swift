import Foundation
import Models

/// What is waiting on a device and when it last synced.
public struct ReplicaStatus: Sendable, Hashable, Codable {
    public var identity: DeviceIdentity
    /// Operations made here and not yet acknowledged by the server.
    public var pending: Int
    /// Operations the server refused, kept with its reason.
    public var parked: Int
    public var records: Int
    public var pullCursor: Int64
    public var lastSyncAt: Date?
}
