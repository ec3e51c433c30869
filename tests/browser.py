"""Headless Chromium (Debian's package) driven by Playwright, against a real server.

The suite never downloads a browser: it launches /usr/bin/chromium (or JPRCC_CHROMIUM). Without
it, or without the built page, browser tests skip - unless JPRCC_REQUIRE_BROWSER=1 (as in CI).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from jprcc.api.app import STATIC

CHROMIUM = os.environ.get("JPRCC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
INSTRUMENT = "window.__jprccInstrument = true"
"""Asks the page to publish its map handles (``window.__cop``); a user's page never does."""


def _missing(what: str) -> None:
    if os.environ.get("JPRCC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required, but {what}")
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if not (STATIC / "index.html").exists():
        _missing("the web page is not built (make web)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def logged_in(browser: Browser, base_url: str, username: str, password: str) -> tuple[BrowserContext, Page]:
    # the tests read the page's state with evaluated JavaScript, which the page's own policy forbids
    context = browser.new_context(viewport={"width": 1500, "height": 950}, bypass_csp=True)
    context.add_init_script(INSTRUMENT)
    page = context.new_page()
    page.goto(base_url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("[data-me]")
    return context, page


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def fill_persons(page: Page, persons: list[tuple[str, ...]]) -> None:
    """Fill the report form's persons, one row each: (name, service, unit, condition, duty status);
    the trailing parts may be left out."""
    for i, person in enumerate(persons):
        if i:
            page.click("[data-add-person]")
        for key, value in zip(("name", "service", "unit"), person[:3], strict=False):
            page.fill(f"[name=person-{i}-{key}]", value)
        if len(person) > 3:
            page.select_option(f"[name=person-{i}-condition]", person[3])
        if len(person) > 4:
            page.select_option(f"[name=person-{i}-status]", person[4])
