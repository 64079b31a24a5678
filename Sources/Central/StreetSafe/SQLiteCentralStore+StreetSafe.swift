import Foundation
import GRDB
import Models

extension SQLiteCentralStore {
    public func importStreetSafe(_ reports: [StreetSafeReport], by caller: Caller, now: Date) async throws {
        try Self.checkMayImportStreetSafe(caller)
        try await write { db in
            let statement = try db.makeStatement(
                sql: "INSERT INTO streetSafeReport (reportedAt, latitude, longitude, reasons) VALUES (?, ?, ?, ?)"
            )
            for report in reports {
                try statement.execute(arguments: [
                    report.reportedAt.millisecondsSince1970, report.latitude, report.longitude,
                    Self.storedReasons(report.reasons),
                ])
            }
            try Self.appendAudit(
                AuditEntry(at: now, caller: caller, action: .streetSafeImported, count: reports.count),
                db: db
            )
        }
    }

    public func streetSafeReports() async throws -> [StreetSafeReport] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT reportedAt, latitude, longitude, reasons FROM streetSafeReport ORDER BY reportedAt, id"
            )
            .map { row in
                StreetSafeReport(
                    reportedAt: Date(millisecondsSince1970: row["reportedAt"]),
                    latitude: row["latitude"],
                    longitude: row["longitude"],
                    reasons: Self.reasons(stored: row["reasons"])
                )
            }
        }
    }
}
