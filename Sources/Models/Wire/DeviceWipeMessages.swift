import Foundation

/// The remote wipe of a lost or stolen device, as both sides of the protocol see it.
///
/// An administrator orders the wipe (`admin device revoke --wipe`). The next request the device makes with the
/// access token it held then is refused with 401 and the code `orderedCode`, which no other token can obtain;
/// the device erases its data directory and confirms with `POST /v1/device/wiped` and the same token, after
/// which the token is worth nothing at all.
public enum DeviceWipeProtocol {
    /// The error code of the answer that tells a device to erase its data.
    public static let orderedCode = "device-wipe-ordered"
    /// The path a device confirms its wipe on, with its own access token.
    public static let confirmationPath = "v1/device/wiped"
}

/// The answer to `POST /v1/device/wiped`: the server has recorded the wipe and retired the token.
public struct WipeConfirmation: Codable, Sendable, Hashable {
    public var deviceId: String
    public var confirmedAt: Date

    public init(deviceId: String, confirmedAt: Date) {
        self.deviceId = deviceId
        self.confirmedAt = confirmedAt
    }
}
