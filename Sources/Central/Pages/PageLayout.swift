/// The document every page shares: the head with the stylesheet, a header with the "Leave this site" button,
/// and the script that leaves on the button or the Escape key (`PageAssets`).
///
/// A page's context gives `title`, and optionally `leaveTo` (default `PageAssets.neutralSite`). Its template
/// starts with `{{> layout-head}}` and ends with `{{> layout-foot}}`.
enum PageLayout {
    static let templates: [String: String] = [
        "layout-head": """
        <!DOCTYPE html>
        <html lang="en-GB" data-leave-to="{{leaveTo}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{title}}</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="\(PageAssets.stylesheetPath)">
        <script src="\(PageAssets.leaveScriptPath)" defer></script>
        </head>
        <body>
        <header class="site">
        <p class="brand">Operation Empower</p>
        <a id="leave-site" class="leave" href="{{leaveTo}}" rel="noreferrer">Leave this site</a>
        </header>
        <p class="leave-hint">To leave this page quickly, press the Esc key or the Leave this site button.</p>
        <main>
        """,
        "layout-foot": """
        </main>
        <footer class="site">
        <p>This page sets no cookies, uses no trackers and loads nothing from other sites.</p>
        </footer>
        </body>
        </html>
        """,
    ]
}
