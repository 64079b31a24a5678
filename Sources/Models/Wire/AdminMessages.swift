import Foundation

/// `POST /v1/admin/users`.
public struct NewUser: Codable, Sendable, Hashable {
    public var id: String
    public var role: Role
    public var venueIds: [String]?

    public init(id: String, role: Role, venueIds: [String]? = nil) {
        self.id = id
        self.role = role
        self.venueIds = venueIds
    }
}

/// `POST /v1/admin/devices`.
public struct NewDevice: Codable, Sendable, Hashable {
    public var deviceId: String
    public var userId: String

    public init(deviceId: String, userId: String) {
        self.deviceId = deviceId
        self.userId = userId
    }
}

/// A token issued to a device (an enrolment token, or a rotated access token): shown this once.
public struct IssuedToken: Codable, Sendable, Hashable {
    public var deviceId: String
    public var token: String
    /// For an enrolment token: true when the device waits for approval before the token can be used
    /// (`EnrolmentApproval`); absent otherwise.
    public var waitsForApproval: Bool?

    public init(deviceId: String, token: String, waitsForApproval: Bool? = nil) {
        self.deviceId = deviceId
        self.token = token
        self.waitsForApproval = waitsForApproval
    }
}

public struct RevokedDevice: Codable, Sendable, Hashable {
    public var deviceId: String
    public var revoked: Bool

    public init(deviceId: String, revoked: Bool) {
        self.deviceId = deviceId
        self.revoked = revoked
    }
}

/// The answer to `POST /v1/admin/devices/{id}/wipe`.
public struct OrderedWipe: Codable, Sendable, Hashable {
    public var deviceId: String
    public var revoked: Bool
    public var wipe: DeviceWipe

    public init(deviceId: String, revoked: Bool, wipe: DeviceWipe) {
        self.deviceId = deviceId
        self.revoked = revoked
        self.wipe = wipe
    }
}

public struct UserList: Codable, Sendable, Hashable {
    public var users: [UserAccount]

    public init(users: [UserAccount]) {
        self.users = users
    }
}

public struct DeviceList: Codable, Sendable, Hashable {
    public var devices: [DeviceAccount]

    public init(devices: [DeviceAccount]) {
        self.devices = devices
    }
}
