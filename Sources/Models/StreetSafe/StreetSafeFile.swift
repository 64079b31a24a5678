import Foundation

/// Reads a file of StreetSafe reports (CSV or JSON) into coarsened reports, or says which lines are wrong.
///
/// **CSV**: a header row naming at least the columns `time`, `latitude`, `longitude` and `reasons` (any order,
/// any case); `time` is ISO-8601 with a zone (`2026-11-21T23:40:00Z`), `reasons` one or more of the reasons'
/// names separated by `;` (`being-followed;poor-lighting`). Fields may be quoted ("…", `""` for a quote).
/// **JSON**: `{"reports": [{"time", "latitude", "longitude", "reasons": [...]}, ...]}` or the bare array.
/// Any other column or key (a description, a reporter's note) is dropped unread: no free text is kept.
public enum StreetSafeFile {
    public enum Format: String, Sendable, CaseIterable {
        case csv
        case json
    }

    /// The most problems listed before the rest are counted only.
    public static let problemsListed = 20

    /// The reports of a file, coarsened (`StreetSafeReport(coarsening:…)`); every problem found, by line.
    public static func parse(_ data: Data, format: Format) -> Result<[StreetSafeReport], StreetSafeFileError> {
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(StreetSafeFileError(problems: [.init(line: 1, message: "The file is not UTF-8 text.")]))
        }
        switch format {
        case .csv: return parseCSV(text)
        case .json: return parseJSON(text, data: data)
        }
    }

    /// The format a file name's extension says, if it says one.
    public static func format(ofPath path: String) -> Format? {
        Format(rawValue: (path as NSString).pathExtension.lowercased())
    }

    // MARK: CSV

    private static func parseCSV(_ text: String) -> Result<[StreetSafeReport], StreetSafeFileError> {
        var problems: [StreetSafeFileError.Problem] = []
        let rows: [CSVRow]
        do { rows = try CSVRow.split(text) } catch let problem as StreetSafeFileError.Problem {
            return .failure(StreetSafeFileError(problems: [problem]))
        } catch {
            return .failure(StreetSafeFileError(problems: [.init(line: 1, message: "The CSV cannot be read.")]))
        }
        guard let header = rows.first else {
            return .failure(StreetSafeFileError(problems: [.init(line: 1, message: "The file is empty.")]))
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var columns: [String: Int] = [:]
        for required in ["time", "latitude", "longitude", "reasons"] {
            guard let index = names.firstIndex(of: required) else {
                problems.append(
                    .init(
                        line: header.line,
                        message: "The header has no '\(required)' column (needed: time, latitude, longitude, reasons)."
                    )
                )
                continue
            }
            columns[required] = index
        }
        guard problems.isEmpty else { return .failure(StreetSafeFileError(problems: problems)) }
        var reports: [StreetSafeReport] = []
        for row in rows.dropFirst() where !(row.fields.count == 1 && row.fields[0].isEmpty) {
            func field(_ name: String) -> String? {
                let index = columns[name]!
                return index < row.fields.count ? row.fields[index].trimmingCharacters(in: .whitespaces) : nil
            }
            let reasons = field("reasons").map { $0.split(separator: ";").map(String.init) } ?? []
            switch report(
                time: field("time"),
                latitude: field("latitude").flatMap(Double.init),
                latitudeText: field("latitude"),
                longitude: field("longitude").flatMap(Double.init),
                longitudeText: field("longitude"),
                reasons: reasons
            )
            {
            case .success(let report): reports.append(report)
            case .failure(let message): problems.append(.init(line: row.line, message: message.text))
            }
        }
        return problems.isEmpty ? .success(reports) : .failure(StreetSafeFileError(problems: problems))
    }

    // MARK: JSON

    private struct JSONReport: Decodable {
        var time: String?
        var latitude: Double?
        var longitude: Double?
        var reasons: [String]?
    }

    private struct JSONReports: Decodable {
        var reports: [JSONReport]
    }

    private static func parseJSON(_ text: String, data: Data) -> Result<[StreetSafeReport], StreetSafeFileError> {
        let decoded: [JSONReport]
        if let list = try? JSONDecoder().decode(JSONReports.self, from: data) {
            decoded = list.reports
        } else if let list = try? JSONDecoder().decode([JSONReport].self, from: data) {
            decoded = list
        } else {
            let message =
                (try? JSONSerialization.jsonObject(with: data)) == nil
                ? "The file is not valid JSON."
                : "The JSON is not {\"reports\": [...]} of objects with time, latitude, longitude and reasons (numbers for the coordinates, a list of names for the reasons)."
            return .failure(StreetSafeFileError(problems: [.init(line: 1, message: message)]))
        }
        let lines = objectLines(text)
        var problems: [StreetSafeFileError.Problem] = []
        var reports: [StreetSafeReport] = []
        for (index, item) in decoded.enumerated() {
            switch report(
                time: item.time,
                latitude: item.latitude,
                latitudeText: item.latitude.map { "\($0)" },
                longitude: item.longitude,
                longitudeText: item.longitude.map { "\($0)" },
                reasons: item.reasons ?? []
            )
            {
            case .success(let report): reports.append(report)
            case .failure(let message):
                let line = lines.count == decoded.count ? lines[index] : 1
                problems.append(.init(line: line, message: "Report \(index + 1): \(message.text)"))
            }
        }
        return problems.isEmpty ? .success(reports) : .failure(StreetSafeFileError(problems: problems))
    }

    /// The line of every `{` that opens an object directly inside an array: the reports, in order.
    private static func objectLines(_ text: String) -> [Int] {
        var lines: [Int] = []
        var stack: [UInt8] = []
        var line = 1
        var inString = false
        var escaped = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte
                    == UInt8(ascii: "\"")
                {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"):
                if stack.last == UInt8(ascii: "[") { lines.append(line) }
                stack.append(byte)
            case UInt8(ascii: "["): stack.append(byte)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            default: break
            }
        }
        return lines
    }

    // MARK: One report

    private struct Message: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    private static func report(
        time: String?,
        latitude: Double?,
        latitudeText: String?,
        longitude: Double?,
        longitudeText: String?,
        reasons: [String]
    ) -> Result<StreetSafeReport, Message> {
        guard let time, !time.isEmpty else { return .failure(Message("the time is missing.")) }
        guard let date = WireCoding.parseDate(time) else {
            return .failure(Message("the time is not an ISO-8601 time with a zone, such as 2026-11-21T23:40:00Z."))
        }
        guard let latitude, latitude.isFinite, (-90...90).contains(latitude) else {
            return .failure(
                Message(
                    latitudeText?.isEmpty == false
                        ? "the latitude is not a number from -90 to 90." : "the latitude is missing."
                )
            )
        }
        guard let longitude, longitude.isFinite, (-180...180).contains(longitude) else {
            return .failure(
                Message(
                    longitudeText?.isEmpty == false
                        ? "the longitude is not a number from -180 to 180." : "the longitude is missing."
                )
            )
        }
        let names = reasons.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard !names.isEmpty else { return .failure(Message("at least one reason is needed (\(Self.reasonList)).")) }
        var parsed: [StreetSafeReason] = []
        for name in names {
            guard let reason = StreetSafeReason(rawValue: name) else {
                return .failure(Message("a reason is not one of \(Self.reasonList)."))
            }
            parsed.append(reason)
        }
        return .success(StreetSafeReport(coarsening: date, latitude: latitude, longitude: longitude, reasons: parsed))
    }

    static let reasonList = StreetSafeReason.allCases.map(\.rawValue).joined(separator: ", ")
}

/// What is wrong with a StreetSafe file, line by line. Messages never repeat the file's content.
public struct StreetSafeFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Problem: Error, Sendable, Hashable {
        public var line: Int
        public var message: String

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    public var problems: [Problem]

    public init(problems: [Problem]) { self.problems = problems }

    public var description: String {
        var lines = problems.prefix(StreetSafeFile.problemsListed).map { "line \($0.line): \($0.message)" }
        if problems.count > StreetSafeFile.problemsListed {
            lines.append("… and \(problems.count - StreetSafeFile.problemsListed) more problems.")
        }
        return lines.joined(separator: "\n")
    }
}

/// One row of a CSV file, with the line it starts on.
struct CSVRow {
    var line: Int
    var fields: [String]

    /// Splits RFC 4180 CSV: commas, quoted fields with `""` for a quote and line breaks inside quotes.
    static func split(_ text: String) throws -> [CSVRow] {
        var rows: [CSVRow] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var rowLine = 1
        var quoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let character = pending {
                pending = nil
                return character
            }
            return characters.next()
        }
        while let character = next() {
            if quoted {
                if character == "\"" {
                    let following = next()
                    if following == "\"" {
                        field.append("\"")
                    } else {
                        quoted = false
                        pending = following
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                fields.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                fields.append(field)
                rows.append(CSVRow(line: rowLine, fields: fields))
                fields = []
                field = ""
                line += 1
                rowLine = line
            default: field.append(character)
            }
        }
        if quoted { throw StreetSafeFileError.Problem(line: rowLine, message: "A quoted field is never closed.") }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            rows.append(CSVRow(line: rowLine, fields: fields))
        }
        return rows
    }
}
