/// What a dashboard page shows, as the templates (`DashboardTemplates`) render it: sections, each a chart and a
/// table of the same numbers.
struct DashboardView: Sendable {
    var title: String
    var path: String
    var nav: [Link]
    var filter: FilterForm
    var sections: [Section]
    var signedInAs: String
    var reason: String
    var period: String

    struct Link: Sendable {
        var label: String
        var href: String
        var current: Bool
    }

    struct FilterForm: Sendable {
        var action: String
        var from: String
        var to: String
        var areas: [Option]
        var venues: [Option]
    }

    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Section: Sendable {
        var id: String
        var heading: String
        /// None or one note (an optional the templates can test).
        var note: [String]
        /// None or one chart: SVG made by `DashboardChart` (its text escaped there).
        var chart: [String]
        var table: Table

        init(id: String, heading: String, note: String? = nil, chart: String? = nil, table: Table) {
            self.id = id
            self.heading = heading
            self.note = note.map { [$0] } ?? []
            self.chart = chart.map { [$0] } ?? []
            self.table = table
        }
    }

    struct Table: Sendable {
        var caption: String
        var headers: [String]
        var rows: [[Cell]]
        /// Stored, for the templates (which see stored properties only).
        var empty: Bool
        var columnCount: Int

        init(caption: String, headers: [String], rows: [[Cell]]) {
            self.caption = caption
            self.headers = headers
            self.rows = rows
            self.empty = rows.isEmpty
            self.columnCount = headers.count
        }
    }

    struct Cell: Sendable {
        var text: String
        var numeric: Bool

        static func text(_ text: String) -> Cell { Cell(text: text, numeric: false) }
        static func number(_ value: Int) -> Cell { Cell(text: "\(value)", numeric: true) }
    }
}
