import Foundation
import GRDB

extension SQLiteCentralStore {
    public func dashboardRows(_ query: DashboardSQL) async throws -> [DashboardRow] {
        try await database.read { db in try Self.run(query, db: db) }
    }

    public func dashboardWrite(_ query: DashboardSQL) async throws -> [DashboardRow] {
        try await write { db in try Self.run(query, db: db) }
    }

    private static func run(_ query: DashboardSQL, db: Database) throws -> [DashboardRow] {
        let arguments = StatementArguments(
            query.arguments.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .integer(let integer): integer
                case .text(let text): text
                case .null: nil
                }
            }
        )
        return try Row.fetchAll(db.cachedStatement(sql: query.text), arguments: arguments).map { row in
            row.databaseValues.map { value in
                switch value.storage {
                case .int64(let integer): .integer(integer)
                case .double(let double): .integer(Int64(double))
                case .string(let text): .text(text)
                case .blob, .null: .null
                }
            }
        }
    }
}
