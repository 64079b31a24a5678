"""Fixtures of the browser tests: a real server with the fixtures loaded, and a headless Chromium page.

Chromium is Debian's (`chromium` package), driven by Playwright through `executable_path`; Playwright's own
browser downloads are never used. Screenshots go to $BROWSER_SCREENSHOTS (default .build/browser-screenshots).
"""
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from empower_server import ROOT, EmpowerServer

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / ".build/browser-screenshots"))


@pytest.fixture(scope="session")
def server():
    """One server for the session, with every fixture loaded (see empower_server.py)."""
    running = EmpowerServer().start()
    try:
        running.load_fixtures()
        yield running
    finally:
        running.stop()
    assert not running.failed_requests(), running.failed_requests()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run scripts/require-packages.sh chromium (as root).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


class WatchedPage:
    """A fresh page in its own context, with the console's errors and every request it made."""

    def __init__(self, context, page):
        self.context = context
        self.page = page
        self.console_errors = []
        self.requests = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))

    def screenshot(self, name, full_page=True):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield WatchedPage(context, page)
    context.close()
