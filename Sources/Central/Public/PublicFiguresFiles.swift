import Foundation
import Models

/// The public figures as open data, one row per count, exactly as the page shows them.
///
/// CSV: `month,measure,category,count`, with `count` a number or the hidden text ("fewer than 5").
/// JSON: `{"threshold", "timeZone", "hiddenText", "months", "figures": [{"month", "measure", "category",
/// "count"}]}`, with `count` a number, or null with `"hidden": true`.
enum PublicFiguresFiles {
    static func csv(_ figures: PublicFigures) -> Data {
        var text = "month,measure,category,count\r\n"
        for row in figures.rows {
            text += [row.month, row.measure.rawValue, row.category, figures.text(row)].map(field).joined(separator: ",")
            text += "\r\n"
        }
        return Data(text.utf8)
    }

    private static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    struct Document: Encodable {
        var threshold: Int
        var timeZone: String
        var hiddenText: String
        var months: [String]
        var figures: [Figure]
    }

    struct Figure: Encodable {
        var month: String
        var measure: String
        var category: String
        var count: Int?
        var hidden: Bool?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(month, forKey: .month)
            try container.encode(measure, forKey: .measure)
            try container.encode(category, forKey: .category)
            try container.encode(count, forKey: .count)
            try container.encodeIfPresent(hidden, forKey: .hidden)
        }

        enum CodingKeys: String, CodingKey { case month, measure, category, count, hidden }
    }

    static func json(_ figures: PublicFigures) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(
            Document(
                threshold: figures.threshold,
                timeZone: PublicMonths.timeZone.identifier,
                hiddenText: figures.hiddenText,
                months: figures.months,
                figures: figures.rows.map {
                    Figure(
                        month: $0.month,
                        measure: $0.measure.rawValue,
                        category: $0.category,
                        count: $0.count,
                        hidden: $0.count == nil ? true : nil
                    )
                }
            )
        )
    }
}
