import Foundation
import Models

// The access policy of issue 4 as a table: for every endpoint, what each person and each kind of bad token
// gets. `AuthorisationMatrixTests` sends every row as every column to the running server.

/// What one request is expected to get.
enum AccessOutcome: Sendable, Equatable, CustomStringConvertible {
    /// 200, and what the endpoint does (its data exactly, its audit entry if it writes one).
    case ok
    /// 201, and what the endpoint does.
    case created
    /// A push: 200 with the operation in `accepted`, stored and audited.
    case stored
    /// A push: 200 with the operation in `rejected` with this code; nothing stored, nothing audited.
    case rejected(String)
    /// An error with this status and code; nothing changed, nothing audited.
    case refused(Int, String)

    static let unauthorized = refused(401, "unauthorized")
    static let forbidden = refused(403, "forbidden")
    static let notFound = refused(404, "not-found")

    var description: String {
        switch self {
        case .ok: "200"
        case .created: "201"
        case .stored: "200 stored"
        case .rejected(let code): "200 rejected \(code)"
        case .refused(let status, let code): "\(status) \(code)"
        }
    }
}

/// A seeded record that a row reads.
enum AccessSeedRecord: Sendable, CustomStringConvertible {
    /// The officer's sighting made at A.
    case sightingA
    /// The officer's sighting made at B (later moved to A by an amendment: its scope stays B).
    case sightingB
    /// The officer's note on the sighting made at B.
    case noteB

    var description: String {
        switch self {
        case .sightingA: "sighting made at A"
        case .sightingB: "sighting made at B, moved to A"
        case .noteB: "note on the sighting made at B"
        }
    }

    func id(in seed: AccessSeed) -> UUID {
        switch self {
        case .sightingA: seed.sightingA
        case .sightingB: seed.sightingB
        case .noteB: seed.noteB
        }
    }
}

/// Every endpoint of the API (and, for push and show, the venue the request concerns).
enum AccessEndpoint: Sendable, CustomStringConvertible {
    case health
    /// `POST /v1/enrol` with the column's token (an access token is not an enrolment token).
    case enrol
    /// `POST /v1/sync/push` of a new sighting at a venue, made as the token's own device and user.
    case push(at: AccessVenue)
    case pull
    case venues
    case search
    case show(AccessSeedRecord)
    case export
    case adminListVenues
    case adminSaveVenue
    case adminListUsers
    case adminAddUser
    case adminListDevices
    case adminEnrolDevice
    case adminRevokeDevice
    /// `POST /v1/admin/devices/{id}/wipe` of a device provisioned for the row.
    case adminOrderWipe
    case adminRotateToken
    /// `POST /v1/device/wiped` with the column's token (no wipe was ordered for any column's device).
    case confirmWipe
    /// `GET /v1/device/enrolments`: the enrolments waiting for the caller's approval.
    case pendingEnrolments
    /// `POST /v1/device/enrolments/{id}/approve` of a new device enrolled for the officer, waiting for approval.
    case approveEnrolment
    case adminAudit
    case adminAuditVerify

    var description: String {
        switch self {
        case .health: "GET /v1/health"
        case .enrol: "POST /v1/enrol"
        case .push(let venue): "POST /v1/sync/push (sighting at \(venue))"
        case .pull: "GET /v1/sync/pull"
        case .venues: "GET /v1/venues"
        case .search: "GET /v1/records"
        case .show(let record): "GET /v1/records/{id} (\(record))"
        case .export: "GET /v1/records/export"
        case .adminListVenues: "GET /v1/admin/venues"
        case .adminSaveVenue: "POST /v1/admin/venues"
        case .adminListUsers: "GET /v1/admin/users"
        case .adminAddUser: "POST /v1/admin/users"
        case .adminListDevices: "GET /v1/admin/devices"
        case .adminEnrolDevice: "POST /v1/admin/devices"
        case .adminRevokeDevice: "POST /v1/admin/devices/{id}/revoke"
        case .adminOrderWipe: "POST /v1/admin/devices/{id}/wipe"
        case .confirmWipe: "POST /v1/device/wiped"
        case .pendingEnrolments: "GET /v1/device/enrolments"
        case .approveEnrolment: "POST /v1/device/enrolments/{id}/approve"
        case .adminRotateToken: "POST /v1/admin/devices/{id}/token"
        case .adminAudit: "GET /v1/admin/audit"
        case .adminAuditVerify: "GET /v1/admin/audit/verify"
        }
    }
}

/// One endpoint and what each caller gets from it. `badToken` holds for every bad token alike: a revoked
/// device's token, a well-formed token never issued, garbage, and no token at all.
struct AccessPolicyRow: Sendable {
    let endpoint: AccessEndpoint
    let expected: [AccessWho: AccessOutcome]

    init(
        _ endpoint: AccessEndpoint,
        officer: AccessOutcome,
        supervisor: AccessOutcome,
        staffA: AccessOutcome,
        staffB: AccessOutcome,
        admin: AccessOutcome,
        badToken: AccessOutcome
    ) {
        self.endpoint = endpoint
        var expected: [AccessWho: AccessOutcome] = [
            .officer: officer, .supervisor: supervisor, .staffA: staffA, .staffB: staffB, .admin: admin,
        ]
        for who in AccessWho.badTokens { expected[who] = badToken }
        self.expected = expected
    }
}

enum AccessPolicy {
    /// The policy: every endpoint × every role (venue staff at the record's venue and at the other one) × every
    /// kind of token.
    static let rows: [AccessPolicyRow] = [
        // Open endpoints: health answers anyone; enrolment takes only an unused enrolment token.
        AccessPolicyRow(
            .health,
            officer: .ok,
            supervisor: .ok,
            staffA: .ok,
            staffB: .ok,
            admin: .ok,
            badToken: .ok
        ),
        AccessPolicyRow(
            .enrol,
            officer: .unauthorized,
            supervisor: .unauthorized,
            staffA: .unauthorized,
            staffB: .unauthorized,
            admin: .unauthorized,
            badToken: .unauthorized
        ),
        // Sync: the police roles everywhere, venue staff at their own venue only, administrators never.
        AccessPolicyRow(
            .push(at: .a),
            officer: .stored,
            supervisor: .stored,
            staffA: .stored,
            staffB: .rejected("out-of-scope"),
            admin: .forbidden,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .push(at: .b),
            officer: .stored,
            supervisor: .stored,
            staffA: .rejected("out-of-scope"),
            staffB: .stored,
            admin: .forbidden,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .pull,
            officer: .ok,
            supervisor: .ok,
            staffA: .ok,
            staffB: .ok,
            admin: .forbidden,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .venues,
            officer: .ok,
            supervisor: .ok,
            staffA: .ok,
            staffB: .ok,
            admin: .ok,
            badToken: .unauthorized
        ),
        // Reads of the merged log: supervisors everything, venue staff their scope (other records are not
        // found), officers and administrators nothing.
        AccessPolicyRow(
            .search,
            officer: .forbidden,
            supervisor: .ok,
            staffA: .ok,
            staffB: .ok,
            admin: .forbidden,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .show(.sightingA),
            officer: .forbidden,
            supervisor: .ok,
            staffA: .ok,
            staffB: .notFound,
            admin: .forbidden,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .show(.sightingB),
            officer: .forbidden,
            supervisor: .ok,
            staffA: .notFound,
            staffB: .ok,
            admin: .forbidden,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .show(.noteB),
            officer: .forbidden,
            supervisor: .ok,
            staffA: .notFound,
            staffB: .ok,
            admin: .forbidden,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .export,
            officer: .forbidden,
            supervisor: .ok,
            staffA: .ok,
            staffB: .ok,
            admin: .forbidden,
            badToken: .unauthorized
        ),
        // Administration: administrators only.
        AccessPolicyRow(
            .adminListVenues,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .ok,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminSaveVenue,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .created,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminListUsers,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .ok,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminAddUser,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .created,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminListDevices,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .ok,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminEnrolDevice,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .created,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminRevokeDevice,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .ok,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminOrderWipe,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .ok,
            badToken: .unauthorized
        ),
        // A wipe is confirmed only with the token it was ordered for: a live token of a device with no wipe
        // hears so, and every bad token hears what it always does.
        AccessPolicyRow(
            .confirmWipe,
            officer: .refused(409, "no-wipe-ordered"),
            supervisor: .refused(409, "no-wipe-ordered"),
            staffA: .refused(409, "no-wipe-ordered"),
            staffB: .refused(409, "no-wipe-ordered"),
            admin: .refused(409, "no-wipe-ordered"),
            badToken: .unauthorized
        ),
        // Enrolment approval (docs/accounts.md): every role may list what it may approve (an administrator:
        // nothing); the officer approves their own new device, a supervisor anyone's; nobody else.
        AccessPolicyRow(
            .pendingEnrolments,
            officer: .ok,
            supervisor: .ok,
            staffA: .ok,
            staffB: .ok,
            admin: .ok,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .approveEnrolment,
            officer: .ok,
            supervisor: .ok,
            staffA: .refused(403, "approval-forbidden"),
            staffB: .refused(403, "approval-forbidden"),
            admin: .refused(403, "approval-forbidden"),
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminRotateToken,
            officer: .forbidden,
            supervisor: .forbidden,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .created,
            badToken: .unauthorized
        ),
        // The audit log: administrators and supervisors.
        AccessPolicyRow(
            .adminAudit,
            officer: .forbidden,
            supervisor: .ok,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .ok,
            badToken: .unauthorized
        ),
        AccessPolicyRow(
            .adminAuditVerify,
            officer: .forbidden,
            supervisor: .ok,
            staffA: .forbidden,
            staffB: .forbidden,
            admin: .ok,
            badToken: .unauthorized
        ),
    ]
}
