import Foundation
import GRDB
import Models

/// The remote wipe of a lost or stolen device (`DeviceWipe` decides; this persists and audits).
extension SQLiteCentralStore {
    public func orderWipe(deviceId: String, by caller: Caller, now: Date) async throws -> DeviceWipe {
        let stamp = WireCoding.formatDate(now)
        return try await write { db in
            guard
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM device WHERE id = ?)", arguments: [deviceId])!
            else { throw AccountError(.notFound, code: "unknown-device", message: "No device with that id.") }
            let existing = try Row.fetchOne(
                db,
                sql: "SELECT orderedAt, orderedBy, deliveredAt, confirmedAt FROM deviceWipe WHERE deviceId = ?",
                arguments: [deviceId]
            ).flatMap(Self.deviceWipe)
            // The last access token issued is the one the device holds (a rotation ends the one before).
            let tokenHash = try String.fetchOne(
                db,
                sql: """
                    SELECT tokenHash FROM credential WHERE deviceId = ? AND kind = 'access'
                    ORDER BY issuedAt DESC, rowid DESC LIMIT 1
                    """,
                arguments: [deviceId]
            )
            try DeviceWipe.checkCanOrder(deviceId: deviceId, existing: existing, hasAccessToken: tokenHash != nil)
            // Revoked for everything else at once, exactly as a plain revocation.
            try db.execute(
                sql: "UPDATE device SET revokedAt = COALESCE(revokedAt, ?) WHERE id = ?",
                arguments: [stamp, deviceId]
            )
            try db.execute(
                sql: "UPDATE credential SET endedAt = COALESCE(endedAt, ?) WHERE deviceId = ?",
                arguments: [stamp, deviceId]
            )
            try db.execute(
                sql: "INSERT INTO deviceWipe (deviceId, tokenHash, orderedAt, orderedBy) VALUES (?, ?, ?, ?)",
                arguments: [deviceId, tokenHash, stamp, caller.userId]
            )
            try Self.appendAudit(AuditEntry(at: now, caller: caller, action: .wipeOrdered, subject: deviceId), db: db)
            return DeviceWipe(orderedAt: WireCoding.parseDate(stamp) ?? now, orderedBy: caller.userId)
        }
    }

    public func deliverWipe(token: String, now: Date) async throws -> Caller? {
        guard AccessToken.isWellFormed(token) else { return nil }
        let hash = AccessToken.hash(token)
        // Every refused token is looked up here: a read, so that it never waits for the writer. Only the first
        // delivery of a wipe writes.
        guard let pending = try await database.read({ db in try Self.pendingWipe(hash, db: db) }),
            let delivery = pending.wipe.delivered(at: now)
        else { return nil }
        guard delivery.changed else { return pending.caller }
        return try await write { db in
            // Read again inside the transaction: two first contacts at once deliver (and audit) once.
            guard let pending = try Self.pendingWipe(hash, db: db), let delivery = pending.wipe.delivered(at: now)
            else { return nil }
            let caller = pending.caller
            if delivery.changed {
                try db.execute(
                    sql: "UPDATE deviceWipe SET deliveredAt = ? WHERE tokenHash = ?",
                    arguments: [WireCoding.formatDate(now), hash]
                )
                try Self.appendAudit(
                    AuditEntry(at: now, caller: caller, action: .wipeDelivered, subject: caller.deviceId),
                    db: db
                )
            }
            return caller
        }
    }

    public func confirmWipe(token: String, now: Date) async throws -> Caller? {
        guard AccessToken.isWellFormed(token) else { return nil }
        let hash = AccessToken.hash(token)
        return try await write { db in
            guard let pending = try Self.pendingWipe(hash, db: db), let confirmed = pending.wipe.confirmed(at: now)
            else { return nil }
            let caller = pending.caller
            if pending.wipe.deliveredAt == nil {
                try Self.appendAudit(
                    AuditEntry(at: now, caller: caller, action: .wipeDelivered, subject: caller.deviceId),
                    db: db
                )
            }
            try db.execute(
                sql: "UPDATE deviceWipe SET deliveredAt = ?, confirmedAt = ? WHERE tokenHash = ?",
                arguments: [
                    confirmed.deliveredAt.map(WireCoding.formatDate), WireCoding.formatDate(now), hash,
                ]
            )
            try Self.appendAudit(AuditEntry(at: now, caller: caller, action: .wiped, subject: caller.deviceId), db: db)
            return caller
        }
    }

    /// The wipe ordered for the access token with this hash and whom the device belongs to; nil when none.
    private static func pendingWipe(_ hash: String, db: Database) throws -> PendingWipe? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT deviceWipe.tokenHash, deviceWipe.orderedAt, deviceWipe.orderedBy, deviceWipe.deliveredAt,
                        deviceWipe.confirmedAt, device.id AS deviceId, account.id AS userId, account.role,
                        account.venueIds
                    FROM deviceWipe JOIN device ON device.id = deviceWipe.deviceId
                    JOIN account ON account.id = device.userId
                    WHERE deviceWipe.tokenHash = ?
                    """,
                arguments: [hash]
            ),
            AccessToken.constantTimeEqual(row["tokenHash"], hash),
            let wipe = deviceWipe(row),
            let role = Role(rawValue: row["role"])
        else { return nil }
        let venueIds = (row["venueIds"] as String).split(separator: ",").map(String.init)
        return PendingWipe(
            caller: Caller(userId: row["userId"], deviceId: row["deviceId"], role: role, venueIds: Set(venueIds)),
            wipe: wipe
        )
    }

    /// A device's wipe from a row with `orderedAt`, `orderedBy`, `deliveredAt` and `confirmedAt`; nil when the
    /// row has none (no wipe was ordered).
    static func deviceWipe(_ row: Row) -> DeviceWipe? {
        guard let orderedAt = (row["orderedAt"] as String?).flatMap(WireCoding.parseDate),
            let orderedBy = row["orderedBy"] as String?
        else { return nil }
        return DeviceWipe(
            orderedAt: orderedAt,
            orderedBy: orderedBy,
            deliveredAt: (row["deliveredAt"] as String?).flatMap(WireCoding.parseDate),
            confirmedAt: (row["confirmedAt"] as String?).flatMap(WireCoding.parseDate)
        )
    }
}
