"""The harness itself: the server holds the fixtures, and the system Chromium reaches it."""
import json

from empower_server import FIXTURES, SEPTEMBER_2026


def test_server_holds_the_fixtures(server):
    created = {
        entry["recordId"]
        for name in ("patrol-log.json", "supervision.json")
        for entry in json.loads((FIXTURES / name).read_text())["entries"]
        if entry["kind"].startswith("create-")
    } | {entry["recordId"] for entry in SEPTEMBER_2026}
    assert {record["id"] for record in server.records()} == created


def test_chromium_reaches_the_server(server, watched):
    response = watched.page.goto(server.url + "/v1/health")
    assert response.status == 200
    assert json.loads(watched.page.inner_text("body"))["status"] == "ok"
