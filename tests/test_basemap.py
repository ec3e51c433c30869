"""The map's offline basemap: vector tiles of land, borders and place names, packaged with the page
and served tile by tile; and the relief of the configured elevation as hillshade tiles.

The hillshade is checked against the ArcGIS worked example (a 3×3 window of 5 m cells gives 154)
and against planes whose lighting is known, so that a flipped axis, a dropped weight or a light
from the wrong side fails."""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import mapbox_vector_tile as mvt
import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from jprcc.api.app import BASEMAP, create_app
from jprcc.core.basemap import PACK_MAGIC, VectorPack
from jprcc.core.clock import ManualClock
from jprcc.core.node import bootstrap
from jprcc.demo import load_demo
from jprcc.intel.planning import hillshade
from jprcc.intel.planning.threat import Grid
from tests.api_helpers import Api
from tests.conftest import T0, Cast, fast_settings
from tests.test_terrain import write_raster

# --- hillshade numerics ----------------------------------------------------------------------------


def test_the_arcgis_worked_example_gives_154():
    window = np.array([[2450, 2461, 2483], [2452, 2461, 2483], [2447, 2455, 2477]], dtype=float)
    lit = hillshade.shade(window, 5.0, 5.0)  # azimuth 315°, altitude 45°: the defaults of the example
    assert round(255 * lit[1, 1]) == 154


def plane(east_rise: float, north_rise: float, cell_m: float = 30.0, n: int = 5) -> np.ndarray:
    """Heights of a plane rising ``east_rise`` per metre eastward and ``north_rise`` northward, with
    row 0 at the north edge."""
    cols = np.arange(n) * cell_m
    rows = np.arange(n) * cell_m  # southward
    return east_rise * cols[None, :] - north_rise * rows[:, None]


def lit_at_centre(heights: np.ndarray, azimuth: float = 315.0, altitude: float = 45.0) -> float:
    return float(hillshade.shade(heights, 30.0, 30.0, azimuth, altitude)[2, 2])


class TestHillshadeLighting:
    def test_flat_ground_is_lit_by_the_sine_of_the_suns_altitude(self):
        assert lit_at_centre(np.zeros((5, 5)), altitude=30) == pytest.approx(0.5)

    def test_a_slope_facing_the_light_is_brighter_and_one_facing_away_is_darker(self):
        flat = lit_at_centre(np.zeros((5, 5)))
        facing_nw = lit_at_centre(plane(east_rise=0.3, north_rise=-0.3))  # falls toward the north-west
        facing_se = lit_at_centre(plane(east_rise=-0.3, north_rise=0.3))
        assert facing_nw > flat > facing_se

    @pytest.mark.parametrize(
        ("east_rise", "north_rise", "azimuth"),
        [(-0.5, 0.0, 90.0), (0.5, 0.0, 270.0), (0.0, -0.5, 0.0), (0.0, 0.5, 180.0)],
        ids=["faces east", "faces west", "faces north", "faces south"],
    )
    def test_each_side_of_a_hill_is_lit_most_by_a_sun_in_front_of_it(self, east_rise, north_rise, azimuth):
        # a slope of gradient g facing the sun at altitude a: cos(atan g) sin a + sin(atan g) cos a
        heights = plane(east_rise, north_rise)
        g = math.atan(0.5)
        alt = math.radians(45)
        expected = math.cos(g) * math.sin(alt) + math.sin(g) * math.cos(alt)
        assert lit_at_centre(heights, azimuth) == pytest.approx(expected)
        assert lit_at_centre(heights, (azimuth + 180) % 360) == pytest.approx(
            math.cos(g) * math.sin(alt) - math.sin(g) * math.cos(alt)
        )

    def test_a_degree_of_longitude_shrinks_with_latitude(self):
        # the same rise per degree of longitude is steeper (darker facing away) at 60° than at 0°
        values = np.tile(np.arange(5, dtype=float) * -20.0, (5, 1))  # falls eastward: faces east
        near_equator = hillshade.shade_raster(values, -0.02, 0.02, 0.0, 0.05)
        near_pole = hillshade.shade_raster(values, 59.98, 60.02, 0.0, 0.05)
        assert near_pole[2, 2] < near_equator[2, 2]  # lit from the north-west: an east face is in shade

    @settings(max_examples=60, deadline=None)
    @given(
        st.floats(-2, 2),
        st.floats(-2, 2),
        st.floats(0, 359.9),
        st.floats(5, 85),
    )
    def test_the_shade_of_any_plane_is_the_cosine_between_its_normal_and_the_light(self, ex, ny, az, alt):
        normal = np.array([-ex, -ny, 1.0]) / math.sqrt(ex * ex + ny * ny + 1)
        a, h = math.radians(az), math.radians(alt)
        light = np.array([math.sin(a) * math.cos(h), math.cos(a) * math.cos(h), math.sin(h)])
        expected = max(0.0, float(normal @ light))
        assert lit_at_centre(plane(ex, ny), az, alt) == pytest.approx(expected, abs=1e-9)


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int, int]:
    """The Web Mercator tile (z, x, y) holding a place."""
    n = 2**z
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, int((lon + 180) / 360 * n), y


class TestHillshadeTiles:
    def test_a_tile_lies_where_its_mercator_bounds_say(self):
        south, west, north, east = hillshade.tile_bounds(0, 0, 0)
        assert (west, east) == (-180.0, 180.0)
        assert north == pytest.approx(85.0511287798)
        assert south == pytest.approx(-85.0511287798)
        lats, lons = hillshade.tile_centres(1, 1, 0)  # the north-east quarter of the world
        assert lats.min() > 0
        assert lons.min() > 0
        assert lats[0, 0] > lats[-1, 0]  # row 0 at the north
        assert lons[0, 0] < lons[0, -1]

    def test_a_ridge_shades_its_south_east_side_dark_and_its_north_west_side_light(self):
        # a ridge along 40° N, 9°-10° E, over a raster of 0.001° cells
        rows, cols = 400, 400
        lat = 40.2 - (np.arange(rows) + 0.5) * 0.4 / rows
        heights = np.repeat((5000 - 100_000 * np.abs(lat - 40.0))[:, None], cols, axis=1).clip(0)
        lit = hillshade.shade_raster(heights, 39.8, 40.2, 8.8, 9.8)
        z, x, y = tile_of(40.0, 9.2, 10)  # a tile over the ridge
        s, w, n, e = hillshade.tile_bounds(z, x, y)
        assert s < 40.0 < n
        assert 8.8 < w < e < 9.8
        rgba = hillshade.tile_rgba(lit, (39.8, 8.8, 40.2, 9.8), z, x, y)
        assert rgba is not None
        lats, _ = hillshade.tile_centres(z, x, y)
        north_face = (lats > 40.005) & (lats < 40.045)
        south_face = (lats < 39.995) & (lats > 39.955)
        # the north face is lit (white), the south face in shadow (black)
        assert rgba[..., 0][north_face].mean() > 200
        assert rgba[..., 3][north_face].mean() > 0
        assert rgba[..., 0][south_face].mean() < 50
        assert rgba[..., 3][south_face].mean() > 60

    def test_a_tile_outside_the_elevation_is_none_and_flat_ground_is_clear(self):
        lit = np.full((10, 10), math.sin(math.radians(45)))
        assert hillshade.tile_rgba(lit, (39.0, 8.0, 41.0, 10.0), 8, 0, 0) is None
        x, y = 134, 97  # a tile over 40° N, 9° E at zoom 8
        rgba = hillshade.tile_rgba(lit, (39.0, 8.0, 41.0, 10.0), 8, x, y)
        assert rgba is not None
        assert rgba[..., 3].max() == 0


# --- served ------------------------------------------------------------------------------------


def read_png(data: bytes) -> np.ndarray:
    """The RGBA pixels of a PNG as this project writes it (8-bit RGBA, filter 0)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, 1 + 4 * width)
    return rows[:, 1:].reshape(height, width, 4)


@pytest.fixture(scope="module")
def relief_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("relief")
    grid = Grid(39.0, 8.0, 41.0, 10.0, 400, 400)
    lats, lons = grid.centres()
    heights = 1500.0 * np.exp(-(((lats - 40.0) * 111) ** 2 + ((lons - 9.0) * 85) ** 2) / 400.0)
    dem = write_raster(tmp / "hill.tif", grid, heights)
    settings_ = fast_settings(f"sqlite:///{tmp / 'relief.sqlite3'}", tmp).model_copy(
        update={"terrain_elevation": dem}
    )
    node = bootstrap(settings_, clock=ManualClock(T0), migrate=True)
    load_demo(node)
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        yield Api(client, Cast({}, {"observer": "demo-observer"}))
    node.close()


class TestServed:
    def test_the_page_is_told_there_is_relief_and_the_hill_is_shaded(self, relief_api: Api):
        assert relief_api.client.get("/api/config").json()["hillshade"] is True
        # zoom 9 over the hill's north-west flank at 40.1° N, 8.9° E
        _, x, y = tile_of(40.1, 8.9, 9)
        answer = relief_api.client.get(
            f"/api/intel/hillshade/9/{x}/{y}.png", headers=relief_api.headers("observer")
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/png"
        pixels = read_png(answer.content)
        assert pixels.shape == (256, 256, 4)
        assert pixels[..., 3].max() > 0  # the hill shows

    def test_a_tile_away_from_the_elevation_is_empty_and_a_bad_address_is_refused(self, relief_api: Api):
        headers = relief_api.headers("observer")
        assert relief_api.client.get("/api/intel/hillshade/9/0/0.png", headers=headers).status_code == 204
        assert relief_api.client.get("/api/intel/hillshade/2/9/0.png", headers=headers).status_code == 204
        refused = relief_api.client.get("/api/intel/hillshade/30/0/0.png", headers=headers)
        assert refused.status_code == 422
        assert "z" in refused.text

    def test_tiles_are_for_signed_in_users_only(self, relief_api: Api):
        relief_api.client.cookies.clear()  # no session: neither a cookie nor a token
        assert relief_api.client.get("/api/intel/hillshade/9/0/0.png").status_code == 401
        assert relief_api.client.get("/api/basemap/0/0/0.pbf").status_code == 401


@pytest.mark.skipif(not BASEMAP.available, reason="the page (and its basemap) has not been built")
class TestTheWorldBasemap:
    def test_the_pack_holds_the_world_at_every_zoom_to_eight(self):
        data = BASEMAP.path.read_bytes()
        assert data[:8] == PACK_MAGIC
        (length,) = struct.unpack_from("<I", data, 8)
        head = json.loads(data[12 : 12 + length])
        assert head["max_zoom"] == 8
        zooms = {int(key.split("/")[0]) for key in head["tiles"]}
        assert zooms == set(range(9))

    def test_sardinia_has_land_borders_elsewhere_and_its_towns_by_name(self, relief_api: Api):
        headers = relief_api.headers("observer")
        # zoom 8 over Cagliari (39.22 N, 9.12 E)
        _, x, y = tile_of(39.22, 9.12, 8)
        answer = relief_api.client.get(f"/api/basemap/8/{x}/{y}.pbf", headers=headers)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/vnd.mapbox-vector-tile"
        tile = mvt.decode(answer.content)
        assert tile["land"]["features"]
        names = {f["properties"]["name"] for f in tile["places"]["features"]}
        assert "Cagliari" in names
        # France and Spain share a border in the Pyrenees (42.6 N, 1.0 E) at zoom 5
        _, x, y = tile_of(42.6, 1.0, 5)
        pyrenees = mvt.decode(relief_api.client.get(f"/api/basemap/5/{x}/{y}.pbf", headers=headers).content)
        assert pyrenees["borders"]["features"]

    def test_open_sea_is_an_empty_answer_and_past_the_deepest_zoom_is_refused(self, relief_api: Api):
        headers = relief_api.headers("observer")
        # mid-Pacific, 0 N 150 W, zoom 8
        _, x, y = tile_of(0.5, -150.0, 8)
        assert relief_api.client.get(f"/api/basemap/8/{x}/{y}.pbf", headers=headers).status_code == 204
        assert relief_api.client.get("/api/basemap/9/0/0.pbf", headers=headers).status_code == 422
        assert relief_api.client.get("/api/basemap/2/7/0.pbf", headers=headers).status_code == 204


def test_a_pack_that_is_not_one_is_refused_by_name_and_not_read_again(tmp_path: Path):
    bad = tmp_path / "world.vtpack"
    bad.write_bytes(b"not a pack at all")
    pack = VectorPack(bad)
    with pytest.raises(ValueError, match="not a jprcc basemap pack"):
        pack.tile(0, 0, 0)
    bad.unlink()  # not read again: the answer is remembered
    with pytest.raises(ValueError, match="not a jprcc basemap pack"):
        pack.tile(0, 0, 0)
    assert not pack.available


def test_a_pack_cut_short_is_refused(tmp_path: Path):
    head = json.dumps({"max_zoom": 0, "tiles": {"0/0/0": [0, 100]}}).encode()
    short = tmp_path / "world.vtpack"
    short.write_bytes(PACK_MAGIC + struct.pack("<I", len(head)) + head + b"\x00" * 10)
    with pytest.raises(ValueError, match="cut short"):
        VectorPack(short).tile(0, 0, 0)
