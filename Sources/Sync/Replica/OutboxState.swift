import GRDB

/// Where one of the replica's operations stands with the server: the `outbox` column of the `operation` table.
///
/// SQL text names a state by its raw value (`'\(OutboxState.pending.rawValue)'`); the device schema's CHECK
/// constraint allows exactly these.
enum OutboxState: String, CaseIterable, Sendable, DatabaseValueConvertible {
    /// Made on this device, waiting to be pushed.
    case pending
    /// Made on this device and stored by the server.
    case acknowledged
    /// Made on this device and refused by the server, or damaged here: kept with the reason, never sent.
    case parked
    /// Made elsewhere, pulled from the server.
    case pulled

    /// Whether this is one of this device's own operations that the server has not stored (pending or parked).
    var isUnacknowledged: Bool { self == .pending || self == .parked }
}
