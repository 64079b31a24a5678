import Foundation
import Models
import Sync

/// What a command that makes a record reads first: the unlocked replica, who is recording, and the time, told by
/// the server-anchored clock rather than the wall clock, which may be wrong by hours.
struct NewRecord {
    let replica: LocalReplica
    let identity: DeviceIdentity
    /// The device's clocks when the command started, for the operation's stamp.
    let time: DeviceTime
    /// The estimated time, to the millisecond: when the record is recorded.
    let now: Date

    init(_ storage: DeviceDataOptions) throws {
        replica = try storage.openUnlocked()
        identity = try replica.identity()
        time = DeviceClock.now()
        now = try replica.estimatedTime(at: time).truncatedToMilliseconds
    }

    /// Stores the record's create operation, warns of what looks like personal data in its free text, and prints
    /// the record's id.
    func save(_ payload: OperationPayload, id: UUID, freeText: [String?]) throws {
        try replica.append(payload, recordId: id, now: time)
        MinimisationWarnings.print(for: freeText)
        print(id.uuidString.lowercased())
    }
}
