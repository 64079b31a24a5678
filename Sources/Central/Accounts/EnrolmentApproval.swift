import Foundation
import Models

/// The enrolment rules, as pure functions on values; the stores read the devices, apply these and persist the
/// result with its audit entry in the same transaction.
extension EnrolmentApproval {
    /// Whether a new device for a user needs approval: it does as soon as the user has had any device, revoked or
    /// not (revoking a user's devices first must not make the next enrolment a bootstrap).
    public static func isNeeded(existingDevicesOfUser: [DeviceAccount]) -> Bool {
        !existingDevicesOfUser.isEmpty
    }

    /// Whether `approver` may approve `device`'s enrolment.
    /// - Parameter approverDevice: the approver's own device as the store has it (nil: unknown).
    /// - Throws: `AccountError`: forbidden for an administrator (of another user's device) or another role, or
    ///   for a device of the user's that is revoked or itself waiting; conflict when there is nothing to approve.
    public static func checkCanApprove(
        _ device: DeviceAccount,
        by approver: Caller,
        approverDevice: DeviceAccount?
    ) throws(AccountError) {
        guard let approval = device.approval else {
            throw AccountError(
                .conflict,
                code: "approval-not-needed",
                message: "Device \(device.id) needs no approval: it was its user's first device."
            )
        }
        guard approval.state == .pending else {
            throw AccountError(
                .conflict,
                code: "approved-already",
                message: "Device \(device.id) was approved already"
                    + (approval.approvedBy.map { " by \($0)" } ?? "") + "."
            )
        }
        guard device.revokedAt == nil else {
            throw AccountError(
                .conflict,
                code: "device-revoked",
                message: "Device \(device.id) is revoked; there is nothing to approve."
            )
        }
        if approver.userId == device.userId {
            // The user, from another of their devices that is in use: the device must be theirs, live and approved.
            guard let approverDevice, approverDevice.userId == approver.userId, approverDevice.id != device.id,
                approverDevice.revokedAt == nil, approverDevice.approval?.state != .pending
            else {
                throw AccountError(
                    .forbidden,
                    code: "approval-forbidden",
                    message: "An enrolment is approved from another device of the user's that is in use."
                )
            }
            return
        }
        guard approver.role == .supervisor else {
            throw AccountError(
                .forbidden,
                code: "approval-forbidden",
                message: approver.role == .admin
                    ? "Administrators manage accounts, not content: a new device is approved by its user, from "
                        + "another of their devices, or by a supervisor."
                    : "Only the device's user, or a supervisor, may approve its enrolment."
            )
        }
    }

    /// The enrolment notices for the caller's device: the user's other devices enrolled at or after it, newest
    /// first, at most `EnrolmentApprovalProtocol.maxNotices`.
    public static func notices(for caller: Caller, devicesOfUser: [DeviceAccount]) -> [EnrolmentNotice] {
        guard let own = devicesOfUser.first(where: { $0.id == caller.deviceId }) else { return [] }
        return
            devicesOfUser
            .filter { $0.id != own.id && $0.userId == caller.userId && $0.enrolledAt >= own.enrolledAt }
            .sorted { ($0.enrolledAt, $0.id) > ($1.enrolledAt, $1.id) }
            .prefix(EnrolmentApprovalProtocol.maxNotices)
            .map { device in
                let status: EnrolmentNotice.Status =
                    device.revokedAt != nil
                    ? .revoked : device.approval?.state == .pending ? .pendingApproval : .enrolled
                return EnrolmentNotice(
                    deviceId: device.id,
                    enrolledAt: device.enrolledAt,
                    enrolledBy: device.enrolledBy,
                    status: status,
                    approvedBy: device.approval?.approvedBy
                )
            }
    }
}

extension AccountError {
    /// The refusal of an access token for a device that waits for approval (a rotation would skip it).
    static func tokenNeedsApproval(_ deviceId: String) -> AccountError {
        AccountError(
            .conflict,
            code: EnrolmentApprovalProtocol.pendingCode,
            message: "Device \(deviceId) waits for approval by its user or a supervisor; no token is issued for it "
                + "until then."
        )
    }

    /// The refusal of an enrolment token whose device waits for approval (the token stays unused).
    static func enrolmentNeedsApproval(_ deviceId: String) -> AccountError {
        AccountError(
            .conflict,
            code: EnrolmentApprovalProtocol.pendingCode,
            message: "This device waits for approval: its user has had a device before, so the user approves it "
                + "from a device of theirs in use ('empower-cli device approve \(deviceId)'), or a supervisor "
                + "does. Then use this enrolment token again (it stays valid until it expires)."
        )
    }
}
