"""The supervisors' dashboard in a real browser: signing in with a one-time link, every page rendered without a
console error or a request leaving the server, the numbers equal to the store's, venue staff refused, signing out.
Screenshots of every page are kept (BROWSER_SCREENSHOTS)."""
import datetime
import json
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from empower_server import FIXTURES
from dashboard_pages import PAGES, PERIOD, DashboardPage, sign_in_link

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def dashboard(server, watched):
    page = DashboardPage(watched, server)
    page.sign_in()
    return page


def current(record):
    return (record.get("current") or record["original"])


def in_period(record):
    """Whether a record happened in the test period's nights (18:00 on the first to 06:00 after the last)."""
    when = datetime.datetime.fromisoformat(current(record)["record"]["occurredAt"].replace("Z", "+00:00"))
    start = datetime.datetime.fromisoformat(PERIOD["from"] + "T18:00").replace(tzinfo=LONDON)
    end = datetime.datetime.fromisoformat(PERIOD["to"] + "T18:00").replace(tzinfo=LONDON) + datetime.timedelta(hours=12)
    return start <= when < end


def live(server, kind):
    return [
        r for r in server.records()
        if "redacted" not in current(r) and current(r)["type"] == kind and in_period(r)
    ]


def test_the_one_time_link_signs_in_with_a_strict_http_only_cookie(server, watched):
    page = DashboardPage(watched, server)
    response = page.sign_in()
    assert page.page.url.endswith("/dashboard")
    assert page.heading() == "Hotspots"
    cookie = next(c for c in watched.context.cookies() if c["name"] == "empower_dashboard")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/dashboard"
    assert "default-src 'none'" in response.request.redirected_from.response().headers["content-security-policy"]


def test_a_link_used_twice_is_refused(server, browser):
    status, link = sign_in_link(server)
    assert status == 201
    first = browser.new_context()
    second = browser.new_context()
    try:
        assert first.new_page().goto(server.url + link["path"]).status == 200
        page = second.new_page()
        response = page.goto(server.url + link["path"])
        assert response.status == 401
        assert "cannot be used" in page.inner_text("h1")
        assert not [c for c in second.cookies() if c["name"] == "empower_dashboard"]
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_renders_with_no_console_error_and_nothing_from_elsewhere(dashboard, server, name):
    response = dashboard.open(name)
    assert response.status == 200
    assert dashboard.page.locator("nav a[aria-current=page]").count() == 1
    assert dashboard.page.locator("section table").count() >= 1
    # Every chart is drawn by the server, beside its table.
    assert dashboard.page.locator("section svg").count() >= 1 or name == "interventions"
    assert "script" not in dashboard.page.content().lower().replace("description", "")
    dashboard.watched.screenshot(f"dashboard-{name}")
    assert dashboard.watched.console_errors == []
    assert all(url.startswith(server.url) for url in dashboard.watched.requests), dashboard.watched.requests


def test_venue_counts_equal_the_store(dashboard, server):
    venues = {v["id"]: v["name"] for v in json.loads((FIXTURES / "venues.json").read_text())["venues"]}
    expected = Counter(venues.get(current(r)["record"]["location"].get("venueId"), "No venue") for r in live(server, "sighting"))
    dashboard.open("places")
    assert dashboard.column("venues", 0, 3) == {name: count for name, count in expected.items()}
    assert sum(dashboard.column("streets", 0, 1).values()) == sum(expected.values())


def test_behaviour_and_outcome_counts_equal_the_store(dashboard, server):
    labels = {"following": "Following or stalking", "repeated-approaches": "Repeated approaches after rejection"}
    sightings = live(server, "sighting")
    behaviours = Counter(b for r in sightings for b in current(r)["record"]["behaviours"])
    dashboard.open("behaviours")
    shown = dashboard.column("behaviours", 0, 1)
    assert sum(shown.values()) == sum(behaviours.values())
    for name, label in labels.items():
        assert shown.get(label, 0) == behaviours[name]
    assert sum(dashboard.column("risk", 0, 1).values()) == len(sightings)

    interventions = live(server, "intervention")
    outcomes = Counter(current(r)["record"]["outcome"] for r in interventions)
    dashboard.open("interventions")
    assert dashboard.column("outcomes", 0, 1) == dict(outcomes)
    assert outcomes["arrested"] >= 3
    following = sum(1 for r in interventions if current(r)["record"].get("sightingId"))
    assert dashboard.column("following", 0, 1) == {
        "After a sighting": following, "On their own": len(interventions) - following, "All": len(interventions)
    }


def test_night_hour_and_cell_totals_equal_the_store(dashboard, server):
    sightings = live(server, "sighting")
    interventions = live(server, "intervention")
    dashboard.open("times")
    assert sum(dashboard.column("nights", 0, 2).values()) == len(sightings)
    assert sum(dashboard.column("hours", 0, 2).values()) == len(interventions)
    hours = Counter(
        datetime.datetime.fromisoformat(current(r)["record"]["occurredAt"].replace("Z", "+00:00")).astimezone(LONDON).hour
        for r in sightings
    )
    assert dashboard.column("hours", 0, 1) == {f"{h:02d}:00": n for h, n in hours.items()}
    dashboard.open("hotspots")
    assert sum(dashboard.column("hotspots", 0, 4).values()) == len(sightings) + len(interventions)


def test_action_required_and_linked_subjects_equal_the_store(dashboard, server):
    records = [r for r in server.records()
               if "redacted" not in current(r) and current(r)["type"] != "note" and in_period(r)]
    flagged = {r["id"] for r in records if current(r)["type"] == "sighting"
               and r.get("registers", {}).get("review") == "action-required"}
    dashboard.open("action-required")
    assert {row[5] for row in dashboard.table("action-required")} == flagged
    assert flagged, "the fixtures hold an action-required sighting"
    linked = {r["id"] for r in records for link in r.get("registers", {}).get("links", [])
              if link["kind"] == "same-subject"}
    dashboard.open("subjects")
    rows = dashboard.table("subjects")
    assert linked and rows
    assert sum(int(row[1]) for row in rows) >= len(linked)


def test_a_filter_by_venue_narrows_every_count(dashboard, server):
    sightings = [r for r in live(server, "sighting") if current(r)["record"]["location"].get("venueId") == "venue-seel-st-03"]
    dashboard.open("places", venue="venue-seel-st-03")
    assert dashboard.column("venues", 0, 3) == {"Copperline Bar": len(sightings)}
    response = dashboard.open("places", venue="venue-nowhere")
    assert response.status == 400


def test_a_venue_staff_token_gets_nothing(server, watched):
    staff = "dev-copperline-door"
    status, body = sign_in_link(server, device_id=staff)
    assert status == 403, body
    # No cookie, a bearer token: the page is not shown.
    watched.context.set_extra_http_headers({"Authorization": f"Bearer {server.tokens[staff]}"})
    response = watched.page.goto(server.url + "/dashboard")
    assert response.status == 401
    assert "Sign in" in watched.page.inner_text("h1")


def test_signing_out_ends_the_session(dashboard, server):
    dashboard.open("times")
    dashboard.page.click("text=Sign out")
    dashboard.page.wait_for_selector("h1:has-text('Signed out')")
    dashboard.watched.screenshot("dashboard-signed-out")
    response = dashboard.page.goto(server.url + "/dashboard/times")
    assert response.status == 401
