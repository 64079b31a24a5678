"""Page objects of the supervisors' dashboard: what a person sees (headings, table cells), read from the page."""
from urllib.parse import urlencode

PAGES = {
    "hotspots": "/dashboard",
    "places": "/dashboard/places",
    "times": "/dashboard/times",
    "behaviours": "/dashboard/behaviours",
    "interventions": "/dashboard/interventions",
    "subjects": "/dashboard/subjects",
    "action-required": "/dashboard/action-required",
    "streetsafe": "/dashboard/streetsafe",
}

# The fixtures' nights (September 2026 to the end of November 2026).
PERIOD = {"from": "2026-09-01", "to": "2026-11-30"}


def sign_in_link(server, device_id="dev-ps0311", reason="Browser test: weekly review"):
    """A one-time sign-in path asked for with a device's token: (status, body)."""
    import json

    status, _, body = server.request("POST", "/v1/dashboard/sign-in", server.tokens[device_id], {"reason": reason})
    return status, (json.loads(body) if body else {})


class DashboardPage:
    """One dashboard page open in a watched browser page."""

    def __init__(self, watched, server):
        self.watched = watched
        self.page = watched.page
        self.server = server

    def sign_in(self):
        status, link = sign_in_link(self.server)
        assert status == 201, link
        response = self.page.goto(self.server.url + link["path"])
        self.page.wait_for_selector("h1")
        return response

    def open(self, name, **filters):
        query = urlencode({**PERIOD, **filters})
        response = self.page.goto(f"{self.server.url}{PAGES[name]}?{query}")
        self.page.wait_for_selector("h1")
        return response

    def heading(self):
        return self.page.inner_text("h1")

    def table(self, table_id):
        """The rows of a table as lists of cell texts (the header row apart)."""
        rows = self.page.locator(f'table[data-table="{table_id}"] tbody tr')
        result = []
        for index in range(rows.count()):
            result.append([cell.strip() for cell in rows.nth(index).locator("td").all_inner_texts()])
        return [row for row in result if row != ["Nothing recorded."]]

    def column(self, table_id, key_column, value_column):
        """A table as {key: int(value)}."""
        return {row[key_column]: int(row[value_column]) for row in self.table(table_id)}
