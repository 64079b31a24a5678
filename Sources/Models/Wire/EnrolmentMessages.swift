import Foundation

/// What exchanging an enrolment token gives a device: its access token (shown this once) and who it is.
public struct Enrolment: Codable, Sendable, Hashable {
    public var token: String
    public var userId: String
    public var deviceId: String
    public var role: Role
    public var venueIds: [String]

    public init(token: String, userId: String, deviceId: String, role: Role, venueIds: [String]) {
        self.token = token
        self.userId = userId
        self.deviceId = deviceId
        self.role = role
        self.venueIds = venueIds
    }

    public init(token: String, caller: Caller) {
        self.token = token
        self.userId = caller.userId
        self.deviceId = caller.deviceId
        self.role = caller.role
        self.venueIds = caller.venueIds.sorted()
    }
}
