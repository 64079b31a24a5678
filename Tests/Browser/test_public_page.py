"""The public performance page in a real browser: what it shows, what it hides, and how it lets a visitor leave.

Every test runs against the session's server (empower_server.py): the fixtures, September 2026 with 3 arrests,
and the StreetSafe fixtures.
"""
import csv
import io
import json
from urllib.parse import urlparse

import pytest

from empower_server import EmpowerServer
from public_figures import GROUPS, expected_cells

NEUTRAL = "https://www.bbc.co.uk/weather"


def page_cells(page):
    """{(month, measure, category): text} of every count cell on the page."""
    return {
        (cell["month"], cell["measure"], cell["category"]): cell["text"]
        for cell in page.eval_on_selector_all(
            "td[data-measure]",
            "cells => cells.map(c => ({month: c.dataset.month, measure: c.dataset.measure,"
            " category: c.dataset.category, text: c.textContent.trim()}))",
        )
    }


def open_public(server, watched):
    # The neutral site is answered here, so leaving never depends on the internet (and nothing is fetched).
    watched.context.route(NEUTRAL + "*", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!DOCTYPE html><title>Weather</title><p>Weather</p>"))
    response = watched.page.goto(server.url + "/public")
    assert response.status == 200
    return response


def test_page_renders_without_errors_and_loads_nothing_from_elsewhere(server, watched):
    response = open_public(server, watched)
    watched.page.wait_for_load_state("networkidle")
    watched.screenshot("public-page")
    watched.screenshot("public-top", full_page=False)
    assert watched.page.title() == "Operation Empower: public figures"
    assert watched.page.is_visible("#leave-site")
    assert watched.console_errors == []
    origin = urlparse(server.url).netloc
    elsewhere = [url for url in watched.requests if urlparse(url).netloc != origin and not url.startswith("data:")]
    assert elsewhere == [], "the page requested something from another site"
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert headers["referrer-policy"] == "no-referrer"


def test_numbers_equal_the_store(server, watched):
    open_public(server, watched)
    expected, _ = expected_cells(server.records())
    shown = page_cells(watched.page)
    assert shown == expected


def test_a_month_with_three_arrests_shows_fewer_than_5(server, watched):
    open_public(server, watched)
    _, raw = expected_cells(server.records())
    assert raw[("2026-09", "interventions-by-action", "arrest")] == 3
    shown = page_cells(watched.page)
    assert shown[("2026-09", "interventions-by-action", "arrest")] == "fewer than 5"
    assert shown[("2026-09", "interventions-by-outcome", "arrested")] == "fewer than 5"
    assert shown[("2026-09", "interventions", "")] == "9"
    september = watched.page.inner_text("#month-2026-09")
    assert "fewer than 5" in september
    watched.page.locator("#month-2026-09").scroll_into_view_if_needed()
    watched.screenshot("public-september", full_page=False)


def test_no_hidden_count_can_be_worked_out_from_a_total(server, watched):
    open_public(server, watched)
    shown = page_cells(watched.page)
    months = {key[0] for key in shown}
    checked = 0
    for month in months:
        for total, parts in GROUPS:
            if shown[(month, total, "")].startswith("fewer"):
                continue
            hidden = [key for key in shown if key[0] == month and key[1] == parts and shown[key].startswith("fewer")]
            assert len(hidden) != 1, f"{month} {parts}: one hidden count beside a shown total"
            checked += 1
    assert checked > 0


def test_escape_leaves_at_once_and_replaces_the_history_entry(server, watched):
    watched.page.goto(server.url + "/v1/health")
    open_public(server, watched)
    watched.page.keyboard.press("Escape")
    watched.page.wait_for_url(NEUTRAL)
    watched.page.go_back()
    assert "/public" not in watched.page.url, "Back returned to the public page"
    assert watched.page.url.endswith("/v1/health")


def test_the_button_leaves_at_once_and_replaces_the_history_entry(server, watched):
    watched.page.goto(server.url + "/v1/health")
    open_public(server, watched)
    watched.page.click("#leave-site")
    watched.page.wait_for_url(NEUTRAL)
    watched.page.go_back()
    assert "/public" not in watched.page.url, "Back returned to the public page"


def test_no_cookies_are_set(server, watched):
    open_public(server, watched)
    set_cookie = []
    watched.page.on("response", lambda r: set_cookie.append(r.url) if "set-cookie" in r.headers else None)
    response = watched.page.goto(server.url + "/public")
    assert "set-cookie" not in response.headers
    for path in ("/public/figures.csv", "/public/figures.json", "/assets/empower.css", "/assets/leave.js"):
        response = watched.page.request.get(server.url + path)
        assert response.ok and "set-cookie" not in response.headers
    assert set_cookie == []
    assert watched.context.cookies() == []
    assert watched.page.evaluate("document.cookie") == ""


def test_csv_and_json_agree_with_the_page(server, watched):
    open_public(server, watched)
    shown = page_cells(watched.page)
    csv_text = watched.page.request.get(server.url + "/public/figures.csv").text()
    from_csv = {(row["month"], row["measure"], row["category"]): row["count"]
                for row in csv.DictReader(io.StringIO(csv_text))}
    document = json.loads(watched.page.request.get(server.url + "/public/figures.json").text())
    from_json = {
        (figure["month"], figure["measure"], figure["category"]):
            document["hiddenText"] if figure.get("hidden") else str(figure["count"])
        for figure in document["figures"]
    }
    assert from_csv == shown
    assert from_json == shown
    assert all(figure["count"] is None for figure in document["figures"] if figure.get("hidden"))
    assert document["timeZone"] == "Europe/London" and document["threshold"] == 5


def test_the_threshold_is_the_serve_option():
    """A server started with --public-threshold 10 hides every count under 10, on the page and in the data."""
    server = EmpowerServer(["--public-threshold", "10"]).start()
    try:
        server.load_fixtures()
        status, _, body = server.request("GET", "/public/figures.json")
        document = json.loads(body)
        expected, _ = expected_cells(server.records(), threshold=10)
        assert document["hiddenText"] == "fewer than 10"
        assert {(f["month"], f["measure"], f["category"]): document["hiddenText"] if f.get("hidden")
                else str(f["count"]) for f in document["figures"]} == expected
    finally:
        server.stop()
