import Foundation

/// Small SVG charts drawn on the server, inline in the page (no script, no style attribute, so the strict
/// Content-Security-Policy allows them). Put the result in a template with `{{{ }}}`: every text in it is
/// escaped here.
public enum SVGChart {
    /// One bar: its label, and its value (nil: hidden, drawn as no bar with `hiddenText`).
    public struct Bar: Sendable, Hashable {
        public var label: String
        public var value: Int?

        public init(label: String, value: Int?) {
            self.label = label
            self.value = value
        }
    }

    /// A series of bars in one colour.
    public struct Series: Sendable, Hashable {
        public var name: String
        public var colour: String
        public var bars: [Bar]

        public init(name: String, colour: String, bars: [Bar]) {
            self.name = name
            self.colour = colour
            self.bars = bars
        }
    }

    /// Grouped vertical bars: one group per label, one bar per series, with a legend; `title` is the chart's
    /// accessible name. Hidden values are drawn as a hatched stub with the text under the group's bars.
    public static func groupedBars(title: String, series: [Series], hiddenText: String) -> String {
        let groups = series.first?.bars.map(\.label) ?? []
        let top = max(series.flatMap { $0.bars.compactMap(\.value) }.max() ?? 0, 1)
        let barWidth = 22.0
        let gap = 18.0
        let groupWidth = max(Double(series.count) * barWidth + gap, 52)
        let chartHeight = 180.0
        let left = 36.0
        let bottom = 40.0
        let legendHeight = 24.0
        let width = left + Double(groups.count) * groupWidth + gap
        let height = legendHeight + chartHeight + bottom
        var svg = """
            <svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="\(escape(title))" \
            viewBox="0 0 \(format(width)) \(format(height))" width="\(format(width))" height="\(format(height))">
            <title>\(escape(title))</title>

            """
        var legendX = left
        for entry in series {
            svg +=
                "<rect x=\"\(format(legendX))\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(escape(entry.colour))\"/>"
            svg +=
                "<text x=\"\(format(legendX + 16))\" y=\"15\" font-size=\"12\" fill=\"#1b1b1f\">\(escape(entry.name))</text>\n"
            legendX += 24 + Double(entry.name.count) * 7
        }
        let baseline = legendHeight + chartHeight
        svg +=
            "<line x1=\"\(format(left))\" y1=\"\(format(baseline))\" x2=\"\(format(width))\" y2=\"\(format(baseline))\" stroke=\"#b1b4b6\"/>\n"
        svg +=
            "<text x=\"\(format(left - 6))\" y=\"\(format(legendHeight + 10))\" font-size=\"11\" text-anchor=\"end\" fill=\"#505a5f\">\(top)</text>\n"
        svg +=
            "<text x=\"\(format(left - 6))\" y=\"\(format(baseline))\" font-size=\"11\" text-anchor=\"end\" fill=\"#505a5f\">0</text>\n"
        for (index, label) in groups.enumerated() {
            let groupX = left + gap + Double(index) * groupWidth
            for (seriesIndex, entry) in series.enumerated() {
                let x = groupX + Double(seriesIndex) * barWidth
                guard index < entry.bars.count else { continue }
                let bar = entry.bars[index]
                if let value = bar.value {
                    let barHeight = chartHeight * Double(value) / Double(top)
                    svg +=
                        "<rect x=\"\(format(x))\" y=\"\(format(baseline - barHeight))\" width=\"\(format(barWidth - 3))\" "
                    svg += "height=\"\(format(barHeight))\" fill=\"\(escape(entry.colour))\">"
                    svg += "<title>\(escape(entry.name)), \(escape(label)): \(value)</title></rect>\n"
                } else {
                    svg +=
                        "<rect x=\"\(format(x))\" y=\"\(format(baseline - 6))\" width=\"\(format(barWidth - 3))\" height=\"6\" "
                    svg += "fill=\"none\" stroke=\"\(escape(entry.colour))\" stroke-dasharray=\"2 2\">"
                    svg += "<title>\(escape(entry.name)), \(escape(label)): \(escape(hiddenText))</title></rect>\n"
                }
            }
            let centre = groupX + Double(series.count) * barWidth / 2
            svg +=
                "<text x=\"\(format(centre))\" y=\"\(format(baseline + 16))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1b1b1f\">\(escape(label))</text>\n"
        }
        svg += "</svg>"
        return svg
    }

    /// Text made safe for SVG and HTML content and attributes.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
