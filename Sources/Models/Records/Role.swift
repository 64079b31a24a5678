import Foundation

/// What a user may do. Venue staff work for one venue and see only its records.
public enum Role: String, Codable, Sendable, CaseIterable, Hashable {
    case officer = "officer"
    case venueStaff = "venue-staff"
    case supervisor = "supervisor"
    case admin = "admin"
}
