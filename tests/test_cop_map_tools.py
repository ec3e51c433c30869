"""The map's tools, in Chromium: range and bearing between two points and from any symbol (checked
against the WGS-84 geodesic), range rings, labels that never overlap, and incidents clustered at
theater zoom. The map opens on the theater, not on a sea of blank land."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect
from pyproj import Geod

from jprcc.api.app import create_app
from jprcc.brokering import commands as cmd
from jprcc.core.clock import ManualClock
from jprcc.core.model import Actor, Environment, Position, ReportChannel, Role, SourceConfidence
from jprcc.core.node import Node, bootstrap
from jprcc.core.values import PersonReport
from jprcc.intel.planning.threat import Grid
from tests.browser import logged_in, screenshot
from tests.conftest import demo_copy, fast_settings, load_theater
from tests.server import serving
from tests.test_cop import PASSWORDS, _node
from tests.test_terrain import write_raster

WGS84 = Geod(ellps="WGS84")
READING = re.compile(r"([\d.]+) km · [\d.]+ NM · (\d{3})° T")


@pytest.fixture
def live_demo(tmp_path: Path, demo_snapshot: Path) -> Iterator[tuple[str, Node]]:
    """The demo served, and its node (to write to it as another user would)."""
    node = _node(tmp_path, with_script=True, snapshot=demo_snapshot)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url, node
    node.close()


@pytest.fixture
def demo_url(live_demo: tuple[str, Node]) -> str:
    return live_demo[0]


def on_map(page: Page) -> dict[str, float]:
    page.wait_for_function(
        "window.__cop && window.__cop.map && window.__cop.map.drawnCount >= 39", timeout=15000
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
        assert drawn == 39  # the whole theater in view at once
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


@pytest.fixture
def relief_url(tmp_path: Path, demo_snapshot: Path) -> Iterator[str]:
    """The demo with an elevation file: a 1,800 m massif over central Sardinia (the Gennargentu)."""
    grid = Grid(39.0, 8.0, 41.0, 10.0, 300, 300)
    lats, lons = grid.centres()
    heights = 1800.0 * np.exp(-(((lats - 40.0) * 111) ** 2 + ((lons - 9.2) * 85) ** 2) / 72.0)
    dem = write_raster(tmp_path / "massif.tif", grid, heights)
    settings = fast_settings(demo_copy(demo_snapshot, tmp_path, "relief.sqlite3"), tmp_path)
    node = bootstrap(settings.model_copy(update={"terrain_elevation": dem}), migrate=True)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


class TestTheBasemap:
    def test_with_an_elevation_file_the_relief_is_shaded_under_the_symbols(
        self, browser: Browser, relief_url: str
    ):
        context, page = logged_in(browser, relief_url, "controller", PASSWORDS["controller"])
        shaded: list[int] = []
        page.on(
            "response",
            lambda r: shaded.append(r.status) if "/api/intel/hillshade/" in r.url else None,
        )
        on_map(page)
        # closer than the opening view: its tiles cannot have been asked for yet
        page.evaluate("window.__cop.map.centerOn(40.0, 9.2, 11)")
        page.wait_for_function("Math.abs(window.__cop.map.zoom - 11) < 0.01")
        for _ in range(50):  # tiles over the massif come back drawn (within 10 s)
            if 200 in shaded:
                break
            page.wait_for_timeout(200)
        assert 200 in shaded
        screenshot(page, "cop-relief.png")
        context.close()

    def test_the_node_serves_the_basemap_and_the_map_names_the_towns_where_they_are(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        on_map(page)
        page.wait_for_function("window.__cop.map.basemapTilesLoaded > 0")
        # nothing leaves the node: every request the map made went to it
        assert all(url.startswith(demo_url) for url in asked)
        # Cagliari (GeoNames: 39.23054 N, 9.11917 E) is named at its own place at zoom 10
        page.evaluate("window.__cop.map.centerOn(39.23054, 9.11917, 10)")
        page.wait_for_function("window.__cop.map.basemapTilesLoaded > 2")
        spot = page.evaluate("window.__cop.map.toScreen(39.23054, 9.11917)")
        page.wait_for_function(
            f"window.__cop.map.placesAt({spot['x']}, {spot['y']})"
            ".then(n => (window.__names = n, n.includes('Cagliari')))",
            timeout=10000,
        )
        # and not 20 km away, in the sea south of it
        south = page.evaluate("window.__cop.map.toScreen(39.05, 9.11917)")
        names = page.evaluate(f"window.__cop.map.placesAt({south['x']}, {south['y']})")
        assert "Cagliari" not in names
        # at a continent's zoom the capitals are named already (Paris, 48.85341 N 2.3488 E)
        page.evaluate("window.__cop.map.centerOn(48.85341, 2.3488, 3)")
        paris = page.evaluate("window.__cop.map.toScreen(48.85341, 2.3488)")
        page.wait_for_function(
            f"window.__cop.map.placesAt({paris['x']}, {paris['y']}).then(n => n.includes('Paris'))",
            timeout=10000,
        )
        page.wait_for_timeout(1000)  # the picture settled, for the eye
        screenshot(page, "cop-basemap-europe.png")
        screenshot(page, "cop-basemap-cagliari.png")
        context.close()

    def test_the_mgrs_grid_follows_the_utm_zone_and_names_its_squares(self, browser: Browser, demo_url: str):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        on_map(page)
        page.evaluate("window.__cop.map.centerOn(40.0, 9.0, 8)")
        page.wait_for_function("window.__cop.map.grid.labels.some(l => l.kind === 'square')")
        grid = page.evaluate("window.__cop.map.grid")
        squares = {label["text"] for label in grid["labels"] if label["kind"] == "square"}
        # the 100 km squares round Nuoro and Cagliari, as the MGRS tables name them
        assert {"32TNK", "32SNJ"} <= squares
        # easting 500 000 m of zone 32 is its central meridian, 9° E, straight north to south
        meridian = [
            line
            for line in grid["lines"]
            if all(abs(lon - 9.0) < 1e-6 for _, lon in line["points"]) and len(line["points"]) > 1
        ]
        assert meridian
        # at zoom 11 the 10 km lines come, numbered along the top edge of the view
        page.evaluate("window.__cop.map.centerOn(40.0, 9.0, 11)")
        page.wait_for_function("window.__cop.map.grid.labels.some(l => l.kind === 'line')")
        numbers = page.evaluate(
            "window.__cop.map.grid.labels.filter(l => l.kind === 'line').map(l => [l.lon, l.text])"
        )
        # easting 500 000 m is the "0" line of its 100 km square, numbered where it meets the top
        assert [text for lon, text in numbers if abs(lon - 9.0) < 1e-6] == ["0"]
        # the next one east, 510 000 m, is "1": about 0.117° of longitude further at 40° N
        assert any(text == "1" and 9.10 < lon < 9.13 for lon, text in numbers)
        screenshot(page, "cop-mgrs-grid.png")
        # dragged past the date line, the map is the same world: the grid is drawn there too
        page.evaluate("window.__cop.map.centerOn(0, 179.5, 5)")
        page.evaluate("window.__cop.map.panBy(-1500, 0)")
        page.wait_for_function(
            "(b => b.west > -180 && b.east < 180 && b.west < b.east)(window.__cop.map.viewBounds())"
            " && window.__cop.map.grid.labels.length > 0",
            timeout=10000,
        )
        context.close()

    def test_a_view_the_user_chose_stays_when_the_window_changes_size(self, browser: Browser, demo_url: str):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        on_map(page)
        fitted = page.evaluate("window.__cop.map.zoom")
        page.click(".ol-zoom-in")  # the engine's own button, not one of the map's methods
        page.wait_for_function(
            f"window.__cop.map.zoom > {fitted} + 0.9 && !window.__cop.map.ol.getView().getAnimating()"
        )
        chosen = page.evaluate("window.__cop.map.zoom")
        page.set_viewport_size({"width": 1300, "height": 800})
        page.wait_for_timeout(500)
        assert page.evaluate("window.__cop.map.zoom") == pytest.approx(chosen)
        context.close()


class TestLive:
    def test_a_new_incident_appears_and_a_new_fix_moves_its_symbol_without_a_reload(
        self, browser: Browser, live_demo: tuple[str, Node]
    ):
        url, node = live_demo
        context, page = logged_in(browser, url, "controller", PASSWORDS["controller"])
        on_map(page)
        controller = Actor("controller", Role.JPRCC_CONTROLLER)
        # the pilot and the weapons officer of one aircraft: two seats, one place
        for incident_id, person, role in (("PR-LIVE1", "L. Ive", "pilot"), ("PR-LIVE2", "W. So", "WSO")):
            node.bus.handle(
                cmd.ReportIncident(
                    incident_id=incident_id,
                    title=f"{incident_id} ejected",
                    owning_component="JFACC",
                    isolating_event_at=datetime.now(UTC) - timedelta(minutes=2),
                    position=Position(39.9, 8.9),
                    uncertainty_m=300,
                    channel=ReportChannel.BEACON,
                    source_confidence=SourceConfidence.PROBABLY_TRUE,
                    persons=(PersonReport(person, "USAF", "JFACC", role),),
                    environment=Environment.LAND,
                ),
                controller,
            )
        page.wait_for_function("window.__cop.map.drawnCount === 41", timeout=10000)
        # two symbols at one place are fanned out round it, each to be clicked on its own
        two = page.evaluate(
            "['PR-LIVE1', 'PR-LIVE2'].map(id => window.__cop.map.screenPosition('incident:' + id))"
        )
        assert two[0] != two[1]
        box = on_map(page)
        page.mouse.click(box["x"] + two[1]["x"], box["y"] + two[1]["y"])
        expect(page.locator("[data-card='PR-LIVE2']")).to_be_visible()
        page.mouse.click(box["x"] + two[0]["x"], box["y"] + two[0]["y"])
        expect(page.locator("[data-card='PR-LIVE1']")).to_be_visible()
        node.bus.handle(
            cmd.UpdatePosition(
                incident_id="PR-LIVE1",
                position=Position(40.1, 9.1),
                uncertainty_m=150,
                channel=ReportChannel.BEACON,
                source_confidence=SourceConfidence.CONFIRMED,
            ),
            controller,
        )
        moved = page.evaluate("window.__cop.map.toScreen(40.1, 9.1)")  # alone there: not fanned out
        page.wait_for_function(
            "(p => p && Math.abs(p.x - {x}) < 1 && Math.abs(p.y - {y}) < 1)"
            "(window.__cop.map.screenPosition('incident:PR-LIVE1'))".format(**moved),
            timeout=10000,
        )
        assert page.evaluate("window.__cop.map.drawnCount") == 41  # moved, not doubled
        context.close()
