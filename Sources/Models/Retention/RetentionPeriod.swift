/// How long until a record's next retention review: years, months and days, as "6 years", "18 months",
/// "1 year 6 months" or "90 days".
public struct RetentionPeriod: Sendable, Hashable, Codable, CustomStringConvertible {
    public var years: Int
    public var months: Int
    public var days: Int

    public init(years: Int = 0, months: Int = 0, days: Int = 0) {
        self.years = years
        self.months = months
        self.days = days
    }

    /// Parses "6 years", "1 year 6 months", "90 days"; nil if it is not one, or is not at least a day and at most
    /// 100 years.
    public init?(text: String) {
        let words = text.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty, words.count.isMultiple(of: 2) else { return nil }
        var period = RetentionPeriod()
        var seen = Set<String>()
        for index in stride(from: 0, to: words.count, by: 2) {
            guard let number = Int(words[index]), number >= 0, number <= 36_500 else { return nil }
            let unit = words[index + 1].hasSuffix("s") ? String(words[index + 1].dropLast()) : words[index + 1]
            guard seen.insert(unit).inserted else { return nil }
            switch unit {
            case "year": period.years = number
            case "month": period.months = number
            case "day": period.days = number
            default: return nil
            }
        }
        guard period.approximateDays >= 1, period.approximateDays <= 36_525 else { return nil }
        self = period
    }

    /// The length in days, roughly (a year 365.25 days, a month 30.44): for bounds, never for dates.
    public var approximateDays: Double { Double(years) * 365.25 + Double(months) * 30.44 + Double(days) }

    /// "6 years", "1 year 6 months".
    public var description: String {
        [(years, "year"), (months, "month"), (days, "day")].filter { $0.0 > 0 }
            .map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }.joined(separator: " ")
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let period = RetentionPeriod(text: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Not a period."))
        }
        self = period
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
