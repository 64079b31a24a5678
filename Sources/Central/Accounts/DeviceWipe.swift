import Foundation
import Models

/// The wipe's rules, as pure functions on values; the stores only read a device's wipe, apply one of these and
/// persist the result with its audit entry in the same transaction.
extension DeviceWipe {
    /// Whether a wipe may be ordered for `deviceId`, given the wipe it has already and whether it ever held an
    /// access token (the only thing a wipe can be delivered to).
    /// - Throws: `AccountError` (conflict) naming what is in the way.
    public static func checkCanOrder(
        deviceId: String,
        existing: DeviceWipe?,
        hasAccessToken: Bool
    ) throws(AccountError) {
        if let existing {
            switch existing.state {
            case .confirmed:
                throw AccountError(
                    .conflict,
                    code: "device-wiped",
                    message: "Device \(deviceId) was wiped already (it confirmed at "
                        + "\(WireCoding.formatDate(existing.confirmedAt ?? existing.orderedAt))); there is nothing left to wipe."
                )
            case .ordered, .delivered:
                throw AccountError(
                    .conflict,
                    code: "wipe-ordered-already",
                    message: "A wipe of device \(deviceId) was ordered already (at "
                        + "\(WireCoding.formatDate(existing.orderedAt))); it is \(existing.state.rawValue). "
                        + "'admin device list' shows when the device confirms it."
                )
            }
        }
        guard hasAccessToken else {
            throw AccountError(
                .conflict,
                code: "wipe-undeliverable",
                message: "Device \(deviceId) never completed its enrolment, so it holds no data and no token a wipe "
                    + "could reach; use 'admin device revoke' without --wipe."
            )
        }
    }

    /// The wipe once the device has made contact with its token: delivered from the first contact on.
    /// - Returns: nil when the wipe is confirmed (the token is retired and obtains nothing); `changed` says
    ///   whether this contact is the first delivery, to be stored and audited.
    public func delivered(at now: Date) -> (wipe: DeviceWipe, changed: Bool)? {
        switch state {
        case .confirmed: nil
        case .delivered: (self, false)
        case .ordered: (DeviceWipe(orderedAt: orderedAt, orderedBy: orderedBy, deliveredAt: now), true)
        }
    }

    /// The wipe once the device has confirmed it erased its data.
    /// - Returns: nil when it was confirmed already (the token is retired: a second confirmation is refused).
    public func confirmed(at now: Date) -> DeviceWipe? {
        guard state != .confirmed else { return nil }
        return DeviceWipe(orderedAt: orderedAt, orderedBy: orderedBy, deliveredAt: deliveredAt, confirmedAt: now)
    }
}

/// A wipe found by its token, with the device's identity (who is audited as confirming it).
struct PendingWipe: Sendable {
    var caller: Caller
    var wipe: DeviceWipe
}
