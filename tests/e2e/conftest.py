"""End-to-end tests: the real server on a real port, driven by Debian's Chromium.

The server runs in a thread of the test process (uvicorn) on the scored demo company of
``tests/conftest.py`` (``demo_database``), so every page has data. The browser is Playwright
driving the system's ``chromium`` (found on the PATH; Playwright's own browser downloads
are not used). Without Chromium the tests are skipped with the reason; under
``CI=true`` they fail instead, because CI must run every test (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from rapport.app import create_app
from rapport.config import Settings
from rapport.demo import service as demo_service
from rapport.web.threaded import serving


def chromium_path() -> str:
    """The system Chromium; skips the test (fails under CI) when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "browser tests: no 'chromium' on the PATH (Debian: apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; under CI every browser test must run")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of Rapport serving the demo database on a free local port."""
    settings = Settings(
        database_url=demo_database,
        api_rate_limit="100000/minute",
        import_dir=tmp_path_factory.mktemp("uploads"),
    )
    app = create_app(settings)
    with serving(app) as url:
        yield url
    app.state.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh browser tab (own cookies) at a laptop's size, its base URL the server."""
    context = browser.new_context(
        base_url=server, viewport={"width": 1280, "height": 800}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Page, email: str = "admin@example.com", language: str = "English") -> None:
    """Sign in through the form as a demo user, then choose ``language`` with the switcher
    (demo users with Chinese names have Chinese on their profile)."""
    page.goto("/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(demo_service.DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    switch = page.get_by_role("button", name=language, exact=True)
    if switch.get_attribute("aria-current") != "true":
        switch.click()
        page.wait_for_load_state()
