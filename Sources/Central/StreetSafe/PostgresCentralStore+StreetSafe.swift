import Foundation
import Models
import PostgresNIO

extension PostgresCentralStore {
    public func importStreetSafe(_ reports: [StreetSafeReport], by caller: Caller, now: Date) async throws {
        try Self.checkMayImportStreetSafe(caller)
        let times = reports.map { $0.reportedAt.millisecondsSince1970 }
        let latitudes = reports.map(\.latitude)
        let longitudes = reports.map(\.longitude)
        let reasons = reports.map { Self.storedReasons($0.reasons) }
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO streetsafe_report (reported_at, latitude, longitude, reasons)
                SELECT t, la, lo, r FROM unnest(\(times)::BIGINT[], \(latitudes)::DOUBLE PRECISION[],
                    \(longitudes)::DOUBLE PRECISION[], \(reasons)::TEXT[]) WITH ORDINALITY AS u (t, la, lo, r, n)
                ORDER BY n
                """,
                logger: logger
            )
            try await Self.appendAudit(
                [AuditEntry(at: now, caller: caller, action: .streetSafeImported, count: reports.count)],
                on: connection,
                logger: logger
            )
        }
    }

    public func streetSafeReports() async throws -> [StreetSafeReport] {
        let rows = try await client.query(
            "SELECT reported_at, latitude, longitude, reasons FROM streetsafe_report ORDER BY reported_at, id",
            logger: logger
        )
        var reports: [StreetSafeReport] = []
        for try await (time, latitude, longitude, reasons) in rows.decode((Int64, Double, Double, String).self) {
            reports.append(
                StreetSafeReport(
                    reportedAt: Date(millisecondsSince1970: time),
                    latitude: latitude,
                    longitude: longitude,
                    reasons: Self.reasons(stored: reasons)
                )
            )
        }
        return reports
    }
}
