"""The 911 banner on 20 open pages: how long after a distress report every watching screen shows it.

A distress call (a TAK 911) reaches the coordination center as the report of an isolating event:
the project has no CoT listener of its own, so the bench takes the entry point a call takes,
``POST /api/incidents`` with the channel ``tak_alert``, sent by the owning component's PRCC officer
(``jfsocc``) over HTTP. Twenty pages are open on the same server in headless Chromium, each in its
own browser context, logged in round-robin as the JPRCC controller, the director, the JFC and an
observer (every role that sees the whole theater; the reporter's own page raises no banner for its
own report). Each page is on the map, has drawn its first useful paint and holds its live feed open
(``html[data-feed=open]``) before anything is sent.

Ours, per page and per report: from the moment the report is sent (wall clock, ``time.time()`` in
the bench) to the end of the first frame that shows the banner's line for that incident
(``[data-alert-incident=<id>]``): a ``MutationObserver`` sees the line inserted, the next animation
frame renders it, and a task queued from that frame's callback reads ``Date.now()`` after the frame.
Browser and bench run on the same machine, so both read the same wall clock. Included: the HTTP
request, the command and its commit, the fan-out to every open feed, the page's handling of the
frame and its render. Excluded: opening and logging in the pages, their first load.

Anchor, in the same run, on the same pages: a page without the live feed, polling the board once a
second (``GET /api/incidents?sort=newest&limit=20``, the pollers started at staggered moments), for
a second report sent the same way: from the send to the end of the frame after the first poll
answer that lists the incident.

Also reported: when the banner's line is in the page's DOM (before its frame), against when the
poll's answer is in the page. Peak memory (``peak_mb``) of these rows: the JavaScript heap in use,
summed over the open pages, after the last report.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx2
from playwright.sync_api import Browser, BrowserContext, Page
from tests.browser import logged_in

from bench.common import Row, row
from jprcc.demo import demo_logins

WATCHERS = ("controller", "director", "jfc", "observer")
REPORTER = "jfsocc"
POLL_MS = 1000

WATCH = """(id) => {
  window.__banner = null;
  const sel = `[data-alert-incident="${id}"]`;
  const seen = () => {
    if (window.__banner || !document.querySelector(sel)) return;
    observer.disconnect();
    window.__banner = { inserted: Date.now(), shown: null };
    requestAnimationFrame(() => {
      const after = new MessageChannel();
      after.port1.onmessage = () => { window.__banner.shown = Date.now(); };
      after.port2.postMessage(0);
    });
  };
  const observer = new MutationObserver(seen);
  observer.observe(document.body, { childList: true, subtree: true });
  seen();
}"""

POLL = """([id, every, delay]) => {
  window.__polled = null;
  const poll = async () => {
    const answer = await fetch("/api/incidents?sort=newest&limit=20", { credentials: "same-origin" });
    const board = await answer.json();
    if (window.__polled || !board.rows.some((r) => r.incident_id === id)) return;
    clearInterval(window.__poller);
    window.__polled = { answered: Date.now(), shown: null };
    requestAnimationFrame(() => {
      const after = new MessageChannel();
      after.port1.onmessage = () => { window.__polled.shown = Date.now(); };
      after.port2.postMessage(0);
    });
  };
  setTimeout(() => { window.__poller = setInterval(poll, every); poll(); }, delay);
}"""


@dataclass
class Banners:
    """Milliseconds from each send to each page's frame showing it: the feed's and the pollers'."""

    feed_ms: list[float] = field(default_factory=list)
    inserted_ms: list[float] = field(default_factory=list)
    poll_ms: list[float] = field(default_factory=list)
    answered_ms: list[float] = field(default_factory=list)
    heap_mb: float = 0.0


def open_pages(browser: Browser, base_url: str, count: int) -> list[tuple[BrowserContext, Page]]:
    """``count`` logged-in pages on the map, first paint drawn and the live feed open."""
    passwords = {name: password for name, password, _ in demo_logins()}
    pages = []
    for i in range(count):
        name = WATCHERS[i % len(WATCHERS)]
        context, page = logged_in(browser, base_url, name, passwords[name])
        page.wait_for_selector("html[data-feed=open]", state="attached", timeout=60_000)
        page.wait_for_function(
            "window.__cop && window.__cop.map && window.__cop.map.firstUsefulPaintMs !== null",
            timeout=60_000,
        )
        pages.append((context, page))
    return pages


def distress(incident_id: str) -> dict[str, Any]:
    """The report a TAK 911 becomes: an isolating event on channel ``tak_alert``, now, in the area."""
    return {
        "incident_id": incident_id,
        "title": "TAK 911",
        "owning_component": "JFSOCC",
        "isolating_event_at": datetime.now(UTC).isoformat(),
        "position": {"lat": 40.2, "lon": 9.1},
        "uncertainty_m": 50,
        "channel": "tak_alert",
        "source_confidence": "confirmed",
        "environment": "land",
        "persons": [{"name": "A. Operator", "component_id": "JFSOCC"}],
    }


def reporter(base_url: str) -> httpx2.Client:
    """The PRCC officer's client, logged in, its connection already open."""
    password = {name: p for name, p, _ in demo_logins()}[REPORTER]
    client = httpx2.Client(base_url=base_url, timeout=30)
    token = client.post("/api/auth/token", data={"username": REPORTER, "password": password})
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def send(client: httpx2.Client, incident_id: str) -> float:
    """Report the distress; the wall-clock ms it was sent at."""
    sent = time.time() * 1000
    answer = client.post("/api/incidents", json=distress(incident_id))
    if answer.status_code != 201:
        raise RuntimeError(f"the report was refused: {answer.status_code} {answer.text}")
    return sent


def wait_all(pages: list[Page], key: str) -> list[dict[str, float]]:
    """Each page's ``window[key]`` once its frame has been shown."""
    found = []
    for page in pages:
        page.wait_for_function(f"window.{key} && window.{key}.shown !== null", timeout=60_000)
        found.append(page.evaluate(f"window.{key}"))
    return found


def by_feed(pages: list[Page], client: httpx2.Client, incident_id: str, into: Banners) -> None:
    for page in pages:
        page.evaluate(WATCH, incident_id)
    sent = send(client, incident_id)
    for seen in wait_all(pages, "__banner"):
        into.feed_ms.append(seen["shown"] - sent)
        into.inserted_ms.append(seen["inserted"] - sent)


def by_polling(pages: list[Page], client: httpx2.Client, incident_id: str, into: Banners) -> None:
    for i, page in enumerate(pages):
        page.evaluate(POLL, [incident_id, POLL_MS, i * POLL_MS // len(pages)])
    time.sleep(2 * POLL_MS / 1000)  # every poller has been running for at least a second
    sent = send(client, incident_id)
    for seen in wait_all(pages, "__polled"):
        into.poll_ms.append(seen["shown"] - sent)
        into.answered_ms.append(seen["answered"] - sent)
    for page in pages:
        page.evaluate("clearInterval(window.__poller)")


def js_heap_mb(pages: list[tuple[BrowserContext, Page]]) -> float:
    """The JavaScript heap in use, summed over the pages, MiB."""
    total = 0.0
    for context, page in pages:
        session = context.new_cdp_session(page)
        session.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
        total += metrics.get("JSHeapUsedSize", 0) / 2**20
        session.detach()
    return total


def measure(browser: Browser, base_url: str, count: int = 20, reports: int = 3) -> Banners:
    """``reports`` distress reports watched by the feed on ``count`` pages, then as many by polling."""
    opened = open_pages(browser, base_url, count)
    pages = [page for _, page in opened]
    client = reporter(base_url)
    found = Banners()
    try:
        time.sleep(2)  # the pages have settled after their first load
        for n in range(reports):
            by_feed(pages, client, f"PR-911F{n}", found)
            time.sleep(1)
        for n in range(reports):
            by_polling(pages, client, f"PR-911P{n}", found)
        found.heap_mb = js_heap_mb(opened)
    finally:
        client.close()
        for context, _ in opened:
            context.close()
    return found


def rows(found: Banners, pages: int, reports: int, scale: str) -> list[Row]:
    """Median and worst of the feed's banners against the polling pages', and when it is in the DOM."""
    where = f"{pages} open pages x {reports} reports ({len(found.feed_ms)} banners), {scale}"
    anchor = f"the same pages polling the board once a second ({len(found.poll_ms)} sightings)"
    median, worst = statistics.median(found.feed_ms), max(found.feed_ms)
    made = [
        row(
            f"911 banner on screen, from the report's send to the frame showing it, median, {where}",
            "ms",
            median,
            anchor,
            statistics.median(found.poll_ms),
            higher_is_better=False,
        ),
        row(
            f"911 banner on screen, from the report's send to the frame showing it, worst, {where}",
            "ms",
            worst,
            anchor,
            max(found.poll_ms),
            higher_is_better=False,
        ),
        row(
            f"911 banner in the page (DOM, before its frame), median, {where}",
            "ms",
            statistics.median(found.inserted_ms),
            f"{anchor}: the poll's answer in the page",
            statistics.median(found.answered_ms),
            higher_is_better=False,
        ),
    ]
    for r in made:
        r.peak_mb = round(found.heap_mb, 1)
    return made
