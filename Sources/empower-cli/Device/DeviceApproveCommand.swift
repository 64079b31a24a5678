import ArgumentParser
import Foundation
import Models
import Sync

/// `empower-cli device approve DEVICE`: approves a new device's enrolment, from a device of the same user (or a
/// supervisor's, for another user), so that its enrolment token can be used.
struct DeviceApproveCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a new device enrolled for you (or, as a supervisor, for another user).",
        discussion: """
            A device enrolled for a user who has had a device before cannot be set up until that user approves it \
            from a device of theirs, or a supervisor does (for a user whose devices are all lost). Administrators \
            cannot approve. 'sync' says when a device waits for your approval; 'device enrolments' lists them. \
            Approve only a device you asked for: approving gives it everything your account can read.

            Example: empower-cli device approve dev-pc4127-tablet
            """
    )

    @Argument(help: ArgumentHelp("The new device's id.", valueName: "device")) var device: String
    @OptionGroup var storage: DeviceDataOptions

    func validate() throws {
        do throws(Models.ValidationError) { try Identifiers.validateDevice(device) } catch {
            throw ArgumentParser.ValidationError(error.message)
        }
    }

    func run() async throws {
        let approved: DeviceAccount = try await storage.withClient {
            try await $0.send("POST", "v1/device/enrolments/\(device)/approve")
        }
        print(
            "Device \(approved.id) of \(approved.userId) is approved: its enrolment token can now be used "
                + "('empower-cli device init')."
        )
    }
}

/// `empower-cli device enrolments`: the new devices waiting for this user's (or, for a supervisor, anyone's)
/// approval.
struct DeviceEnrolmentsCommand: AsyncParsableCommand, DeviceDataCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrolments",
        abstract: "List the new devices waiting for your approval (supervisors: every user's)."
    )

    @OptionGroup var storage: DeviceDataOptions

    func run() async throws {
        let list: DeviceList = try await storage.withClient { try await $0.send("GET", "v1/device/enrolments") }
        guard !list.devices.isEmpty else {
            print("No device waits for approval.")
            return
        }
        for device in list.devices {
            print(
                "\(device.id)  \(device.userId)  enrolled \(RecordText.localTime(device.enrolledAt))"
                    + (device.enrolledBy.map { " by \($0)" } ?? "") + "  waiting for approval"
            )
        }
    }
}

/// How `sync` tells the user of the devices enrolled in their name.
enum EnrolmentNoticeText {
    /// One line (or two) for a notice; `approveCommand` is how to approve a waiting device from here.
    static func line(_ notice: EnrolmentNotice, approveCommand: String) -> String {
        let when = RecordText.localTime(notice.enrolledAt)
        let by = notice.enrolledBy.map { " by \($0)" } ?? ""
        switch notice.status {
        case .pendingApproval:
            return "A new device, \(notice.deviceId), was enrolled for you on \(when)\(by) and waits for your "
                + "approval. If it is yours, approve it: \(approveCommand). If it is not, do not approve it, and "
                + "tell your supervisor."
        case .enrolled:
            return "A new device, \(notice.deviceId), was enrolled for you on \(when)\(by)"
                + (notice.approvedBy.map { " (approved by \($0))" } ?? "")
                + "; if this was not you, tell your supervisor."
        case .revoked:
            return "A device enrolled for you on \(when)\(by), \(notice.deviceId), is now revoked; if you did not "
                + "know of it, tell your supervisor."
        }
    }
}
