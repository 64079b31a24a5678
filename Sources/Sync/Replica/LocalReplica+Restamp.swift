import Foundation
import GRDB
import Models
import SQLiteSupport

extension LocalReplica {
    /// Refusals whose cause passes: the operation itself is sound, and is stamped again and sent again once
    /// this device's clock is anchored to the server's: stamped (`clock-ahead`) or recorded
    /// (`recorded-in-future`) by a wall clock that ran ahead, or stamped by one never set (`clock-out-of-range`,
    /// a batch refused whole and parked one operation at a time).
    public static let passingRefusals: Set<String> = ["clock-ahead", "recorded-in-future", "clock-out-of-range"]

    /// Stamps again this device's operations the server refused for a cause that has passed, and queues them.
    ///
    /// Each gets a new operation id and a stamp by the anchored clock, with the same content, except that a
    /// record's times made by the wrong wall clock are moved to the server's time of the moment it was recorded
    /// (told by the boot clock reading kept with the operation, else by the wall clock's offset); the refused one
    /// is withdrawn from this device. That is safe because no other replica ever held it: the server refused it,
    /// and a device sends only its own operations. Operations refused as `unknown-record` because they hang from
    /// one of these (a note about a sighting refused in the same push) go again with them, in their order; so do
    /// operations refused `unknown-venue` once every venue they name is in the venue list pulled since.
    /// Nothing is done before the first anchor: the wall clock that stamped them would stamp them the same.
    ///
    /// - Returns: how many operations were queued again.
    @discardableResult
    public func restampPassingRefusals(at time: DeviceTime = DeviceClock.now()) throws -> Int {
        let cipher = try contentCipher()
        let identity = storedIdentity
        return try database.write { db in
            guard let anchor = try Self.clockAnchor(db) else { return 0 }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT opId, body, parkedCode, bootId, bootTime FROM operation
                    WHERE outbox = '\(OutboxState.parked.rawValue)' AND parkedCode != ? ORDER BY localSeq
                    """,
                arguments: [Self.damagedCode]
            )
            // A venue refused as unknown may have been added since: the venue list pulled at the last sync says.
            let venues = Set(try String.fetchAll(db, sql: "SELECT id FROM venue"))
            var again: [(operation: LogOperation, shift: TimeInterval)] = []
            var touched: Set<UUID> = []
            for row in rows {
                let code: String = row["parkedCode"]
                guard
                    let operation = try? WireCoding.decodeOperation(
                        cipher.open(row["body"], as: .operationBody, of: try Self.id(row["opId"]))
                    )
                else { continue }
                var referenced = [operation.recordId, OperationAdmission.referencedRecordId(of: operation)]
                if case .setRegister(.link(let link, _)) = operation.payload { referenced.append(link.target) }
                let hangsFromOne = referenced.contains { $0.map(touched.contains) ?? false }
                let passing = Self.passingRefusals.contains(code)
                let venueAdded =
                    code == "unknown-venue" && !venues.isEmpty
                    && VenueReference.venueIds(in: operation).allSatisfy(venues.contains)
                guard passing || venueAdded || (code == "unknown-record" && hangsFromOne) else { continue }
                // How far the wall clock that made it was from the server's then.
                var shift: TimeInterval = 0
                if passing {
                    let bootId: String? = row["bootId"]
                    let bootTime: Int64? = row["bootTime"]
                    let madeAt = DeviceTime(
                        wall: operation.hlc.date,
                        boot: bootId.flatMap { id in bootTime.map { BootInstant(bootId: id, milliseconds: $0) } }
                    )
                    shift = min(anchor.estimate(at: madeAt).timeIntervalSince(operation.hlc.date), 0)
                }
                again.append((operation, shift))
                touched.insert(operation.recordId)
            }
            guard !again.isEmpty else { return 0 }
            let stamping = try Self.stampingClock(at: time, db: db)
            var clock = stamping.clock
            var restamped: [LogOperation] = []
            for (old, shift) in again {
                let operation = LogOperation(
                    deviceId: identity.deviceId,
                    author: identity.userId,
                    hlc: clock.tick(wallMilliseconds: stamping.now.millisecondsSince1970),
                    recordId: old.recordId,
                    payload: Self.retimed(old.payload, by: shift, notAfter: stamping.now)
                )
                try db.execute(sql: "DELETE FROM operation WHERE opId = ?", arguments: [old.opId.text])
                try Self.insert(operation, outbox: .pending, madeAt: time.boot, cipher: cipher, db: db)
                restamped.append(operation)
            }
            try db.execute(sql: "UPDATE syncState SET clock = ?", arguments: [clock.latest.rawValue])
            try Self.rematerialise(restamped, upsert: try RecordTable.prepareUpsert(db), cipher: cipher, db: db)
            return restamped.count
        }
    }

    /// A created record's times moved by `shift` (what the wall clock that recorded it was ahead), and never
    /// after `now` (where the shift is not known, after a restart, that is the least it was ahead). The time of the
    /// event moves with them only where it would otherwise be later than the record: it was the default, "now";
    /// a time given for a late entry stays.
    static func retimed(_ payload: OperationPayload, by shift: TimeInterval, notAfter now: Date) -> OperationPayload {
        func moved(occurredAt: inout Date, recordedAt: inout Date) {
            let recorded = min(recordedAt.addingTimeInterval(shift), now).truncatedToMilliseconds
            if occurredAt.timeIntervalSince(recorded) > allowedClockSkew {
                occurredAt = min(occurredAt.addingTimeInterval(shift), recorded).truncatedToMilliseconds
            }
            recordedAt = recorded
        }
        switch payload {
        case .createSighting(var sighting):
            moved(occurredAt: &sighting.occurredAt, recordedAt: &sighting.recordedAt)
            return .createSighting(sighting)
        case .createIntervention(var intervention):
            moved(occurredAt: &intervention.occurredAt, recordedAt: &intervention.recordedAt)
            return .createIntervention(intervention)
        case .createNote(var note):
            var occurredAt = note.recordedAt
            moved(occurredAt: &occurredAt, recordedAt: &note.recordedAt)
            return .createNote(note)
        case .createAuthorisation(var authorisation):
            // When it is in force is what it says, not when it was recorded: only the recording moves.
            var startsAt = authorisation.recordedAt
            moved(occurredAt: &startsAt, recordedAt: &authorisation.recordedAt)
            return .createAuthorisation(authorisation)
        default:
            return payload
        }
    }
}
