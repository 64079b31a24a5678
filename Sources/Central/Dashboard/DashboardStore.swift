import Foundation

/// What the dashboard needs of a central store: its queries run as they are written (`DashboardQueries`,
/// `DashboardSessions`), the same SQL on both stores over the same tables (`DashboardSchema`).
public protocol DashboardStore: Sendable {
    /// Runs a read-only query and returns its rows.
    func dashboardRows(_ query: DashboardSQL) async throws -> [DashboardRow]
    /// Runs a statement that changes the dashboard's tables, on its own in one transaction, and returns the
    /// rows it returns (`RETURNING …`).
    func dashboardWrite(_ query: DashboardSQL) async throws -> [DashboardRow]
}

/// A statement of the dashboard: SQL that both stores understand, with `?` for each argument in order.
public struct DashboardSQL: Sendable, Hashable {
    public var text: String
    public var arguments: [DashboardValue]

    public init(_ text: String, _ arguments: [DashboardValue] = []) {
        self.text = text
        self.arguments = arguments
    }

    /// The text with PostgreSQL's numbered parameters (`$1`, `$2`…) for `?` (which the dashboard's SQL uses
    /// only as parameters).
    var numberedText: String {
        var number = 0
        var result = ""
        for character in text {
            if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A value passed to or read from a dashboard statement.
public enum DashboardValue: Sendable, Hashable {
    case integer(Int64)
    case text(String)
    case null

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}

/// One row of a dashboard query's result, its columns in the order selected.
public typealias DashboardRow = [DashboardValue]
