import Foundation
import Models

/// The anonymous StreetSafe reports, kept apart from the patrol log: their own table, never linked to a person,
/// a device or a record, coarsened before they are stored (`StreetSafeReport`).
public protocol StreetSafeStore: Sendable {
    /// Stores every report of one import in one transaction with its audit entry (how many), or none of them.
    /// Administrators only: anyone else is refused (`AccountError`, forbidden) and nothing is stored.
    func importStreetSafe(_ reports: [StreetSafeReport], by caller: Caller, now: Date) async throws

    /// Every stored report, oldest first.
    func streetSafeReports() async throws -> [StreetSafeReport]
}

extension StreetSafeStore {
    /// Refuses an import by anyone but an administrator.
    static func checkMayImportStreetSafe(_ caller: Caller) throws {
        guard caller.role == .admin else {
            throw AccountError(
                .forbidden,
                code: "forbidden",
                message: "Only an administrator may import StreetSafe reports."
            )
        }
    }

    /// The reasons as stored: their names separated by `;`.
    static func storedReasons(_ reasons: [StreetSafeReason]) -> String {
        reasons.map(\.rawValue).joined(separator: ";")
    }

    /// The reasons of a stored row (names the list no longer has are passed over).
    static func reasons(stored: String) -> [StreetSafeReason] {
        stored.split(separator: ";").compactMap { StreetSafeReason(rawValue: String($0)) }
    }
}
