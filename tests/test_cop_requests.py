"""What the live feed costs the page, counted in Chromium: a remote event about the incident on
screen costs at most two requests, one about an incident not on screen costs none, and the
writer's own write costs the writer one request (its answer is the incident as it now stands)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, Request

from jprcc.api.app import create_app
from tests.browser import logged_in
from tests.server import serving
from tests.test_cop import PASSWORDS, _node, token_of

pytestmark = pytest.mark.browser
OPEN = "PR-RAVEN21"
ELSEWHERE = "PR-DRAGOON"


@pytest.fixture
def demo_url(tmp_path: Path, demo_snapshot: Path) -> Iterator[str]:
    node = _node(tmp_path, with_script=True, snapshot=demo_snapshot)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


class Counter:
    """The page's API requests (the feed's own stream aside)."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.on("request", self._count)

    def _count(self, request: Request) -> None:
        path = request.url.split("://", 1)[1].split("/", 1)[1]
        if path.startswith("api/") and not path.startswith("api/feed"):
            self.seen.append(f"{request.method} /{path}")

    def reset(self) -> None:
        self.seen = []


def narrate(base_url: str, username: str, incident_id: str, text: str) -> None:
    answer = httpx2.post(
        f"{base_url}/api/incidents/{incident_id}/narrative",
        json={"text": text},
        headers=token_of(base_url, username),
    )
    assert answer.status_code == 200, answer.text


def open_incident(browser: Browser, base_url: str) -> tuple[Page, Counter]:
    _, page = logged_in(browser, base_url, "controller", PASSWORDS["controller"])
    page.goto(f"{base_url}/#/incident/{OPEN}")
    page.wait_for_selector("[data-incident] [data-stage]")
    page.wait_for_function("document.documentElement.dataset.feed === 'open'")
    counter = Counter(page)
    page.wait_for_timeout(800)  # whatever the page asked for on opening is done (and reported)
    counter.reset()
    return page, counter


class TestWhatAFrameCosts:
    def test_a_remote_event_on_the_open_incident_costs_at_most_two_requests(
        self, browser: Browser, demo_url: str
    ):
        page, counter = open_incident(browser, demo_url)
        narrate(demo_url, "director", OPEN, "LZ FALCON confirmed cold by STARLIGHT 21")
        page.wait_for_selector("text=LZ FALCON confirmed cold by STARLIGHT 21")
        page.wait_for_selector(".timeline >> text=LZ FALCON confirmed cold", timeout=5000)
        page.wait_for_timeout(600)  # let late requests happen, and Playwright report them
        assert len(counter.seen) <= 2, counter.seen
        assert counter.seen == [f"GET /api/incidents/{OPEN}"]

    def test_an_event_about_an_incident_not_on_screen_costs_nothing(self, browser: Browser, demo_url: str):
        page, counter = open_incident(browser, demo_url)
        narrate(demo_url, "director", ELSEWHERE, "DRAGOON 2-3 moved to the wadi")
        # frames arrive in log order: once the next one (on the open incident) shows, the first was handled
        narrate(demo_url, "director", OPEN, "marker after the DRAGOON event")
        page.wait_for_selector("text=marker after the DRAGOON event")
        page.wait_for_timeout(600)  # let late requests happen, and Playwright report them
        assert counter.seen == [f"GET /api/incidents/{OPEN}"]  # only the open incident's; DRAGOON's none

    def test_the_board_card_of_an_incident_moves_with_the_frame_alone(self, browser: Browser, demo_url: str):
        _, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        page.goto(f"{demo_url}/#/board")
        page.wait_for_selector(f"[data-incident='{ELSEWHERE}']")
        page.wait_for_function("document.documentElement.dataset.feed === 'open'")
        counter = Counter(page)
        page.wait_for_timeout(600)  # let late requests happen, and Playwright report them
        counter.reset()
        check_in = httpx2.post(
            f"{demo_url}/api/incidents/{ELSEWHERE}/check-in", json={}, headers=token_of(demo_url, "director")
        )
        assert check_in.status_code == 200
        page.wait_for_function(
            f"!document.querySelector(\"[data-incident='{ELSEWHERE}']\").classList.contains('overdue')"
        )
        page.wait_for_timeout(600)  # let late requests happen, and Playwright report them
        assert counter.seen == []

    def test_a_write_costs_the_writer_one_request(self, browser: Browser, demo_url: str):
        page, counter = open_incident(browser, demo_url)
        page.fill("input[name=narrative]", "Weather at LZ FALCON: 2 km visibility, falling")
        page.click(".narrative button[type=submit]")
        page.wait_for_selector(".narrative >> text=Weather at LZ FALCON")
        page.wait_for_selector(".timeline >> text=Weather at LZ FALCON", timeout=5000)  # the frame came too
        page.wait_for_timeout(600)  # let late requests happen, and Playwright report them
        assert counter.seen == [f"POST /api/incidents/{OPEN}/narrative"]


def test_a_users_page_publishes_no_test_hooks(browser: Browser, demo_url: str):
    context = browser.new_context(bypass_csp=True)  # no harness: as a user's browser opens the page
    page = context.new_page()
    page.goto(demo_url + "/")
    page.fill("input[name=username]", "controller")
    page.fill("input[name=password]", PASSWORDS["controller"])
    page.click("form.login button[type=submit]")
    page.wait_for_selector("[data-me]")
    page.wait_for_timeout(1000)
    assert page.evaluate("typeof window.__cop") == "undefined"
    context.close()
