"""Browser tests: a real server thread and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import make_app, running
from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Assertions wait as long as page actions do (Playwright's own default is 5 s): an upload that
# extracts and indexes its files can take several seconds on a shared 2-core host.
expect.set_options(timeout=15_000)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture
def live_app(tmp_path):
    """An app with CSRF on (as in production), its database ready, context pushed."""
    with running(make_app(tmp_path, WTF_CSRF_ENABLED=True)) as app:
        yield app


@pytest.fixture
def live_server(live_app):
    """Serve live_app on a free loopback port; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PAN_BASE_URL"] = base  # links in e-mails point at this server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form and wait for the start page (the personal start page or the console)."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
