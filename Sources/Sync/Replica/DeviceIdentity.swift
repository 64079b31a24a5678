import Foundation
import Models

/// Who a device belongs to and where it syncs: set once by `device init`.
public struct DeviceIdentity: Codable, Sendable, Hashable {
    public var deviceId: String
    public var userId: String
    public var role: Role
    /// The venue of a member of venue staff; nil for other roles.
    public var venueId: String?
    /// The central server's base URL, such as `http://127.0.0.1:8080`.
    public var serverURL: URL

    public init(deviceId: String, userId: String, role: Role, venueId: String?, serverURL: URL) {
        self.deviceId = deviceId
        self.userId = userId
        self.role = role
        self.venueId = venueId
        self.serverURL = serverURL
    }

    /// Checks ids, the role and the venue rule: venue staff need a venue, others have none.
    public func validate() throws(ValidationError) {
        try Identifiers.validateDevice(deviceId)
        try Identifiers.validateUser(userId)
        switch role {
        case .venueStaff:
            guard let venueId else {
                throw ValidationError(code: "venue-required", message: "Venue staff need a venue (--venue).")
            }
            try Identifiers.validateVenue(venueId)
        case .officer, .supervisor:
            guard venueId == nil else {
                throw ValidationError(code: "venue-unexpected", message: "Only venue staff belong to a venue.")
            }
        case .admin:
            throw ValidationError(
                code: "role-not-for-devices",
                message: "Administrators work against the central server, not from a patrol device."
            )
        }
        guard let scheme = serverURL.scheme, ["http", "https"].contains(scheme), serverURL.host != nil else {
            throw ValidationError(
                code: "bad-server-url",
                message: "The server URL must be an http or https URL such as http://127.0.0.1:8080."
            )
        }
    }

    /// The caller this device speaks as, for the permission rules it shares with the server.
    public var caller: Caller {
        Caller(userId: userId, deviceId: deviceId, role: role, venueIds: Set(venueId.map { [$0] } ?? []))
    }
}
