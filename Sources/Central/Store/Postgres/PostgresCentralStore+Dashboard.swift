import Foundation
import Models
import PostgresNIO

extension PostgresCentralStore {
    public func dashboardRows(_ query: DashboardSQL) async throws -> [DashboardRow] {
        let rows = try await client.query(Self.postgresQuery(query), logger: logger).collect()
        return try rows.map(Self.values)
    }

    public func dashboardWrite(_ query: DashboardSQL) async throws -> [DashboardRow] {
        try await transaction { connection in
            try await connection.query(Self.postgresQuery(query), logger: logger).collect().map(Self.values)
        }
    }

    private static func postgresQuery(_ query: DashboardSQL) -> PostgresQuery {
        var bindings = PostgresBindings()
        for argument in query.arguments {
            switch argument {
            case .integer(let integer): bindings.append(integer)
            case .text(let text): bindings.append(text)
            case .null: bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: query.numberedText, binds: bindings)
    }

    private static func values(_ row: PostgresRow) throws -> DashboardRow {
        try row.map { cell in
            guard cell.bytes != nil else { return DashboardValue.null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .numeric: return .integer(Int64(try cell.decode(Double.self)))
            case .float4, .float8: return .integer(Int64(try cell.decode(Double.self)))
            default: return .text(try cell.decode(String.self))
            }
        }
    }

    /// Adds the dashboard's facts of the records stored before its tables existed, once (the migration leaves
    /// `dashboard_backfill` pending; instances that start together take turns under its row lock).
    func backfillDashboardFacts() async throws {
        try await transaction { connection in
            let pending = try await connection.query(
                "SELECT pending FROM dashboard_backfill FOR UPDATE",
                logger: logger
            ).collect()
            guard try pending.first?.decode(Bool.self) == true else { return }
            let ids = try await connection.query(
                "SELECT id FROM record WHERE type <> 'note' AND NOT redacted",
                logger: logger
            ).collect().map { try $0.decode(String.self) }
            let decoder = WireCoding.makeDecoder()
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let rows = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "\(Self.selectStates) WHERE id = ANY($1)",
                        binds: { var b = PostgresBindings(); b.append(chunk); return b }()
                    ),
                    logger: logger
                ).collect()
                let states = try rows.map { row in
                    let (state, create) = try row.decode((String?, String?).self)
                    return try RecordState.fromStorage(state: state, createOperation: create, decoder: decoder)
                }
                try await DashboardFactRows.write(states, on: connection, logger: logger)
            }
            try await connection.query("UPDATE dashboard_backfill SET pending = FALSE", logger: logger)
        }
    }
}
