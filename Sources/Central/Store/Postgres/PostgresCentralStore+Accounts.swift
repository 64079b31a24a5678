import Foundation
import Logging
import Models
import PostgresNIO

extension PostgresCentralStore {
    public func addUser(_ user: UserAccount, by caller: Caller, now: Date) async throws {
        do throws(ValidationError) { try user.validate() } catch {
            throw AccountError(.invalid, code: error.code, message: error.message)
        }
        try await transaction { connection in
            guard try await !Self.exists("SELECT 1 FROM account WHERE id = \(user.id)", on: connection, logger: logger)
            else { throw AccountError(.conflict, code: "user-exists", message: "A user with this id exists already.") }
            for venueId in user.venueIds {
                guard try await Self.exists("SELECT 1 FROM venue WHERE id = \(venueId)", on: connection, logger: logger)
                else {
                    throw AccountError(
                        .invalid,
                        code: "unknown-venue",
                        message: "No venue with id \(venueId); add it first."
                    )
                }
            }
            try await connection.query(
                """
                INSERT INTO account (id, role, venue_ids, created_at)
                VALUES (\(user.id), \(user.role.rawValue), \(user.venueIds.joined(separator: ",")),
                    \(WireCoding.formatDate(now)))
                """,
                logger: logger
            )
            try await Self.appendAudit(
                [AuditEntry(at: now, caller: caller, action: .userAdded, subject: user.id)],
                on: connection,
                logger: logger
            )
        }
    }

    public func users() async throws -> [UserAccount] {
        var users: [UserAccount] = []
        let rows = try await client.query(
            "SELECT id, role, venue_ids, created_at FROM account ORDER BY id COLLATE \"C\"",
            logger: logger
        )
        for try await (id, role, venueIds, createdAt) in rows.decode((String, String, String, String).self) {
            guard let role = Role(rawValue: role) else { continue }
            users.append(
                UserAccount(
                    id: id,
                    role: role,
                    venueIds: Self.venueList(venueIds),
                    createdAt: WireCoding.parseDate(createdAt) ?? .distantPast
                )
            )
        }
        return users
    }

    public func devices() async throws -> [DeviceAccount] {
        try await client.withConnection { try await Self.devices(on: $0, logger: logger) }
    }

    public func devices(ofUser userId: String) async throws -> [DeviceAccount] {
        try await client.withConnection { try await Self.devices(userId: userId, on: $0, logger: logger) }
    }

    /// Devices with their wipes and approvals, by id: every one, one user's, or one.
    static func devices(
        userId: String? = nil,
        deviceId: String? = nil,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [DeviceAccount] {
        var devices: [DeviceAccount] = []
        let rows = try await connection.query(
            """
            SELECT device.id, device.user_id, device.enrolled_at, device.revoked_at, device_wipe.ordered_at,
                device_wipe.ordered_by, device_wipe.delivered_at, device_wipe.confirmed_at, device.enrolled_by,
                device.approval_needed, device.approved_at, device.approved_by, device.approved_by_device
            FROM device LEFT JOIN device_wipe ON device_wipe.device_id = device.id
            WHERE (\(userId)::TEXT IS NULL OR device.user_id = \(userId))
                AND (\(deviceId)::TEXT IS NULL OR device.id = \(deviceId))
            ORDER BY device.id COLLATE "C"
            """,
            logger: logger
        )
        for try await row in rows {
            let (
                id, userId, enrolledAt, revokedAt, orderedAt, orderedBy, deliveredAt, confirmedAt, enrolledBy,
                approvalNeeded, approvedAt, approvedBy, approvedByDevice
            ) = try row.decode(
                (
                    String, String, String, String?, String?, String?, String?, String?, String?, Bool, String?,
                    String?, String?
                ).self
            )
            devices.append(
                DeviceAccount(
                    id: id,
                    userId: userId,
                    enrolledAt: WireCoding.parseDate(enrolledAt) ?? .distantPast,
                    revokedAt: revokedAt.flatMap(WireCoding.parseDate),
                    wipe: Self.deviceWipe(
                        orderedAt: orderedAt,
                        orderedBy: orderedBy,
                        deliveredAt: deliveredAt,
                        confirmedAt: confirmedAt
                    ),
                    enrolledBy: enrolledBy,
                    approval: approvalNeeded
                        ? EnrolmentApproval(
                            approvedAt: approvedAt.flatMap(WireCoding.parseDate),
                            approvedBy: approvedBy,
                            approvedByDevice: approvedByDevice
                        ) : nil
                )
            )
        }
        return devices
    }

    public func enrolDevice(id: String, userId: String, by caller: Caller, now: Date) async throws -> String {
        do throws(ValidationError) { try Identifiers.validateDevice(id) } catch {
            throw AccountError(.invalid, code: error.code, message: error.message)
        }
        let token = AccessToken.generate()
        try await transaction { connection in
            guard try await Self.exists("SELECT 1 FROM account WHERE id = \(userId)", on: connection, logger: logger)
            else { throw AccountError(.notFound, code: "unknown-user", message: "No user with that id.") }
            guard try await !Self.exists("SELECT 1 FROM device WHERE id = \(id)", on: connection, logger: logger)
            else {
                throw AccountError(
                    .conflict,
                    code: "device-exists",
                    message: "A device with this id is enrolled already; enrol a new device under a new id."
                )
            }
            // The user's row stays locked until commit, so two enrolments for one user cannot both be bootstraps.
            _ = try await connection.query("SELECT 1 FROM account WHERE id = \(userId) FOR UPDATE", logger: logger)
                .collect()
            let existing = try await Self.devices(userId: userId, on: connection, logger: logger)
            let approvalNeeded = EnrolmentApproval.isNeeded(existingDevicesOfUser: existing)
            try await connection.query(
                """
                INSERT INTO device (id, user_id, enrolled_at, enrolled_by, approval_needed)
                VALUES (\(id), \(userId), \(WireCoding.formatDate(now)), \(caller.userId), \(approvalNeeded))
                """,
                logger: logger
            )
            try await Self.issue(
                token,
                kind: "enrolment",
                deviceId: id,
                now: now,
                lifetime: enrolmentLifetime,
                on: connection,
                logger: logger
            )
            try await Self.appendAudit(
                [AuditEntry(at: now, caller: caller, action: .enrol, subject: id)],
                on: connection,
                logger: logger
            )
        }
        return token
    }

    public func redeemEnrolment(token: String, now: Date) async throws -> Enrolment? {
        guard AccessToken.isWellFormed(token) else { return nil }
        let access = AccessToken.generate()
        return try await transaction { connection -> Enrolment? in
            // Locked, so two redemptions of one token cannot both succeed: the second waits, then sees it used.
            guard
                let credential = try await Self.credential(token, now: now, lock: true, on: connection, logger: logger),
                credential.kind == "enrolment"
            else { return nil }
            // The device's row is locked with the credential: an approval and this redemption take turns.
            if let device = try await Self.devices(
                deviceId: credential.caller.deviceId,
                on: connection,
                logger: logger
            ).first, device.isPendingApproval {
                throw AccountError.enrolmentNeedsApproval(device.id)
            }
            try await connection.query(
                "UPDATE credential SET ended_at = \(WireCoding.formatDate(now)) WHERE token_hash = \(credential.hash)",
                logger: logger
            )
            try await Self.issue(
                access,
                kind: "access",
                deviceId: credential.caller.deviceId,
                now: now,
                lifetime: nil,
                on: connection,
                logger: logger
            )
            try await Self.appendAudit(
                [
                    AuditEntry(
                        at: now,
                        caller: credential.caller,
                        action: .enrolmentRedeemed,
                        subject: credential.caller.deviceId
                    )
                ],
                on: connection,
                logger: logger
            )
            return Enrolment(token: access, caller: credential.caller)
        }
    }

    public func approveEnrolment(deviceId: String, by caller: Caller, now: Date) async throws -> DeviceAccount {
        try await transaction { connection in
            _ = try await Self.lockDevice(deviceId, on: connection, logger: logger)
            let device = try await Self.devices(deviceId: deviceId, on: connection, logger: logger)[0]
            let approverDevice = try await Self.devices(deviceId: caller.deviceId, on: connection, logger: logger).first
            try EnrolmentApproval.checkCanApprove(device, by: caller, approverDevice: approverDevice)
            try await connection.query(
                """
                UPDATE device SET approved_at = \(WireCoding.formatDate(now)), approved_by = \(caller.userId),
                    approved_by_device = \(caller.deviceId)
                WHERE id = \(deviceId)
                """,
                logger: logger
            )
            try await Self.appendAudit(
                [AuditEntry(at: now, caller: caller, action: .enrolmentApproved, subject: deviceId)],
                on: connection,
                logger: logger
            )
            return try await Self.devices(deviceId: deviceId, on: connection, logger: logger)[0]
        }
    }

    public func revokeDevice(id: String, by caller: Caller, now: Date) async throws {
        try await transaction { connection in
            _ = try await Self.lockDevice(id, on: connection, logger: logger)
            let stamp = WireCoding.formatDate(now)
            try await connection.query(
                "UPDATE device SET revoked_at = COALESCE(revoked_at, \(stamp)) WHERE id = \(id)",
                logger: logger
            )
            try await connection.query(
                "UPDATE credential SET ended_at = COALESCE(ended_at, \(stamp)) WHERE device_id = \(id)",
                logger: logger
            )
            try await Self.appendAudit(
                [AuditEntry(at: now, caller: caller, action: .revoke, subject: id)],
                on: connection,
                logger: logger
            )
        }
    }

    public func rotateToken(deviceId: String, by caller: Caller, now: Date) async throws -> String {
        let token = AccessToken.generate()
        try await transaction { connection in
            guard try await Self.lockDevice(deviceId, on: connection, logger: logger) == nil else {
                throw AccountError(
                    .conflict,
                    code: "device-revoked",
                    message: "The device is revoked; enrol a new device instead."
                )
            }
            // A rotation must not hand out the access that a waiting enrolment is refused.
            if try await Self.devices(deviceId: deviceId, on: connection, logger: logger).first?.isPendingApproval
                == true
            {
                throw AccountError.tokenNeedsApproval(deviceId)
            }
            try await connection.query(
                """
                UPDATE credential SET ended_at = COALESCE(ended_at, \(WireCoding.formatDate(now)))
                WHERE device_id = \(deviceId)
                """,
                logger: logger
            )
            try await Self.issue(
                token,
                kind: "access",
                deviceId: deviceId,
                now: now,
                lifetime: nil,
                on: connection,
                logger: logger
            )
            try await Self.appendAudit(
                [AuditEntry(at: now, caller: caller, action: .rotate, subject: deviceId)],
                on: connection,
                logger: logger
            )
        }
        return token
    }

    public func caller(forToken token: String, now: Date) async throws -> Caller? {
        guard AccessToken.isWellFormed(token) else { return nil }
        return try await client.withConnection { connection in
            guard
                let credential = try await Self.credential(
                    token,
                    now: now,
                    lock: false,
                    on: connection,
                    logger: logger
                ),
                credential.kind == "access"
            else { return nil }
            return credential.caller
        }
    }

    /// A live credential (not ended, not expired, its device not revoked) and whom it speaks for; with `lock`,
    /// its row and its device's stay locked until the transaction ends.
    private static func credential(
        _ token: String,
        now: Date,
        lock: Bool,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (hash: String, kind: String, caller: Caller)? {
        let hash = AccessToken.hash(token)
        let rows = try await connection.query(
            """
            SELECT credential.token_hash, credential.kind, credential.expires_at, credential.ended_at,
                device.id, device.revoked_at, account.id, account.role, account.venue_ids
            FROM credential JOIN device ON device.id = credential.device_id
            JOIN account ON account.id = device.user_id
            WHERE credential.token_hash = \(hash)
            \(unescaped: lock ? "FOR UPDATE OF credential, device" : "")
            """,
            logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let (storedHash, kind, expiresAt, endedAt, deviceId, revokedAt, userId, role, venueIds) = try row.decode(
            (String, String, String?, String?, String, String?, String, String, String).self
        )
        guard AccessToken.constantTimeEqual(storedHash, hash), endedAt == nil, revokedAt == nil else { return nil }
        if let expires = expiresAt.flatMap(WireCoding.parseDate), expires <= now { return nil }
        guard let role = Role(rawValue: role) else { return nil }
        let caller = Caller(userId: userId, deviceId: deviceId, role: role, venueIds: Set(venueList(venueIds)))
        return (hash, kind, caller)
    }

    private static func issue(
        _ token: String,
        kind: String,
        deviceId: String,
        now: Date,
        lifetime: TimeInterval?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let expiresAt = lifetime.map { WireCoding.formatDate(now.addingTimeInterval($0)) }
        try await connection.query(
            """
            INSERT INTO credential (token_hash, device_id, kind, issued_at, expires_at)
            VALUES (\(AccessToken.hash(token)), \(deviceId), \(kind), \(WireCoding.formatDate(now)), \(expiresAt))
            """,
            logger: logger
        )
    }

    /// Locks a device's row until the transaction ends (so revocation, rotation and redemption of one device
    /// take turns) and returns when it was revoked, if it was.
    private static func lockDevice(
        _ id: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws
        -> String?
    {
        let rows = try await connection.query(
            "SELECT revoked_at FROM device WHERE id = \(id) FOR UPDATE",
            logger: logger
        ).collect()
        guard let row = rows.first else {
            throw AccountError(.notFound, code: "unknown-device", message: "No device with that id.")
        }
        return try row.decode(String?.self)
    }

    private static func exists(
        _ query: PostgresQuery,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws
        -> Bool
    {
        try await !connection.query(query, logger: logger).collect().isEmpty
    }

    private static func venueList(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }
}
