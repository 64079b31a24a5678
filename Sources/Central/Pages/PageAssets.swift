import Hummingbird

/// The static files every page uses, served by the server itself (`/assets/…`, open to all): the stylesheet and
/// the leave-this-site script. Kept as Swift strings, like the templates.
public enum PageAssets {
    public static let stylesheetPath = "/assets/empower.css"
    public static let leaveScriptPath = "/assets/leave.js"
    /// Where "Leave this site" and the Escape key go: a neutral site, replacing this page in the history.
    public static let neutralSite = "https://www.bbc.co.uk/weather"

    /// Registers the assets' routes.
    static func register<Context: RequestContext>(on router: Router<Context>) {
        router.get(RouterPath(stringLiteral: String(stylesheetPath.dropFirst()))) { _, _ in
            PageResponse.asset(stylesheet, contentType: "text/css; charset=utf-8")
        }
        router.get(RouterPath(stringLiteral: String(leaveScriptPath.dropFirst()))) { _, _ in
            PageResponse.asset(leaveScript, contentType: "text/javascript; charset=utf-8")
        }
    }

    /// Leaves at once for the neutral site, replacing the current history entry (so Back does not return).
    static let leaveScript = """
        "use strict";
        (function () {
          var target = document.documentElement.getAttribute("data-leave-to") || "\(neutralSite)";
          function leave(event) {
            if (event) { event.preventDefault(); }
            document.body.style.display = "none";
            window.location.replace(target);
          }
          document.addEventListener("keydown", function (event) {
            if (event.key === "Escape" || event.key === "Esc") { leave(event); }
          });
          document.addEventListener("DOMContentLoaded", function () {
            var button = document.getElementById("leave-site");
            if (button) { button.addEventListener("click", leave); }
          });
        })();

        """

    static let stylesheet = """
        :root { --ink: #1b1b1f; --muted: #505a5f; --line: #b1b4b6; --panel: #f3f2f1; --accent: #4c2c92;
          --leave: #b10e1e; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
        body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45; }
        header.site { display: flex; align-items: center; justify-content: space-between; gap: 1rem;
          padding: 0.75rem 1.5rem; background: var(--accent); color: #fff; position: sticky; top: 0; z-index: 2; }
        header.site .brand { margin: 0; font-weight: 700; font-size: 1.1rem; }
        a.leave { background: var(--leave); color: #fff; font-weight: 700; padding: 0.6rem 1.1rem;
          border-radius: 4px; text-decoration: none; border: 2px solid #fff; }
        a.leave:focus, a.leave:hover { outline: 3px solid #ffdd00; }
        .leave-hint { margin: 0; padding: 0.4rem 1.5rem; background: var(--panel); font-size: 0.9rem; }
        main { max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
        h1 { font-size: 1.8rem; margin: 1rem 0 0.5rem; }
        h2 { font-size: 1.35rem; margin: 2rem 0 0.5rem; border-bottom: 2px solid var(--accent); }
        h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
        p.lede { font-size: 1.1rem; }
        .note { color: var(--muted); font-size: 0.95rem; }
        table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 1rem; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line); }
        td.count, th.count { text-align: right; white-space: nowrap; }
        td.hidden { color: var(--muted); font-style: italic; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 0 2rem; }
        .chart { margin: 0.5rem 0 1rem; max-width: 100%; height: auto; }
        .downloads a { margin-right: 1rem; }
        footer.site { border-top: 1px solid var(--line); padding: 1rem 1.5rem; color: var(--muted);
          font-size: 0.9rem; text-align: center; }

        """
}
