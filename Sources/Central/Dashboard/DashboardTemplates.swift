import Mustache

/// The dashboard's templates, loaded once into one library. Mustache escapes every `{{value}}`; the one
/// unescaped value, a chart (`{{{.}}}`), is SVG that `DashboardChart` made and escaped itself.
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        try! library.register(page, named: "page")
        try! library.register(message, named: "message")
        return library
    }()

    static let page = """
        <!DOCTYPE html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Empower dashboard</title>
        <link rel="stylesheet" href="/dashboard/style.css">
        <link rel="icon" href="/dashboard/icon.svg" type="image/svg+xml">
        </head>
        <body>
        <header>
        <p class="brand">Operation Empower · supervisors' dashboard</p>
        <p class="who">Signed in as <strong>{{signedInAs}}</strong> · purpose: <em>{{reason}}</em></p>
        <form method="post" action="/dashboard/sign-out" class="signout"><button type="submit">Sign out</button></form>
        </header>
        <nav aria-label="Pages"><ul>
        {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}
        </ul></nav>
        <main>
        <h1>{{title}}</h1>
        {{#filter}}
        <form method="get" action="{{action}}" class="filter" aria-label="Filter">
        <label>First night <input type="date" name="from" value="{{from}}"></label>
        <label>Last night <input type="date" name="to" value="{{to}}"></label>
        <label>Area <select name="area"><option value="">All areas</option>
        {{#areas}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/areas}}
        </select></label>
        <label>Venue <select name="venue"><option value="">All venues</option>
        {{#venues}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/venues}}
        </select></label>
        <button type="submit">Show</button>
        </form>
        {{/filter}}
        <p class="period">{{period}}</p>
        {{#sections}}
        <section id="{{id}}" aria-labelledby="{{id}}-heading">
        <h2 id="{{id}}-heading">{{heading}}</h2>
        {{#note}}<p class="note">{{.}}</p>{{/note}}
        {{#chart}}<figure>{{{.}}}</figure>{{/chart}}
        {{#table}}
        <table data-table="{{id}}">
        <caption>{{caption}}</caption>
        <thead><tr>{{#headers}}<th scope="col">{{.}}</th>{{/headers}}</tr></thead>
        <tbody>
        {{#rows}}<tr>{{#.}}<td{{#numeric}} class="num"{{/numeric}}>{{text}}</td>{{/.}}</tr>{{/rows}}
        {{#empty}}<tr><td colspan="{{columnCount}}">Nothing recorded.</td></tr>{{/empty}}
        </tbody>
        </table>
        {{/table}}
        </section>
        {{/sections}}
        </main>
        </body>
        </html>
        """

    static let message = """
        <!DOCTYPE html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <title>{{title}} · Empower dashboard</title>
        <link rel="stylesheet" href="/dashboard/style.css">
        <link rel="icon" href="/dashboard/icon.svg" type="image/svg+xml">
        </head>
        <body>
        <main class="message">
        <h1>{{title}}</h1>
        <p>{{message}}</p>
        </main>
        </body>
        </html>
        """

    /// The pages' icon (so that browsers do not ask for /favicon.ico, which is not the dashboard's).
    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#12355b"/>\
        <path d="M4 12V4h7v2H6v1h4v2H6v1h5v2z" fill="#fff"/></svg>
        """

    static let style = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
        header { display: flex; gap: 1.5em; align-items: center; background: #12355b; color: #fff; padding: 0.6em 1.5em; }
        header p { margin: 0; }
        .brand { font-weight: bold; }
        .who { flex: 1; }
        .signout button { background: #fff; color: #12355b; border: 0; padding: 0.35em 0.9em; cursor: pointer; }
        nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.2em; margin: 0; padding: 0.4em 1.5em;
            background: #e3e8ef; }
        nav a { display: block; padding: 0.35em 0.8em; color: #12355b; text-decoration: none; border-radius: 3px; }
        nav a[aria-current="page"] { background: #12355b; color: #fff; }
        main { padding: 0.5em 1.5em 2em; max-width: 1100px; }
        .filter { display: flex; flex-wrap: wrap; gap: 1em; align-items: end; background: #fff; padding: 0.7em;
            border: 1px solid #d0d7de; }
        .filter label { display: flex; flex-direction: column; font-size: 0.85em; gap: 0.2em; }
        .period { color: #555; }
        section { background: #fff; border: 1px solid #d0d7de; padding: 0.5em 1em 1em; margin: 1em 0; }
        h2 { font-size: 1.15em; }
        figure { margin: 0.5em 0; overflow-x: auto; }
        table { border-collapse: collapse; margin-top: 0.5em; min-width: 40%; }
        caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
        th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; }
        th { background: #f0f3f6; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .note { color: #444; font-size: 0.9em; }
        svg .bar { fill: #2f6fb0; }
        svg .label, svg .value, svg .tick, svg .maplabel { font-size: 12px; fill: #1b1b1b; }
        svg .tick { font-size: 10px; }
        svg .axis { stroke: #888; }
        svg .map { fill: #eef2f5; stroke: #c5ced8; }
        svg .sighting { fill: rgba(200, 60, 40, 0.55); stroke: #a02818; }
        svg .streetsafe { fill: rgba(40, 110, 200, 0.45); stroke: #1d4f91; }
        svg .maplabel { font-size: 11px; }
        .message { max-width: 40em; margin: 4em auto; background: #fff; border: 1px solid #d0d7de; padding: 1em 2em; }
        """
}
