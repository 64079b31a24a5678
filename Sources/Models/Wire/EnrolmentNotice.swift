import Foundation

/// A device enrolled for the caller's own user after the caller's device was, as a pull page tells it: so that a
/// user learns of every device an administrator enrolled in their name, including one that has since been revoked.
public struct EnrolmentNotice: Codable, Sendable, Hashable {
    /// Where the enrolment stands.
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Enrolled while the user had another device: it cannot be used until the user (or a supervisor) approves.
        case pendingApproval = "pending-approval"
        /// Enrolled, and usable (the user's first device, or approved).
        case enrolled
        /// Revoked since.
        case revoked
    }

    public var deviceId: String
    public var enrolledAt: Date
    /// The administrator who enrolled it (nil: not known, enrolled before this was kept).
    public var enrolledBy: String?
    public var status: Status
    /// Who approved it, when it needed approval and has it.
    public var approvedBy: String?

    public init(deviceId: String, enrolledAt: Date, enrolledBy: String?, status: Status, approvedBy: String? = nil) {
        self.deviceId = deviceId
        self.enrolledAt = enrolledAt
        self.enrolledBy = enrolledBy
        self.status = status
        self.approvedBy = approvedBy
    }
}

/// The separation of duties at enrolment: a device enrolled for a user who has another device already cannot be
/// redeemed until the user approves it from that device, or a supervisor does.
public enum EnrolmentApprovalProtocol {
    /// The code of the answer to an enrolment token whose device waits for approval (409).
    public static let pendingCode = "enrolment-needs-approval"
    /// The most notices a pull page carries (the newest).
    public static let maxNotices = 20
}
