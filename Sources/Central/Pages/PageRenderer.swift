import Foundation
import Mustache

/// Server-rendered HTML pages (the public figures, the supervisors' dashboard): Mustache templates kept as Swift
/// strings, so the executable carries them and nothing is read from disk at run time.
///
/// Every renderer also has the shared partials of `PageLayout`: `{{> layout-head}}` and `{{> layout-foot}}`
/// wrap a page in the common document, stylesheet and leave-this-site script. `{{ }}` escapes HTML; use
/// `{{{ }}}` only for markup made by the server itself, such as `SVGChart` output.
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// A renderer with the shared layout and `templates` (name → Mustache text); a template that does not parse
    /// stops the server at start with the name and the parser's message.
    public init(templates: [String: String]) {
        var library = MustacheLibrary()
        for (name, text) in PageLayout.templates.merging(templates, uniquingKeysWith: { _, page in page }) {
            do {
                try library.register(text, named: name)
            } catch {
                fatalError("The page template '\(name)' does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// The page `template` rendered with `context` (dictionaries, arrays, strings, numbers, booleans).
    public func render(_ template: String, _ context: [String: Any]) -> String {
        guard let html = library.render(context, withTemplate: template) else {
            fatalError("There is no page template named '\(template)'.")
        }
        return html
    }
}
