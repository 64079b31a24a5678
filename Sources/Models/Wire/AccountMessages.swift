import Foundation

/// A person who may use Empower: an officer, a member of venue staff, a supervisor or an administrator.
public struct UserAccount: Codable, Sendable, Hashable {
    /// A collar number or SIA licence number.
    public var id: String
    public var role: Role
    /// The venues of venue staff (at least one); empty for every other role.
    public var venueIds: [String]
    public var createdAt: Date

    public init(id: String, role: Role, venueIds: [String] = [], createdAt: Date = Date()) {
        self.id = id
        self.role = role
        self.venueIds = venueIds
        self.createdAt = createdAt
    }

    /// Checks the id and the venue rule: venue staff need venues, others have none.
    public func validate() throws(ValidationError) {
        try Identifiers.validateUser(id)
        if role == .venueStaff {
            guard !venueIds.isEmpty else {
                throw ValidationError(code: "venue-required", message: "Venue staff need a venue (--venue).")
            }
            for venueId in venueIds { try Identifiers.validateVenue(venueId) }
        } else if !venueIds.isEmpty {
            throw ValidationError(code: "venue-unexpected", message: "Only venue staff belong to a venue.")
        }
    }
}

/// A device enrolled for a user; its access ends when it is revoked.
public struct DeviceAccount: Codable, Sendable, Hashable {
    public var id: String
    public var userId: String
    public var enrolledAt: Date
    public var revokedAt: Date?
    /// The remote wipe ordered for the device (lost or stolen), if any.
    public var wipe: DeviceWipe?
    /// Who enrolled it (nil: enrolled before this was kept).
    public var enrolledBy: String?
    /// The approval its enrolment needs (nil: the user's first device, which needs none).
    public var approval: EnrolmentApproval?

    public init(
        id: String,
        userId: String,
        enrolledAt: Date,
        revokedAt: Date? = nil,
        wipe: DeviceWipe? = nil,
        enrolledBy: String? = nil,
        approval: EnrolmentApproval? = nil
    ) {
        self.id = id
        self.userId = userId
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
        self.wipe = wipe
        self.enrolledBy = enrolledBy
        self.approval = approval
    }

    /// Whether its enrolment waits for approval (`EnrolmentApproval`).
    public var isPendingApproval: Bool { approval?.state == .pending }
}

/// The remote wipe of a lost or stolen device: ordered by an administrator, delivered at the device's next
/// contact with the server, confirmed by the device once it has erased its data.
///
/// Its rules are in the server's `DeviceWipe` extension.
public struct DeviceWipe: Codable, Sendable, Hashable {
    /// How far the wipe has gone.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Ordered; the device has not made contact since.
        case ordered
        /// The device was told, with its own token, to erase its data; it has not confirmed (it may have been
        /// cut off, or have erased its data and failed to say so).
        case delivered
        /// The device said it erased its data; its token is retired for good.
        case confirmed
    }

    public var state: State
    public var orderedAt: Date
    /// The administrator who ordered it.
    public var orderedBy: String
    public var deliveredAt: Date?
    public var confirmedAt: Date?

    public init(orderedAt: Date, orderedBy: String, deliveredAt: Date? = nil, confirmedAt: Date? = nil) {
        self.orderedAt = orderedAt
        self.orderedBy = orderedBy
        // A confirmation is a delivery too: the device can only confirm a wipe it was told of.
        self.deliveredAt = deliveredAt ?? confirmedAt
        self.confirmedAt = confirmedAt
        self.state = confirmedAt != nil ? .confirmed : deliveredAt != nil ? .delivered : .ordered
    }
}

/// The separation of duties at enrolment. Administrators manage accounts, not content, so an administrator must
/// not be able to give themselves a user's access: a device enrolled for a user who has had a device before (the
/// first device of a new user is the bootstrap) is created pending approval, and its enrolment token cannot be
/// redeemed until the user approves it from another of their devices, or a supervisor does (a user whose every
/// device is lost). An administrator never approves another user's device. Every enrolment is told to the
/// user's devices at their next sync (`EnrolmentNotice`).
///
/// Its rules are in the server's `EnrolmentApproval` extension.
public struct EnrolmentApproval: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Waiting: the enrolment token cannot be redeemed.
        case pending
        case approved
    }

    public var state: State
    public var approvedAt: Date?
    /// The user who approved it.
    public var approvedBy: String?
    /// The device they approved it from.
    public var approvedByDevice: String?

    public init(approvedAt: Date? = nil, approvedBy: String? = nil, approvedByDevice: String? = nil) {
        self.approvedAt = approvedAt
        self.approvedBy = approvedBy
        self.approvedByDevice = approvedByDevice
        self.state = approvedAt == nil ? .pending : .approved
    }
}
