import Foundation
import Logging
import Models
import PostgresNIO

/// The remote wipe of a lost or stolen device (`DeviceWipe` decides; this persists and audits).
extension PostgresCentralStore {
    public func orderWipe(deviceId: String, by caller: Caller, now: Date) async throws -> DeviceWipe {
        let stamp = WireCoding.formatDate(now)
        return try await transaction { connection in
            // The device's row stays locked until commit, so revocation, rotation and wipe orders take turns.
            let device = try await connection.query(
                "SELECT id FROM device WHERE id = \(deviceId) FOR UPDATE",
                logger: logger
            ).collect()
            guard !device.isEmpty else {
                throw AccountError(.notFound, code: "unknown-device", message: "No device with that id.")
            }
            let existing = try await connection.query(
                """
                SELECT ordered_at, ordered_by, delivered_at, confirmed_at FROM device_wipe
                WHERE device_id = \(deviceId)
                """,
                logger: logger
            ).collect().first.flatMap { row in
                let (orderedAt, orderedBy, deliveredAt, confirmedAt) = try row.decode(
                    (String?, String?, String?, String?).self
                )
                return Self.deviceWipe(
                    orderedAt: orderedAt,
                    orderedBy: orderedBy,
                    deliveredAt: deliveredAt,
                    confirmedAt: confirmedAt
                )
            }
            // The last access token issued is the one the device holds (a rotation ends the one before).
            let tokenHash = try await connection.query(
                """
                SELECT token_hash FROM credential WHERE device_id = \(deviceId) AND kind = 'access'
                ORDER BY issued_at DESC, token_hash LIMIT 1
                """,
                logger: logger
            ).collect().first.map { try $0.decode(String.self) }
            try DeviceWipe.checkCanOrder(deviceId: deviceId, existing: existing, hasAccessToken: tokenHash != nil)
            // Revoked for everything else at once, exactly as a plain revocation.
            try await connection.query(
                "UPDATE device SET revoked_at = COALESCE(revoked_at, \(stamp)) WHERE id = \(deviceId)",
                logger: logger
            )
            try await connection.query(
                "UPDATE credential SET ended_at = COALESCE(ended_at, \(stamp)) WHERE device_id = \(deviceId)",
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO device_wipe (device_id, token_hash, ordered_at, ordered_by)
                VALUES (\(deviceId), \(tokenHash), \(stamp), \(caller.userId))
                """,
                logger: logger
            )
            try await Self.appendAudit(
                [AuditEntry(at: now, caller: caller, action: .wipeOrdered, subject: deviceId)],
                on: connection,
                logger: logger
            )
            return DeviceWipe(orderedAt: WireCoding.parseDate(stamp) ?? now, orderedBy: caller.userId)
        }
    }

    public func deliverWipe(token: String, now: Date) async throws -> Caller? {
        guard AccessToken.isWellFormed(token) else { return nil }
        let hash = AccessToken.hash(token)
        // Every refused token is looked up here: without a lock first, and only the first delivery of a wipe
        // writes.
        let found = try await client.withConnection { connection in
            try await Self.pendingWipe(hash, lock: false, on: connection, logger: logger)
        }
        guard let found, let delivery = found.wipe.delivered(at: now) else { return nil }
        guard delivery.changed else { return found.caller }
        return try await transaction { connection -> Caller? in
            // Locked and read again: two first contacts at once deliver (and audit) once.
            guard let pending = try await Self.pendingWipe(hash, lock: true, on: connection, logger: logger),
                let delivery = pending.wipe.delivered(at: now)
            else { return nil }
            if delivery.changed {
                try await connection.query(
                    "UPDATE device_wipe SET delivered_at = \(WireCoding.formatDate(now)) WHERE token_hash = \(hash)",
                    logger: logger
                )
                try await Self.appendAudit(
                    [
                        AuditEntry(
                            at: now,
                            caller: pending.caller,
                            action: .wipeDelivered,
                            subject: pending.caller.deviceId
                        )
                    ],
                    on: connection,
                    logger: logger
                )
            }
            return pending.caller
        }
    }

    public func confirmWipe(token: String, now: Date) async throws -> Caller? {
        guard AccessToken.isWellFormed(token) else { return nil }
        let hash = AccessToken.hash(token)
        return try await transaction { connection -> Caller? in
            guard let pending = try await Self.pendingWipe(hash, lock: true, on: connection, logger: logger),
                let confirmed = pending.wipe.confirmed(at: now)
            else { return nil }
            let caller = pending.caller
            var entries: [AuditEntry] = []
            if pending.wipe.deliveredAt == nil {
                entries.append(AuditEntry(at: now, caller: caller, action: .wipeDelivered, subject: caller.deviceId))
            }
            entries.append(AuditEntry(at: now, caller: caller, action: .wiped, subject: caller.deviceId))
            try await connection.query(
                """
                UPDATE device_wipe SET delivered_at = \(confirmed.deliveredAt.map(WireCoding.formatDate)),
                    confirmed_at = \(WireCoding.formatDate(now))
                WHERE token_hash = \(hash)
                """,
                logger: logger
            )
            try await Self.appendAudit(entries, on: connection, logger: logger)
            return caller
        }
    }

    /// The wipe ordered for the access token with this hash and whom the device belongs to; nil when none.
    /// With `lock`, the wipe's row stays locked until the transaction ends.
    private static func pendingWipe(
        _ hash: String,
        lock: Bool,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> PendingWipe? {
        let rows = try await connection.query(
            """
            SELECT device_wipe.token_hash, device_wipe.ordered_at, device_wipe.ordered_by, device_wipe.delivered_at,
                device_wipe.confirmed_at, device.id, account.id, account.role, account.venue_ids
            FROM device_wipe JOIN device ON device.id = device_wipe.device_id
            JOIN account ON account.id = device.user_id
            WHERE device_wipe.token_hash = \(hash)
            \(unescaped: lock ? "FOR UPDATE OF device_wipe" : "")
            """,
            logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let (storedHash, orderedAt, orderedBy, deliveredAt, confirmedAt, deviceId, userId, role, venueIds) =
            try row.decode((String, String, String, String?, String?, String, String, String, String).self)
        guard AccessToken.constantTimeEqual(storedHash, hash), let role = Role(rawValue: role),
            let wipe = deviceWipe(
                orderedAt: orderedAt,
                orderedBy: orderedBy,
                deliveredAt: deliveredAt,
                confirmedAt: confirmedAt
            )
        else { return nil }
        let venues = Set(venueIds.split(separator: ",").map(String.init))
        return PendingWipe(caller: Caller(userId: userId, deviceId: deviceId, role: role, venueIds: venues), wipe: wipe)
    }

    /// A device's wipe from its columns; nil when there is none (no wipe was ordered).
    static func deviceWipe(
        orderedAt: String?,
        orderedBy: String?,
        deliveredAt: String?,
        confirmedAt: String?
    ) -> DeviceWipe? {
        guard let orderedAt = orderedAt.flatMap(WireCoding.parseDate), let orderedBy else { return nil }
        return DeviceWipe(
            orderedAt: orderedAt,
            orderedBy: orderedBy,
            deliveredAt: deliveredAt.flatMap(WireCoding.parseDate),
            confirmedAt: confirmedAt.flatMap(WireCoding.parseDate)
        )
    }
}
