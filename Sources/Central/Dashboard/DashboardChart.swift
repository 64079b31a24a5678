import Foundation

/// The dashboard's charts (bars, columns, a map), drawn on the server as SVG: every text escaped (`SVGChart.escape`), nothing fetched, no script.
/// Each chart goes with a table of the same numbers on its page.
enum DashboardChart {
    /// One bar or column: a label and its value.
    struct Bar: Sendable, Hashable {
        var label: String
        var value: Int
    }

    /// Horizontal bars, one line each, longest value widest.
    static func bars(_ bars: [Bar], title: String, width: Int = 640) -> String {
        let lineHeight = 22
        let labelWidth = 260
        let height = max(bars.count, 1) * lineHeight + 10
        let maximum = max(bars.map(\.value).max() ?? 0, 1)
        var svg = open(width: width, height: height, title: title)
        for (index, bar) in bars.enumerated() {
            let y = 5 + index * lineHeight
            let length = Double(width - labelWidth - 60) * Double(bar.value) / Double(maximum)
            svg += """
                <text x="\(labelWidth - 6)" y="\(y + 15)" text-anchor="end" class="label">\(escape(bar.label))</text>\
                <rect x="\(labelWidth)" y="\(y + 3)" width="\(format(length))" height="\(lineHeight - 6)" class="bar"/>\
                <text x="\(labelWidth + Int(length) + 6)" y="\(y + 15)" class="value">\(bar.value)</text>
                """
        }
        return svg + "</svg>"
    }

    /// Vertical columns in order (nights, hours, weeks), labelled every `labelEvery` columns.
    static func columns(_ columns: [Bar], title: String, labelEvery: Int = 1, width: Int = 760) -> String {
        let height = 220
        let plotTop = 20
        let plotBottom = height - 40
        let count = max(columns.count, 1)
        let step = Double(width - 50) / Double(count)
        let maximum = max(columns.map(\.value).max() ?? 0, 1)
        var svg = open(width: width, height: height, title: title)
        svg += """
            <line x1="40" y1="\(plotBottom)" x2="\(width - 5)" y2="\(plotBottom)" class="axis"/>\
            <text x="36" y="\(plotTop + 4)" text-anchor="end" class="value">\(maximum)</text>\
            <text x="36" y="\(plotBottom)" text-anchor="end" class="value">0</text>
            """
        for (index, column) in columns.enumerated() {
            let x = 45 + Double(index) * step
            let barHeight = Double(plotBottom - plotTop) * Double(column.value) / Double(maximum)
            svg += """
                <rect x="\(format(x))" y="\(format(Double(plotBottom) - barHeight))" \
                width="\(format(max(step - 2, 1)))" height="\(format(barHeight))" class="bar">\
                <title>\(escape(column.label)): \(column.value)</title></rect>
                """
            if index % max(labelEvery, 1) == 0 {
                svg += """
                    <text x="\(format(x + step / 2))" y="\(plotBottom + 14)" text-anchor="middle" \
                    class="tick">\(escape(column.label))</text>
                    """
            }
        }
        return svg + "</svg>"
    }

    /// A point on the map: where, how many, and its label.
    struct Point: Sendable, Hashable {
        var latitude: Double
        var longitude: Double
        var count: Int
        var label: String
        /// The CSS class that colours it.
        var kind: String
    }

    /// Points on a plain map of their area (no tiles: the frame is the points' own extent), each a circle whose
    /// area grows with its count; the largest are labelled.
    static func map(_ points: [Point], title: String, labelled: Int = 8, width: Int = 760, height: Int = 520) -> String {
        var svg = open(width: width, height: height, title: title)
        svg += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" class=\"map\"/>"
        guard !points.isEmpty else {
            return svg + "<text x=\"20\" y=\"30\" class=\"label\">Nothing recorded with a place.</text></svg>"
        }
        let latitudes = points.map(\.latitude)
        let longitudes = points.map(\.longitude)
        // Degrees of longitude are shorter than degrees of latitude by cos(latitude).
        let scaleX = cos((latitudes.min()! + latitudes.max()!) / 2 * .pi / 180)
        let spanX = max((longitudes.max()! - longitudes.min()!) * scaleX, 0.004)
        let spanY = max(latitudes.max()! - latitudes.min()!, 0.004)
        let margin = 40.0
        let scale = min((Double(width) - 2 * margin) / spanX, (Double(height) - 2 * margin) / spanY)
        let centreX = (longitudes.min()! + longitudes.max()!) / 2 * scaleX
        let centreY = (latitudes.min()! + latitudes.max()!) / 2
        func position(_ point: Point) -> (Double, Double) {
            (
                Double(width) / 2 + (point.longitude * scaleX - centreX) * scale,
                Double(height) / 2 - (point.latitude - centreY) * scale
            )
        }
        let maximum = Double(max(points.map(\.count).max() ?? 1, 1))
        let ordered = points.sorted { ($0.count, $1.label) > ($1.count, $0.label) }
        for point in ordered.reversed() {
            let (x, y) = position(point)
            let radius = 4 + 18 * (Double(point.count) / maximum).squareRoot()
            svg += """
                <circle cx="\(format(x))" cy="\(format(y))" r="\(format(radius))" class="\(escape(point.kind))">\
                <title>\(escape(point.label)): \(point.count)</title></circle>
                """
        }
        // Labels of the largest points, each only where it overlaps no label placed before it.
        var placed: [(x: Double, y: Double, width: Double)] = []
        for point in ordered.prefix(labelled) {
            let (x, y) = position(point)
            let width = Double(point.label.count + 5) * 6.2
            guard !placed.contains(where: { abs($0.y - y) < 14 && x < $0.x + $0.width && $0.x < x + width }) else {
                continue
            }
            placed.append((x, y, width))
            svg += """
                <text x="\(format(x + 8))" y="\(format(y - 8))" class="maplabel">\(escape(point.label)) \
                (\(point.count))</text>
                """
        }
        return svg + "</svg>"
    }

    private static func open(width: Int, height: Int, title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="\(width)" \
        height="\(height)" role="img" aria-label="\(escape(title))"><title>\(escape(title))</title>
        """
    }

    private static func escape(_ text: String) -> String { SVGChart.escape(text) }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
