import Foundation
import Models

/// The public page's HTML: the figures of every month, newest first, with a chart of sightings and
/// interventions. Each count cell carries `data-month`, `data-measure` and `data-category`, the keys of the open
/// data, so what the page shows can be checked against the CSV and JSON.
enum PublicPage {
    static let renderer = PageRenderer(templates: ["public": template, "public-cell": cellTemplate])

    static func render(_ figures: PublicFigures) -> String {
        renderer.render("public", context(figures))
    }

    static func context(_ figures: PublicFigures) -> [String: Any] {
        func cells(_ month: String, _ measure: PublicFigures.Measure, label: (String) -> String) -> [[String: Any]] {
            figures.rows(month: month, measure: measure).map { row in
                [
                    "month": month, "measure": measure.rawValue, "category": row.category,
                    "label": label(row.category), "text": figures.text(row), "hidden": row.count == nil,
                ]
            }
        }
        func total(_ month: String, _ measure: PublicFigures.Measure, _ label: String) -> [[String: Any]] {
            cells(month, measure) { _ in label }
        }
        let months: [[String: Any]] = figures.months.reversed().map { month in
            let reasons = cells(month, .streetSafeByReason) { StreetSafeReason(rawValue: $0)?.label ?? $0 }
            let kinds: [[String: Any]] = StreetSafeReason.Kind.allCases.map { kind in
                [
                    "kind": kind.rawValue.prefix(1).uppercased() + kind.rawValue.dropFirst(),
                    "reasons": reasons.filter { StreetSafeReason(rawValue: $0["category"] as! String)?.kind == kind },
                ]
            }
            return [
                "key": month,
                "label": PublicMonths.label(month),
                "patrol": total(month, .sightings, "Sightings of predatory behaviour")
                    + total(month, .interventions, "Interventions")
                    + total(month, .venuesTakingPart, "Venues taking part"),
                "actions": cells(month, .interventionsByAction, label: humanised),
                "outcomes": cells(month, .interventionsByOutcome, label: humanised),
                "streetSafe": total(month, .streetSafeReports, "StreetSafe reports"),
                "reasonKinds": kinds,
                "areas": cells(month, .streetSafeByArea) { $0 },
            ]
        }
        func bars(_ measure: PublicFigures.Measure) -> [SVGChart.Bar] {
            figures.months.map { month in
                SVGChart.Bar(
                    label: String(PublicMonths.label(month).prefix(3)) + " " + month.prefix(4).suffix(2),
                    value: figures.rows(month: month, measure: measure).first?.count
                )
            }
        }
        let patrolChart = SVGChart.groupedBars(
            title: "Sightings and interventions by month",
            series: [
                .init(name: "Sightings", colour: "#4c2c92", bars: bars(.sightings)),
                .init(name: "Interventions", colour: "#00703c", bars: bars(.interventions)),
            ],
            hiddenText: figures.hiddenText
        )
        let streetSafeChart = SVGChart.groupedBars(
            title: "StreetSafe reports by month",
            series: [.init(name: "StreetSafe reports", colour: "#d4351c", bars: bars(.streetSafeReports))],
            hiddenText: figures.hiddenText
        )
        return [
            "title": "Operation Empower: public figures",
            "leaveTo": PageAssets.neutralSite,
            "threshold": figures.threshold,
            "hiddenText": figures.hiddenText,
            "hasMonths": !figures.months.isEmpty,
            "patrolChart": patrolChart,
            "streetSafeChart": streetSafeChart,
            "months": months,
            "csvPath": PublicRoutes.csvPath,
            "jsonPath": PublicRoutes.jsonPath,
        ]
    }

    /// "stop-and-account" → "Stop and account", with the names that keep their capitals.
    static func humanised(_ name: String) -> String {
        let words = name.split(separator: "-").map { word -> String in
            switch word {
            case "cctv": "CCTV"
            case "angela": "Angela"
            default: String(word)
            }
        }
        let text = words.joined(separator: " ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    static let template = """
        {{> layout-head}}
        <h1>Operation Empower: public figures</h1>
        <p class="lede">Operation Empower is the police and licensed venues' work against predatory behaviour \
        towards women at night. These are its figures, month by month: what patrols saw and did, and what people \
        told us through StreetSafe about where they felt unsafe.</p>
        <p class="note">Every number is a count for a calendar month in UK time. Counts below {{threshold}} are \
        shown as &ldquo;{{hiddenText}}&rdquo;, and where a hidden count could be worked out from a total, the \
        next smallest count is hidden too. No record, name, time of day or street is ever published: places are \
        town centres. StreetSafe reports are anonymous.</p>
        <p class="downloads">Open data: <a href="{{csvPath}}">figures as CSV</a> \
        <a href="{{jsonPath}}">figures as JSON</a></p>
        {{#hasMonths}}
        <h2>Month by month</h2>
        <div class="grid">
        <div>{{{patrolChart}}}</div>
        <div>{{{streetSafeChart}}}</div>
        </div>
        <p class="note">A dashed stub stands for a hidden count.</p>
        {{/hasMonths}}
        {{^hasMonths}}
        <p>There are no figures yet.</p>
        {{/hasMonths}}
        {{#months}}
        <section class="month" id="month-{{key}}" data-month="{{key}}">
        <h2>{{label}}</h2>
        <div class="grid">
        <div>
        <h3>Patrols</h3>
        <table><tbody>
        {{#patrol}}{{> public-cell}}{{/patrol}}
        </tbody></table>
        <h3>Interventions by action</h3>
        <p class="note">An intervention may involve several actions.</p>
        <table><tbody>
        {{#actions}}{{> public-cell}}{{/actions}}
        </tbody></table>
        <h3>Interventions by outcome</h3>
        <table><tbody>
        {{#outcomes}}{{> public-cell}}{{/outcomes}}
        </tbody></table>
        </div>
        <div>
        <h3>StreetSafe</h3>
        <table><tbody>
        {{#streetSafe}}{{> public-cell}}{{/streetSafe}}
        </tbody></table>
        <h3>StreetSafe reports by reason</h3>
        <p class="note">A report may give several reasons.</p>
        {{#reasonKinds}}
        <table><thead><tr><th colspan="2">{{kind}}</th></tr></thead><tbody>
        {{#reasons}}{{> public-cell}}{{/reasons}}
        </tbody></table>
        {{/reasonKinds}}
        <h3>StreetSafe reports by area</h3>
        <table><tbody>
        {{#areas}}{{> public-cell}}{{/areas}}
        </tbody></table>
        </div>
        </div>
        </section>
        {{/months}}
        {{> layout-foot}}
        """

    static let cellTemplate = """
        <tr><th scope="row">{{label}}</th><td class="count{{#hidden}} hidden{{/hidden}}" data-month="{{month}}" \
        data-measure="{{measure}}" data-category="{{category}}">{{text}}</td></tr>

        """
}
