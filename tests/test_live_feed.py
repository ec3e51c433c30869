"""The live feed: committed events reach every screen that may see them, within two seconds."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from jprcc.api.app import create_app
from jprcc.core.node import Node
from tests.conftest import Cast
from tests.server import serving


@pytest.fixture
def base_url(sqlite_node: Node, sqlite_cast: Cast) -> Iterator[str]:
    with serving(create_app(sqlite_node, sweep_alerts=False)) as url:
        yield url


def login(base_url: str, cast: Cast, username: str) -> dict[str, str]:
    answer = httpx2.post(
        f"{base_url}/api/auth/token", data={"username": username, "password": cast.passwords[username]}
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def listen(
    base_url: str, headers: dict[str, str], into: queue.Queue[dict[str, Any]], ready: threading.Event
) -> None:
    try:
        with httpx2.stream("GET", f"{base_url}/api/feed", headers=headers, timeout=30) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            ready.set()
            for line in response.iter_lines():
                if line.startswith("data: "):
                    into.put(json.loads(line[len("data: ") :]))
    except httpx2.TransportError:
        pass  # the test server shut down under the open stream


def subscribe(base_url: str, headers: dict[str, str]) -> queue.Queue[dict[str, Any]]:
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    ready = threading.Event()
    threading.Thread(target=listen, args=(base_url, headers, received, ready), daemon=True).start()
    assert ready.wait(10)
    time.sleep(0.2)
    return received


def next_of_type(feed: queue.Queue[dict[str, Any]], event_type: str) -> dict[str, Any]:
    while True:
        event = feed.get(timeout=2)
        if event["type"] == event_type:
            return event


REPORT = {
    "incident_id": "PR-FEED",
    "title": "Beacon",
    "owning_component": "JFSOCC",
    "isolating_event_at": "2026-11-25T01:00:00Z",
    "position": {"lat": 40.0, "lon": 9.0},
    "uncertainty_m": 300,
    "channel": "beacon",
    "source_confidence": "confirmed",
    "environment": "land",
    "persons": [{"name": "A", "component_id": "JFSOCC"}],
}


def test_a_new_incident_reaches_another_users_screen_within_two_seconds(base_url, sqlite_cast):
    controller = subscribe(base_url, login(base_url, sqlite_cast, "controller"))
    started = time.monotonic()
    answer = httpx2.post(
        f"{base_url}/api/incidents", json=REPORT, headers=login(base_url, sqlite_cast, "jfsocc")
    )
    assert answer.status_code == 201
    event = next_of_type(controller, "incident_reported")
    assert time.monotonic() - started < 2.0
    assert event["incident_id"] == "PR-FEED"
    assert "Isolating event reported" in event["summary"]


def test_a_component_officer_sees_only_the_events_of_incidents_that_involve_it(base_url, sqlite_cast):
    land = subscribe(base_url, login(base_url, sqlite_cast, "jflcc"))
    sof = subscribe(base_url, login(base_url, sqlite_cast, "jfsocc"))
    httpx2.post(f"{base_url}/api/incidents", json=REPORT, headers=login(base_url, sqlite_cast, "jfsocc"))
    assert next_of_type(sof, "incident_reported")["incident_id"] == "PR-FEED"
    time.sleep(1.5)
    seen = [land.get_nowait() for _ in range(land.qsize())]
    assert not [e for e in seen if e.get("incident_id") == "PR-FEED"]


def test_the_feed_needs_a_login(base_url):
    assert httpx2.get(f"{base_url}/api/feed").status_code == 401


def test_logging_out_ends_the_stream(base_url, sqlite_cast):
    headers = login(base_url, sqlite_cast, "controller")
    connected, ended = threading.Event(), threading.Event()

    def watch() -> None:
        with httpx2.stream("GET", f"{base_url}/api/feed", headers=headers, timeout=30) as response:
            for line in response.iter_lines():
                if line == ": connected":
                    connected.set()
                if line == "event: session_ended":
                    ended.set()
                    return

    threading.Thread(target=watch, daemon=True).start()
    assert connected.wait(10)
    assert httpx2.post(f"{base_url}/api/auth/logout", headers=headers).status_code == 204
    assert ended.wait(5)
