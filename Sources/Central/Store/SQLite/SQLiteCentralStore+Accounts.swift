import Foundation
import GRDB
import Models

extension SQLiteCentralStore {
    public func addUser(_ user: UserAccount, by caller: Caller, now: Date) async throws {
        do throws(ValidationError) { try user.validate() } catch {
            throw AccountError(.invalid, code: error.code, message: error.message)
        }
        try await write { db in
            guard
                try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM account WHERE id = ?)", arguments: [user.id])!
            else { throw AccountError(.conflict, code: "user-exists", message: "A user with this id exists already.") }
            for venueId in user.venueIds
            where try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM venue WHERE id = ?)", arguments: [venueId])!
            {
                throw AccountError(
                    .invalid,
                    code: "unknown-venue",
                    message: "No venue with id \(venueId); add it first."
                )
            }
            try db.execute(
                sql: "INSERT INTO account (id, role, venueIds, createdAt) VALUES (?, ?, ?, ?)",
                arguments: [
                    user.id, user.role.rawValue, user.venueIds.joined(separator: ","), WireCoding.formatDate(now),
                ]
            )
            try Self.appendAudit(AuditEntry(at: now, caller: caller, action: .userAdded, subject: user.id), db: db)
        }
    }

    public func users() async throws -> [UserAccount] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, role, venueIds, createdAt FROM account ORDER BY id").map { row in
                UserAccount(
                    id: row["id"],
                    role: Role(rawValue: row["role"])!,
                    venueIds: Self.venueList(row["venueIds"]),
                    createdAt: WireCoding.parseDate(row["createdAt"]) ?? .distantPast
                )
            }
        }
    }

    public func devices() async throws -> [DeviceAccount] {
        try await database.read { db in try Self.devices(where: "", arguments: [], db: db) }
    }

    public func devices(ofUser userId: String) async throws -> [DeviceAccount] {
        try await database.read { db in
            try Self.devices(where: "WHERE device.userId = ?", arguments: [userId], db: db)
        }
    }

    /// Devices with their wipes and approvals, by id.
    static func devices(where condition: String, arguments: StatementArguments, db: Database) throws -> [DeviceAccount]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT device.id, device.userId, device.enrolledAt, device.revokedAt, device.enrolledBy,
                    device.approvalNeeded, device.approvedAt, device.approvedBy, device.approvedByDevice,
                    deviceWipe.orderedAt, deviceWipe.orderedBy, deviceWipe.deliveredAt, deviceWipe.confirmedAt
                FROM device LEFT JOIN deviceWipe ON deviceWipe.deviceId = device.id \(condition) ORDER BY device.id
                """,
            arguments: arguments
        ).map { row in
            let approvalNeeded: Bool = row["approvalNeeded"]
            return DeviceAccount(
                id: row["id"],
                userId: row["userId"],
                enrolledAt: WireCoding.parseDate(row["enrolledAt"]) ?? .distantPast,
                revokedAt: (row["revokedAt"] as String?).flatMap(WireCoding.parseDate),
                wipe: Self.deviceWipe(row),
                enrolledBy: row["enrolledBy"],
                approval: approvalNeeded
                    ? EnrolmentApproval(
                        approvedAt: (row["approvedAt"] as String?).flatMap(WireCoding.parseDate),
                        approvedBy: row["approvedBy"],
                        approvedByDevice: row["approvedByDevice"]
                    ) : nil
            )
        }
    }

    public func enrolDevice(id: String, userId: String, by caller: Caller, now: Date) async throws -> String {
        do throws(ValidationError) { try Identifiers.validateDevice(id) } catch {
            throw AccountError(.invalid, code: error.code, message: error.message)
        }
        let token = AccessToken.generate()
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM account WHERE id = ?)", arguments: [userId])!
            else { throw AccountError(.notFound, code: "unknown-user", message: "No user with that id.") }
            guard try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM device WHERE id = ?)", arguments: [id])!
            else {
                throw AccountError(
                    .conflict,
                    code: "device-exists",
                    message: "A device with this id is enrolled already; enrol a new device under a new id."
                )
            }
            let existing = try Self.devices(where: "WHERE device.userId = ?", arguments: [userId], db: db)
            try db.execute(
                sql: "INSERT INTO device (id, userId, enrolledAt, enrolledBy, approvalNeeded) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    id, userId, WireCoding.formatDate(now), caller.userId,
                    EnrolmentApproval.isNeeded(existingDevicesOfUser: existing),
                ]
            )
            try Self.issue(token, kind: "enrolment", deviceId: id, now: now, lifetime: enrolmentLifetime, db: db)
            try Self.appendAudit(AuditEntry(at: now, caller: caller, action: .enrol, subject: id), db: db)
        }
        return token
    }

    public func redeemEnrolment(token: String, now: Date) async throws -> Enrolment? {
        guard AccessToken.isWellFormed(token) else { return nil }
        let access = AccessToken.generate()
        return try await write { db in
            guard let credential = try Self.credential(token, now: now, db: db), credential.kind == "enrolment"
            else { return nil }
            try Self.requireApproved(credential.caller.deviceId, db: db)
            try db.execute(
                sql: "UPDATE credential SET endedAt = ? WHERE tokenHash = ?",
                arguments: [WireCoding.formatDate(now), credential.hash]
            )
            try Self.issue(
                access,
                kind: "access",
                deviceId: credential.caller.deviceId,
                now: now,
                lifetime: nil,
                db: db
            )
            try Self.appendAudit(
                AuditEntry(
                    at: now,
                    caller: credential.caller,
                    action: .enrolmentRedeemed,
                    subject: credential.caller.deviceId
                ),
                db: db
            )
            return Enrolment(token: access, caller: credential.caller)
        }
    }

    public func approveEnrolment(deviceId: String, by caller: Caller, now: Date) async throws -> DeviceAccount {
        try await write { db in
            guard let device = try Self.devices(where: "WHERE device.id = ?", arguments: [deviceId], db: db).first
            else { throw AccountError(.notFound, code: "unknown-device", message: "No device with that id.") }
            let approverDevice = try Self.devices(where: "WHERE device.id = ?", arguments: [caller.deviceId], db: db)
                .first
            try EnrolmentApproval.checkCanApprove(device, by: caller, approverDevice: approverDevice)
            try db.execute(
                sql: "UPDATE device SET approvedAt = ?, approvedBy = ?, approvedByDevice = ? WHERE id = ?",
                arguments: [WireCoding.formatDate(now), caller.userId, caller.deviceId, deviceId]
            )
            try Self.appendAudit(
                AuditEntry(at: now, caller: caller, action: .enrolmentApproved, subject: deviceId),
                db: db
            )
            return try Self.devices(where: "WHERE device.id = ?", arguments: [deviceId], db: db)[0]
        }
    }

    public func revokeDevice(id: String, by caller: Caller, now: Date) async throws {
        try await write { db in
            try Self.requireDevice(id, db: db)
            let stamp = WireCoding.formatDate(now)
            try db.execute(
                sql: "UPDATE device SET revokedAt = COALESCE(revokedAt, ?) WHERE id = ?",
                arguments: [stamp, id]
            )
            try db.execute(
                sql: "UPDATE credential SET endedAt = COALESCE(endedAt, ?) WHERE deviceId = ?",
                arguments: [stamp, id]
            )
            try Self.appendAudit(AuditEntry(at: now, caller: caller, action: .revoke, subject: id), db: db)
        }
    }

    public func rotateToken(deviceId: String, by caller: Caller, now: Date) async throws -> String {
        let token = AccessToken.generate()
        try await write { db in
            try Self.requireDevice(deviceId, db: db)
            guard
                try String.fetchOne(db, sql: "SELECT revokedAt FROM device WHERE id = ?", arguments: [deviceId]) == nil
            else {
                throw AccountError(
                    .conflict,
                    code: "device-revoked",
                    message: "The device is revoked; enrol a new device instead."
                )
            }
            // A rotation must not hand out the access that a waiting enrolment is refused.
            if try Self.devices(where: "WHERE device.id = ?", arguments: [deviceId], db: db).first?.isPendingApproval
                == true
            {
                throw AccountError.tokenNeedsApproval(deviceId)
            }
            try db.execute(
                sql: "UPDATE credential SET endedAt = COALESCE(endedAt, ?) WHERE deviceId = ?",
                arguments: [WireCoding.formatDate(now), deviceId]
            )
            try Self.issue(token, kind: "access", deviceId: deviceId, now: now, lifetime: nil, db: db)
            try Self.appendAudit(AuditEntry(at: now, caller: caller, action: .rotate, subject: deviceId), db: db)
        }
        return token
    }

    public func caller(forToken token: String, now: Date) async throws -> Caller? {
        guard AccessToken.isWellFormed(token) else { return nil }
        return try await database.read { db in
            guard let credential = try Self.credential(token, now: now, db: db), credential.kind == "access" else {
                return nil
            }
            return credential.caller
        }
    }

    /// A live credential (not ended, not expired, its device not revoked) and whom it speaks for.
    private static func credential(
        _ token: String,
        now: Date,
        db: Database
    ) throws -> (hash: String, kind: String, caller: Caller)? {
        let hash = AccessToken.hash(token)
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT credential.tokenHash, credential.kind, credential.expiresAt, credential.endedAt,
                            device.id AS deviceId, device.revokedAt, account.id AS userId, account.role, account.venueIds
                        FROM credential JOIN device ON device.id = credential.deviceId
                        JOIN account ON account.id = device.userId
                        WHERE credential.tokenHash = ?
                        """
                ),
                arguments: [hash]
            ),
            AccessToken.constantTimeEqual(row["tokenHash"], hash),
            (row["endedAt"] as String?) == nil, (row["revokedAt"] as String?) == nil
        else { return nil }
        if let expires = (row["expiresAt"] as String?).flatMap(WireCoding.parseDate), expires <= now { return nil }
        guard let role = Role(rawValue: row["role"]) else { return nil }
        let caller = Caller(
            userId: row["userId"],
            deviceId: row["deviceId"],
            role: role,
            venueIds: Set(venueList(row["venueIds"]))
        )
        return (hash, row["kind"], caller)
    }

    private static func issue(
        _ token: String,
        kind: String,
        deviceId: String,
        now: Date,
        lifetime: TimeInterval?,
        db: Database
    ) throws {
        try db.execute(
            sql: "INSERT INTO credential (tokenHash, deviceId, kind, issuedAt, expiresAt) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                AccessToken.hash(token), deviceId, kind, WireCoding.formatDate(now),
                lifetime.map { WireCoding.formatDate(now.addingTimeInterval($0)) },
            ]
        )
    }

    /// Refuses the redemption of an enrolment that waits for approval; the token stays unused.
    private static func requireApproved(_ deviceId: String, db: Database) throws {
        guard
            try Bool.fetchOne(
                db,
                sql: "SELECT approvalNeeded = 1 AND approvedAt IS NULL FROM device WHERE id = ?",
                arguments: [deviceId]
            ) == true
        else { return }
        throw AccountError.enrolmentNeedsApproval(deviceId)
    }

    private static func requireDevice(_ id: String, db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM device WHERE id = ?)", arguments: [id])! else {
            throw AccountError(.notFound, code: "unknown-device", message: "No device with that id.")
        }
    }

    private static func venueList(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }
}
