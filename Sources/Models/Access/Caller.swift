import Foundation

/// Who makes a request: the user, device and role the server derives from a bearer token, never from
/// what the request says about itself.
public struct Caller: Sendable, Hashable, Codable {
    public var userId: String
    public var deviceId: String
    public var role: Role
    /// The venues of venue staff; empty for every other role.
    public var venueIds: Set<String>

    public init(userId: String, deviceId: String, role: Role, venueIds: Set<String> = []) {
        self.userId = userId
        self.deviceId = deviceId
        self.role = role
        self.venueIds = venueIds
    }

    /// Whether records at this venue are the caller's to see: everything for police roles, their own
    /// venues only for venue staff (a record at no venue is not theirs).
    public func covers(venueId: String?) -> Bool {
        switch role {
        case .officer, .supervisor: true
        case .venueStaff: venueId.map(venueIds.contains) ?? false
        case .admin: false
        }
    }
}
