import Foundation

/// Merged records as comma-separated values (RFC 4180), one row per record, times in UTC ISO-8601: the
/// one CSV layout of `empower-cli list --format csv` and the API's export.
///
/// The header marks each column that describes the event with its basis (`FieldClassification`): `fact:` for
/// what was observed, `assessment:` for the recorder's judgement, `account:` for free text in the recorder's
/// words; columns about the record itself (ids, who recorded it and when) are unmarked.
public enum RecordCSV {
    /// The columns, each with the record field whose basis it takes (a note's text is an account like a
    /// sighting's narrative).
    static let columns: [(name: String, field: String)] = [
        ("id", "sighting.id"), ("type", "sighting.id"), ("occurredAt", "sighting.occurredAt"),
        ("recordedAt", "sighting.recordedAt"), ("author", "sighting.reporter"), ("venueId", "sighting.location"),
        ("place", "sighting.location"), ("behaviours", "sighting.behaviours"), ("riskLevel", "sighting.riskLevel"),
        ("actions", "intervention.actions"), ("outcome", "intervention.outcome"), ("text", "sighting.narrative"),
        ("amendments", "sighting.id"), ("redacted", "sighting.id"),
    ]

    public static let header = columns.map { column in
        switch FieldClassification.basis(of: column.field) ?? .recordKeeping {
        case .recordKeeping: column.name
        case let basis: "\(basis.rawValue):\(column.name)"
        }
    }
    .joined(separator: ",")

    public static func make(_ records: [RecordState]) -> String {
        ([header] + records.map(row)).joined(separator: "\r\n") + "\r\n"
    }

    static func row(_ state: RecordState) -> String {
        let record = state.current
        var behaviours = ""
        var risk = ""
        var actions = ""
        var outcome = ""
        var text = ""
        var place = ""
        switch record {
        case .sighting(let sighting):
            behaviours = sighting.behaviours.map(\.rawValue).joined(separator: ";")
            risk = sighting.riskLevel.rawValue
            text = sighting.narrative
        case .intervention(let intervention):
            actions = intervention.actions.map(\.rawValue).joined(separator: ";")
            outcome = intervention.outcome.rawValue
            text = intervention.notes
        case .note(let note):
            text = note.text
        case .authorisation(let authorisation):
            place = authorisation.locality.summary
            text = authorisation.grounds
        case .redacted:
            break
        }
        return [
            state.id.uuidString.lowercased(), state.type.rawValue, WireCoding.formatDate(record.occurredAt),
            WireCoding.formatDate(record.recordedAt), record.author, record.location?.venueId ?? "",
            record.location?.place ?? place, behaviours, risk, actions, outcome, text, String(state.amendments.count),
            state.redaction == nil ? "false" : "true",
        ].map(field).joined(separator: ",")
    }

    /// The first characters a spreadsheet may read as the start of a formula (OWASP's list: =, +, -, @, tab and
    /// carriage return, with the line feed and the full-width =, +, - and @ that some spreadsheets fold to them).
    static let formulaStarts: Set<Unicode.Scalar> = [
        "=", "+", "-", "@", "\t", "\r", "\n", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}",
    ]

    /// A field quoted when it holds a comma, quote or line break; one that starts with a `formulaStarts` character
    /// is prefixed with a quote mark so that spreadsheets do not run it as a formula.
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.unicodeScalars.first, formulaStarts.contains(first) { value = "'" + value }
        guard value.contains(where: { ",\"\n\r".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
