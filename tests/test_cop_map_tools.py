"""The map's tools, in Chromium: range and bearing between two points and from any symbol (checked
against the WGS-84 geodesic), range rings, labels that never overlap, and incidents clustered at
theater zoom. The map opens on the theater, not on a sea of blank land."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pyproj import Geod

from jprcc.api.app import create_app
from jprcc.brokering import commands as cmd
from jprcc.core.clock import ManualClock
from jprcc.core.model import Environment, Position, ReportChannel, SourceConfidence
from jprcc.core.node import bootstrap
from jprcc.core.values import PersonReport
from tests.browser import logged_in, screenshot
from tests.conftest import fast_settings, load_theater
from tests.server import serving
from tests.test_cop import PASSWORDS, _node

WGS84 = Geod(ellps="WGS84")
READING = re.compile(r"([\d.]+) km · [\d.]+ NM · (\d{3})° T")


@pytest.fixture
def demo_url(tmp_path: Path, demo_snapshot: Path) -> Iterator[str]:
    node = _node(tmp_path, with_script=True, snapshot=demo_snapshot)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def on_map(page: Page) -> dict[str, float]:
    page.wait_for_function(
        "window.__cop && window.__cop.map && window.__cop.map.drawnCount >= 37", timeout=15000
    )
    box = page.locator(".map-canvas").bounding_box()
    assert box is not None
    return box


def screen_of(page: Page, item: str) -> dict[str, float]:
    spot = page.evaluate(f"window.__cop.map.screenPosition('{item}')")
    assert spot is not None, item
    return spot


def lat_lon_at(page: Page, spot: dict[str, float]) -> tuple[float, float]:
    at = page.evaluate(f"window.__cop.map.toLatLon({spot['x']}, {spot['y']})")
    return at["lat"], at["lon"]


def check_reading(text: str, a: tuple[float, float], b: tuple[float, float]) -> None:
    """The reading against the WGS-84 geodesic: the range within 0.5 %, the bearing within 0.5°."""
    found = READING.search(text)
    assert found, text
    bearing, _, metres = WGS84.inv(a[1], a[0], b[1], b[0])
    assert float(found.group(1)) * 1000 == pytest.approx(metres, rel=0.005)
    assert abs((int(found.group(2)) - bearing % 360 + 180) % 360 - 180) <= 0.6


class TestMeasuring:
    def test_range_and_bearing_between_two_clicked_points_match_the_geodesic(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        box = on_map(page)
        west, east = screen_of(page, "asset:SEA-DOG-1"), screen_of(page, "incident:PR-KNIGHT44")
        page.keyboard.press("d")
        expect(page.locator("[data-measure]")).to_have_attribute("data-measure", "on")
        page.mouse.click(box["x"] + west["x"] + 25, box["y"] + west["y"] + 25)  # beside the symbol: the map
        page.mouse.move(box["x"] + east["x"] + 25, box["y"] + east["y"] + 25)
        page.mouse.click(box["x"] + east["x"] + 25, box["y"] + east["y"] + 25)
        a = lat_lon_at(page, {"x": west["x"] + 25, "y": west["y"] + 25})
        b = lat_lon_at(page, {"x": east["x"] + 25, "y": east["y"] + 25})
        reading = page.locator("[data-measure-reading]")
        expect(reading).to_contain_text("NM")
        check_reading(reading.inner_text(), a, b)
        screenshot(page, "cop-measure.png")
        page.keyboard.press("Escape")
        expect(page.locator("[data-measure]")).to_have_attribute("data-measure", "off")
        context.close()

    def test_range_and_bearing_from_a_symbol_follow_the_cursor(self, browser: Browser, demo_url: str):
        import httpx2

        from tests.test_cop import token_of

        assets = httpx2.get(f"{demo_url}/api/assets", headers=token_of(demo_url, "controller")).json()
        base = next(a["base"] for a in assets if a["asset_id"] == "KNIGHT-41")
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        box = on_map(page)
        knight = screen_of(page, "asset:KNIGHT-41")
        page.mouse.click(box["x"] + knight["x"], box["y"] + knight["y"])
        expect(page.locator("[data-card='KNIGHT-41']")).to_be_visible()
        page.click("[data-measure-from]")
        raft = screen_of(page, "incident:PR-KNIGHT44")
        page.mouse.move(box["x"] + raft["x"], box["y"] + raft["y"])
        reading = page.locator("[data-measure-reading]")
        expect(reading).to_contain_text("° T")
        check_reading(reading.inner_text(), (base["lat"], base["lon"]), lat_lon_at(page, raft))
        context.close()

    def test_range_rings_are_drawn_around_a_symbol_and_a_bad_range_is_named(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        box = on_map(page)
        sa8 = screen_of(page, "asset:KNIGHT-41")
        page.mouse.click(box["x"] + sa8["x"], box["y"] + sa8["y"])
        page.fill("[data-rings]", "10, twenty")
        page.click("[data-draw-rings]")
        expect(page.locator(".symbol-tools .error")).to_contain_text('"twenty" is not a range')
        page.fill("[data-rings]", "10, 25 nm, 50")
        page.click("[data-draw-rings]")
        rings = page.evaluate("window.__cop.map.areaIds.filter(id => id.startsWith('ring:'))")
        assert sorted(rings) == ["ring:10000", "ring:46300", "ring:50000"]
        screenshot(page, "cop-range-rings.png")
        context.close()


class TestLabelsAndOpeningView:
    def test_the_map_opens_on_the_theater_with_labels_none_over_another(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        on_map(page)
        drawn = page.evaluate("window.__cop.map.drawnCount")
        assert drawn == 37  # the whole theater in view at once
        assert page.evaluate("window.__cop.map.labelsDrawn") >= 15
        context.close()


@pytest.fixture
def crowded_url(tmp_path: Path) -> Iterator[str]:
    """Six hundred open incidents over the island: a theater's worth for clustering."""
    node = bootstrap(fast_settings(f"sqlite:///{tmp_path / 'crowd.sqlite3'}", tmp_path), migrate=True)
    clock = ManualClock(datetime.now(UTC))
    cast = load_theater(node, clock)
    for n in range(600):
        node.bus.handle(
            cmd.ReportIncident(
                incident_id=f"PR-C{n:04d}",
                title=f"CROWD {n}",
                owning_component="JFACC",
                isolating_event_at=clock.now - timedelta(minutes=5),
                position=Position(39.2 + (n % 25) * 0.04, 8.6 + (n // 25) * 0.04),
                uncertainty_m=200,
                channel=ReportChannel.VOICE,
                source_confidence=SourceConfidence.PROBABLY_TRUE,
                persons=(PersonReport(f"Person {n}", "USAF", "JFACC", ""),),
                environment=Environment.LAND,
            ),
            cast["controller"],
        )
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


@pytest.mark.long  # six hundred incidents seeded behind a real page
class TestClustering:
    def test_many_incidents_cluster_at_theater_zoom_and_a_cluster_opens_by_zooming_in(
        self, browser: Browser, crowded_url: str
    ):
        context, page = logged_in(browser, crowded_url, "controller", PASSWORDS["controller"])
        page.wait_for_function(
            "window.__cop && window.__cop.map && window.__cop.map.clusterCount > 0", timeout=20000
        )
        drawn = page.evaluate("window.__cop.map.drawnCount")
        clusters = page.evaluate("window.__cop.map.clusterCount")
        assert drawn < 300, "six hundred incidents are not six hundred symbols at theater zoom"
        assert clusters >= 5
        screenshot(page, "cop-clusters.png")
        spot = page.evaluate(
            "(() => { const m = window.__cop.map; const d = m.drawn.find(([i]) => i.kind === 'cluster');"
            " return m.screenPosition(d[0].id); })()"
        )
        box = page.locator(".map-canvas").bounding_box()
        assert box is not None
        before = page.evaluate("window.__cop.map.viewBounds()")
        page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
        half = (before["north"] - before["south"]) / 2
        page.wait_for_function(f"(b => b.north - b.south < {half})(window.__cop.map.viewBounds())")
        context.close()
