"""The Locate panel of the incident page, driven in headless Chromium against the demo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from jprcc.api.app import create_app
from jprcc.core.node import bootstrap
from tests.browser import logged_in, screenshot
from tests.conftest import demo_copy, fast_settings
from tests.server import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_url(tmp_path: Path, demo_snapshot: Path) -> Iterator[str]:
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path, "cop.sqlite3"), tmp_path), migrate=True)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def locate_as_shown(context: BrowserContext, page: Page, base_url: str, incident_id: str) -> dict[str, Any]:
    """The server's numbers for the map time the page shows, with the page's session."""
    at = page.get_attribute("[data-locate-at]", "data-locate-at")
    assert at
    answer = context.request.get(
        f"{base_url}/api/incidents/{incident_id}/locate", params={"at": at, "cells": 200}
    )
    assert answer.ok, answer.text()
    return answer.json()


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def fill_asset(
    page: Page, row: int, name: str, sweep_m: str, speed_kt: str, hours: str, searches: str
) -> None:
    page.fill(f"[name='assets[{row}].name']", name)
    page.fill(f"[name='assets[{row}].sweep_width_m']", sweep_m)
    page.fill(f"[name='assets[{row}].speed_kt']", speed_kt)
    page.fill(f"[name='assets[{row}].hours']", hours)
    page.select_option(f"[name='assets[{row}].searches']", searches)


class TestLocate:
    def test_the_numbers_the_map_and_a_search_plan_proposed_and_adopted(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "controller", "demo-controller")
        page.goto(f"{demo_url}/#/incident/PR-KNIGHT44")
        expect(page.locator("[data-locate='shown']")).to_be_visible(timeout=10000)
        shown = locate_as_shown(context, page, demo_url, "PR-KNIGHT44")

        # the numbers in large type are the server's
        mgrs = page.locator("[data-locate-mgrs]")
        assert mgrs.get_attribute("data-locate-mgrs") == shown["mean"]["mgrs"]
        assert mgrs.inner_text().replace(" ", "") == shown["mean"]["mgrs"]  # shown in its groups
        rest = page.locator("[data-rest-of-world]")
        assert float(rest.get_attribute("data-value") or "nan") == shown["rest_of_world"]
        expect(rest).to_have_text(percent(shown["rest_of_world"]))
        cumulative = page.locator("[data-cumulative-pos]")
        assert (
            float(cumulative.get_attribute("data-value") or "nan")
            == shown["cumulative_probability_of_success"]
        )
        expect(cumulative).to_have_text(percent(shown["cumulative_probability_of_success"]))
        assert (
            float(page.get_attribute("[data-containment='90']", "data-value") or "nan")
            == shown["containment_m"]["90"]
        )
        expect(page.locator("[data-locate-numbers]")).to_have_attribute("data-warn", "no")
        expect(page.locator("[data-locate-peak]")).to_contain_text("32S PJ")
        expect(page.locator("[data-info]")).to_have_count(len(shown["information"]))
        expect(page.locator("[data-info='I2']")).to_contain_text("HELO 2-1")

        # on the map in the panel: the probability map over its bounds, the searched area, the fix
        page.wait_for_function(
            "window.__cop && window.__cop.locateMap && window.__cop.locateMap.picturesLoaded >= 1"
            " && window.__cop.locateMap.pictureDrawn.includes('/locate/map')",
            timeout=10000,
        )
        drawn = "window.__cop.locateMap.areaIdsDrawn"
        page.wait_for_function(f"{drawn}.includes('locate:info:I2') && {drawn}.includes('locate:info:I1')")
        for format, kind in (("png", "image/png"), ("tiff", "image/tiff")):
            href = page.get_attribute(f"[data-locate-export='{format}']", "href")
            assert href is not None
            assert parse_qs(urlsplit(href).query)["at"] == [shown["at"]]  # the time of the numbers
            got = context.request.get(demo_url + href)
            assert got.status == 200
            assert got.headers["content-type"] == kind

        # the plan form checks as you type
        fill_asset(page, 0, "HELO 2-2", "2000", "90", "99", "water")
        expect(page.locator("[data-error-for='assets[0].hours']")).to_have_text("at most 48")
        page.fill("[name='assets[0].hours']", "2")
        expect(page.locator("[data-error-for='assets[0].hours']")).to_have_text("")
        # a listening search says how much of the time the person transmits: at most all of it
        expect(page.locator("[name='assets[0].signal_probability']")).to_have_value("1")
        page.fill("[name='assets[0].signal_probability']", "1.5")
        expect(page.locator("[data-error-for='assets[0].signal_probability']")).to_have_text("at most 1")
        page.fill("[name='assets[0].signal_probability']", "1")
        page.click("[data-propose]")
        pos = page.locator("[data-proposal-pos]")
        expect(pos).to_be_visible(timeout=10000)
        expect(pos).to_have_text(percent(float(pos.get_attribute("data-value") or "nan")))
        expect(page.locator("[data-proposed-area='HELO 2-2']")).to_be_visible()
        page.wait_for_function("window.__cop.locateMap.areaIdsDrawn.includes('locate:proposal:0')")
        page.evaluate("document.querySelector('[data-locate-numbers]').scrollIntoView()")
        screenshot(page, "cop-locate.png")

        page.fill("[data-proposal] textarea[name=remarks]", "HELO 2-2 at first light, parallel sweep")
        page.click("[data-adopt-plan]")
        plan = page.locator("[data-plan='P1']")
        expect(plan).to_be_visible(timeout=10000)
        expect(plan).to_contain_text("HELO 2-2")
        expect(page.locator("[data-adopted-plan]")).to_contain_text("Adopted P1")
        expect(page.locator("[data-proposal]")).to_have_count(0)
        page.wait_for_function("window.__cop.locateMap.areaIdsDrawn.includes('locate:plan:P1:0')")

        # the map for another time within the model's horizon: 12 h after the last known position
        start = datetime.fromisoformat(shown["model"]["start"])
        page.eval_on_selector(
            "[data-locate-time]",
            "el => { el.value = '720'; el.dispatchEvent(new Event('input', { bubbles: true }));"
            " el.dispatchEvent(new Event('change', { bubbles: true })); }",
        )
        wanted = (start + timedelta(hours=12)).timestamp() * 1000
        page.wait_for_function(
            "t => Math.abs(Date.parse(document.querySelector('[data-locate-at]').dataset.locateAt) - t)"
            " < 60000",
            arg=wanted,
            timeout=10000,
        )
        at = page.locator("[data-locate-at]")
        later = at.get_attribute("data-locate-at") or ""
        expect(at).to_have_text(re.compile(r"^\d{6}Z [A-Z]{3} \d{2}$"))  # a DTG
        page.wait_for_function(
            "at => window.__cop.locateMap.pictureDrawn.includes('at=' + encodeURIComponent(at))", arg=later
        )
        page.click("[data-locate-now]")
        expect(at).not_to_have_attribute("data-locate-at", later, timeout=10000)
        context.close()

    def test_no_model_says_so_and_an_observer_is_refused_the_adoption(
        self, browser: Browser, demo_url: str
    ) -> None:
        context, page = logged_in(browser, demo_url, "observer", "demo-observer")
        page.goto(f"{demo_url}/#/incident/PR-RAVEN21")
        expect(page.locator("[data-locate='none']")).to_have_text("No search model yet.", timeout=10000)
        page.goto(f"{demo_url}/#/incident/PR-KNIGHT44")
        expect(page.locator("[data-locate='shown']")).to_be_visible(timeout=10000)
        fill_asset(page, 0, "HELO 2-2", "2000", "90", "2", "any")
        page.click("[data-add-asset]")
        fill_asset(page, 1, "RHIB 1", "500", "20", "3", "water")
        page.click("[data-propose]")
        expect(page.locator("[data-proposed-area]")).to_have_count(2, timeout=10000)
        page.click("[data-adopt-plan]")
        expect(page.locator("[data-error-for='plan']")).to_contain_text("may not adopt", timeout=10000)
        expect(page.locator("[data-plan]")).to_have_count(0)
        # the probability map goes on the main map too, fitted to it
        page.click("[data-locate-main]")
        page.wait_for_function(
            "window.__cop && window.__cop.map && window.__cop.map.pictureDrawn.includes('/locate/map')",
            timeout=10000,
        )
        expect(page.locator("[data-layer-toggle='probability']")).to_be_checked()
        spot = page.evaluate("window.__cop.map.screenPosition('locate:mean:PR-KNIGHT44')")
        canvas = page.locator(".map-canvas").bounding_box()
        assert spot is not None
        assert canvas is not None
        page.mouse.click(canvas["x"] + spot["x"], canvas["y"] + spot["y"])
        expect(page.locator("[data-card='locate:mean:PR-KNIGHT44']")).to_contain_text("mean position 32S PJ")
        page.click("[data-layer-toggle='probability']")
        page.wait_for_function("window.__cop.map.pictureDrawn === ''")

        # a search recorded elsewhere that swept the whole map and found nothing: the page follows,
        # and warns that the model no longer fits what is known
        page.go_back()
        expect(page.locator("[data-locate-numbers]")).to_have_attribute("data-warn", "no", timeout=10000)
        bounds = locate_as_shown(context, page, demo_url, "PR-KNIGHT44")["map"]
        now = datetime.now(UTC)
        south, west, north, east = (bounds[k] for k in ("south", "west", "north", "east"))
        corners = [
            (north + 0.05, west - 0.05),
            (north + 0.05, east + 0.05),
            (south - 0.05, east + 0.05),
            (south - 0.05, west - 0.05),
        ]
        token = httpx2.post(
            f"{demo_url}/api/auth/token", data={"username": "controller", "password": "demo-controller"}
        )
        swept = httpx2.post(
            f"{demo_url}/api/incidents/PR-KNIGHT44/locate/information",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            json={
                "at": (now - timedelta(minutes=20)).isoformat(),
                "body": {
                    "kind": "searched",
                    "polygon": [{"lat": lat, "lon": lon} for lat, lon in corners],
                    "sweep_width_m": 2000,
                    "track_spacing_m": 100,
                    "ended_at": (now - timedelta(minutes=5)).isoformat(),
                    "asset": "P-8 POSEIDON",
                },
                "source": "P-8 radar and visual sweep, nothing seen",
            },
        )
        assert swept.status_code == 201, swept.text
        expect(page.locator("[data-locate-numbers]")).to_have_attribute("data-warn", "yes", timeout=10000)
        expect(page.locator("[data-locate-notes]")).to_contain_text("redefine the search model")
        expect(page.locator("[data-info='I3']")).to_contain_text("P-8 POSEIDON")
        # the proposal made before it is taken down: adopting it now would record something else
        expect(page.locator("[data-proposal]")).to_have_count(0)
        expect(page.locator("[data-proposal-dropped]")).to_contain_text("propose again")
        page.evaluate("document.querySelector('[data-locate-numbers]').scrollIntoView()")
        screenshot(page, "cop-locate-warning.png")
        context.close()


class TestStrandedOnTheShore:
    def test_a_raft_blown_ashore_shows_on_its_own_layer_on_the_shore(self, browser: Browser, demo_url: str):
        """A life raft 8 km off Sardinia's east coast with the wind toward the land: a day on it is
        on the shore, and the panel says how much and draws where, on a layer of its own."""
        now = datetime.now(UTC)
        off_tortoli = {"lat": 39.6, "lon": 9.75}

        def bearer(username: str) -> dict[str, str]:
            token = httpx2.post(
                f"{demo_url}/api/auth/token", data={"username": username, "password": f"demo-{username}"}
            )
            return {"Authorization": f"Bearer {token.json()['access_token']}"}

        reported = httpx2.post(
            f"{demo_url}/api/incidents",
            headers=bearer("jfmcc"),
            json={
                "incident_id": "PR-ONSHORE",
                "title": "PR-ONSHORE: a life raft off Tortolì",
                "owning_component": "JFMCC",
                "isolating_event_at": (now - timedelta(hours=25)).isoformat(),
                "position": off_tortoli,
                "uncertainty_m": 1000,
                "channel": "beacon",
                "source_confidence": "confirmed",
                "environment": "maritime",
                "persons": [{"name": "LT R. Cole", "service": "USN", "component_id": "JFMCC"}],
            },
        )
        assert reported.status_code == 201, reported.text
        defined = httpx2.put(
            f"{demo_url}/api/incidents/PR-ONSHORE/locate/model",
            headers=bearer("controller"),
            json={
                "movement": {"kind": "maritime", "object_class": "AVIATION-1", "wind_east_ms": -10.0},
                "start": (now - timedelta(hours=24)).isoformat(),
                "position": off_tortoli,
                "radius95_m": 1000,
                "horizon_h": 30,
                "particles": 5000,
                "seed": 21,
            },
            timeout=60,
        )
        assert defined.status_code == 200, defined.text

        context, page = logged_in(browser, demo_url, "controller", "demo-controller")
        page.goto(f"{demo_url}/#/incident/PR-ONSHORE")
        expect(page.locator("[data-locate='shown']")).to_be_visible(timeout=10000)
        shown = locate_as_shown(context, page, demo_url, "PR-ONSHORE")
        stranded = shown["stranded"]
        assert stranded["probability"] > 0.9
        figure = page.locator("[data-stranded]")
        assert float(figure.get_attribute("data-value") or "nan") == stranded["probability"]
        expect(figure).to_have_text(percent(stranded["probability"]))
        expect(page.locator("[data-stranded-key]")).to_contain_text("stranded on the shore")
        expect(page.locator("[data-locate-numbers]")).to_have_attribute("data-warn", "yes")
        expect(page.locator("[data-locate-notes]")).to_contain_text("search the shoreline")

        # the shore's cells on the map, each drawn; the layer turns off and on by itself
        drawn = "window.__cop.locateMap.areaIdsDrawn"
        toggle = page.locator("[data-locate-layer='stranded']")
        expect(toggle).to_be_checked()
        page.wait_for_function(
            "n => window.__cop && window.__cop.locateMap"
            f" && {drawn}.filter(i => i.startsWith('locate:stranded:')).length === n",
            arg=len(stranded["cells"]),
            timeout=10000,
        )
        page.evaluate("document.querySelector('[data-locate-numbers]').scrollIntoView()")
        screenshot(page, "cop-locate-stranded.png")
        # a click on the likeliest stretch of shore says what lies there and how to search it
        top = stranded["cells"][0]
        lat, lon = (top["south"] + top["north"]) / 2, (top["west"] + top["east"]) / 2
        page.evaluate(f"window.__cop.locateMap.centerOn({lat}, {lon}, 15)")
        spot = page.evaluate(f"window.__cop.locateMap.toScreen({lat}, {lon})")
        canvas = page.locator("[data-locate-map] .map-canvas").bounding_box()
        assert canvas is not None
        page.mouse.click(canvas["x"] + spot["x"], canvas["y"] + spot["y"])
        card = page.locator("[data-locate-card]")
        expect(card).to_contain_text(f"stranded on the shore: {top['probability'] * 100:.2f} % in this cell")
        expect(card).to_contain_text("shoreline search")
        toggle.click()
        page.wait_for_function(f"!{drawn}.some(i => i.startsWith('locate:stranded:'))")
        page.wait_for_function(f"{drawn}.includes('locate:containment:50')")  # the others stay
        toggle.click()
        page.wait_for_function(f"{drawn}.includes('locate:stranded:0')")
        context.close()
