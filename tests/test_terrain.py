"""Terrain for ground movement: elevation read from a GeoTIFF, slope, water, and what they do to
routes on the ground (the air does not care)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jprcc.core import export
from jprcc.core.clock import ManualClock
from jprcc.core.model import Actor, Role
from jprcc.core.node import bootstrap
from jprcc.demo import load_demo
from jprcc.intel.planning import terrain
from jprcc.intel.planning.terrain import Terrain
from jprcc.intel.planning.threat import Grid, Mode, routes, travel_seconds
from jprcc.intel.service import Intel
from jprcc.intel.terrain_files import TerrainError, read_raster, read_terrain
from tests.conftest import T0, fast_settings


def write_raster(path: Path, grid: Grid, values: np.ndarray) -> Path:
    path.write_bytes(export.geotiff(grid, values))
    read_raster.cache_clear()
    return path


def test_an_elevation_geotiff_reads_back_with_its_georeference(tmp_path: Path) -> None:
    grid = Grid(40.0, 9.0, 40.5, 9.6, 50, 60)
    metres = np.arange(50 * 60, dtype=np.float64).reshape(50, 60)
    elevation = read_raster(write_raster(tmp_path / "dem.tif", grid, metres))

    assert np.array_equal(elevation.values, metres)
    assert (elevation.south, elevation.west, elevation.north, elevation.east) == pytest.approx(
        (40.0, 9.0, 40.5, 9.6)
    )
    # sampled on its own grid it is itself; outside the raster it is unknown
    assert np.array_equal(elevation.on_grid(grid), metres)
    outside = elevation.on_grid(Grid(41.0, 9.0, 41.5, 9.6, 4, 4))
    assert np.isnan(outside).all()


def test_a_file_without_a_georeference_is_refused_by_name(tmp_path: Path) -> None:
    import tifffile

    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, np.zeros((4, 4), np.float32))
    with pytest.raises(TerrainError, match=r"plain\.tif: not a georeferenced GeoTIFF"):
        read_raster(plain)
    with pytest.raises(TerrainError, match="not a georeferenced"):
        read_raster(tmp_path / "missing.tif")


def test_slope_of_a_tilted_plane_is_its_gradient() -> None:
    grid = Grid(40.0, 9.0, 40.1, 9.1, 40, 40)
    rows = np.arange(grid.rows, dtype=np.float64)[:, None] * np.ones((1, grid.cols))
    plane = 0.1 * grid.cell_height_m * (grid.rows - rows)  # rises 10 % to the north
    assert terrain.slope(grid, plane) == pytest.approx(np.full_like(plane, 0.1))


def test_water_is_at_or_below_sea_level_unless_a_mask_says_otherwise() -> None:
    heights = np.array([[-3.0, 0.0, 2.0, np.nan]])
    water = terrain.water(heights)
    assert water is not None
    assert water.tolist() == [[True, True, False, False]]
    mask = np.array([[False, False, True, False]])
    assert terrain.water(heights, mask) is mask
    assert terrain.water(None) is None  # no terrain: all land


def test_a_water_mask_file_marks_a_river_that_sea_level_would_miss(tmp_path: Path) -> None:
    grid = Grid(40.0, 9.0, 40.05, 9.05, 20, 20)
    river = np.zeros((20, 20))
    river[:, 9:11] = 1.0  # a river in a highland valley, far above sea level
    heights = np.full((20, 20), 800.0)
    ground = Terrain(
        read_raster(write_raster(tmp_path / "dem.tif", grid, heights)),
        read_raster(write_raster(tmp_path / "water.tif", grid, river)),
    )
    steep, wet = ground.on_grid(grid)
    assert steep is not None
    assert np.allclose(steep, 0.0)
    assert wet is not None
    assert wet.sum() == 40
    assert wet[:, 9:11].all()
    seconds = travel_seconds(grid, Mode.DISMOUNTED, slope=steep, water=wet)
    threat = np.zeros((20, 20))
    centres = grid.centres()
    crossing = routes(grid, threat, seconds, (centres[0][10, 2], centres[1][10, 2]), 0.0)
    assert not crossing.to(centres[0][10, 17], centres[1][10, 17]).reachable  # no ford, no bridge
    assert Terrain().on_grid(grid) == (None, None)


def test_walking_goes_round_a_lake_and_climbing_costs_time() -> None:
    grid = Grid(40.0, 9.0, 40.05, 9.05, 40, 40)
    heights = np.full((40, 40), 100.0)
    heights[10:30, 15:25] = -1.0  # a lake in the middle
    seconds = travel_seconds(
        grid, Mode.DISMOUNTED, slope=terrain.slope(grid, heights), water=terrain.water(heights)
    )
    threat = np.zeros((40, 40))
    start = grid.centres()[0][20, 5], grid.centres()[1][20, 5]
    goal = grid.centres()[0][20, 35], grid.centres()[1][20, 35]
    route = routes(grid, threat, seconds, start, 0.0).to(*goal)
    assert route.reachable
    assert all(not (10 <= grid.cell_of(*p)[0] < 30 and 15 <= grid.cell_of(*p)[1] < 25) for p in route.path)
    flat = routes(grid, threat, travel_seconds(grid, Mode.DISMOUNTED), start, 0.0).to(*goal)
    assert route.seconds > flat.seconds  # the way round is longer than the straight line

    hill = np.tile(np.linspace(0, 3000, 40), (40, 1))  # a steady climb to the east
    climbing = travel_seconds(grid, Mode.DISMOUNTED, slope=terrain.slope(grid, hill))
    assert routes(grid, threat, climbing, start, 0.0).to(*goal).seconds > flat.seconds


def test_a_cliff_stops_vehicles_but_not_helicopters() -> None:
    grid = Grid(40.0, 9.0, 40.05, 9.05, 20, 20)
    cliff = np.zeros((20, 20)) + 50.0
    cliff[:, 10:] = 2000.0  # a wall across the whole grid
    steep = terrain.slope(grid, cliff)
    assert np.isinf(travel_seconds(grid, Mode.GROUND_VEHICLE, slope=steep)[:, 9:11]).all()
    assert np.isfinite(travel_seconds(grid, Mode.ROTARY_WING_LOW, slope=steep)).all()


def test_a_survivor_on_an_island_cannot_walk_out_but_can_be_flown_out(tmp_path: Path) -> None:
    # RAVEN 21 sits on dry land in a sea that reaches every destination
    grid = Grid(39.0, 8.0, 41.0, 11.0, 400, 600)
    lats, lons = grid.centres()
    island = np.hypot((lats - 40.07) * 111.0, (lons - 9.38) * 85.0) < 3.0  # 3 km of land
    heights = np.where(island, 200.0, -10.0)
    dem = write_raster(tmp_path / "sea.tif", grid, heights)

    settings = fast_settings(f"sqlite:///{tmp_path / 'island.sqlite3'}", tmp_path).model_copy(
        update={"terrain_elevation": dem}
    )
    node = bootstrap(settings, clock=ManualClock(T0), migrate=True)
    try:
        load_demo(node)
        intel = node.service(Intel)
        director = Actor("director", Role.JPRCC_DIRECTOR)
        incident = node.queries.incident(director, "PR-RAVEN21")
        walking = intel.assess(director, incident, Mode.DISMOUNTED)
        flying = intel.assess(director, incident, Mode.ROTARY_WING_LOW)
        assert walking.routes == []
        assert "LZ FALCON" in walking.unreachable
        assert walking.decision.situation["threat_on_route"] == "high"  # no way out on foot
        assert flying.routes
        assert flying.unreachable == []
    finally:
        node.close()


def test_a_bad_terrain_file_stops_start_up(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tif"
    bad.write_text("not a tiff")
    settings = fast_settings(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path).model_copy(
        update={"terrain_elevation": bad}
    )
    with pytest.raises(TerrainError, match=r"bad\.tif"):
        bootstrap(settings, migrate=True)


def test_the_command_line_names_a_bad_terrain_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from jprcc.cli import app
    from jprcc.cli.common import state

    bad = tmp_path / "dem.tif"
    bad.write_text("not a tiff")
    monkeypatch.setenv("JPRCC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JPRCC_TERRAIN_ELEVATION", str(bad))
    state.node = None
    result = CliRunner().invoke(app, ["demo", "logins"])
    assert result.exit_code == 0  # needs no store
    result = CliRunner().invoke(app, ["demo", "load"])
    assert result.exit_code == 2
    assert "terrain" in result.output
    assert "not a georeferenced GeoTIFF" in " ".join(result.output.split())
    state.node = None


def test_voids_and_the_edge_of_the_file_are_not_cliffs(tmp_path: Path) -> None:
    import rasterio
    from affine import Affine

    heights = np.full((20, 20), 600, dtype=np.int16)
    heights[8:12, 8:12] = -32768  # an SRTM void in the middle
    path = tmp_path / "srtm.tif"
    profile = {"driver": "GTiff", "width": 20, "height": 20, "count": 1, "dtype": "int16", "crs": "EPSG:4326"}
    transform = Affine(0.1 / 20, 0.0, 9.0, 0.0, -0.1 / 20, 40.1)
    with rasterio.open(path, "w", **profile, transform=transform, nodata=-32768) as out:
        out.write(heights, 1)
    read_raster.cache_clear()
    raster = read_raster(path)
    assert np.isnan(raster.values[8:12, 8:12]).all()
    assert (raster.values[:8] == 600).all()

    wide = Grid(39.95, 8.95, 40.15, 9.15, 40, 40)  # the file covers only the middle of this grid
    steep, wet = Terrain(raster).on_grid(wide)
    assert steep is not None
    assert wet is not None
    assert float(steep.max()) == 0.0  # flat inside, unknown outside and in the void: no walls
    assert not wet.any()  # a void is not the sea
    seconds = travel_seconds(wide, Mode.GROUND_VEHICLE, slope=steep, water=wet)
    assert np.isfinite(seconds).all()


def test_a_georeference_without_a_coordinate_system_is_refused_by_name(tmp_path: Path) -> None:
    import tifffile

    # pixel scale and tie point, but no GeoKeyDirectory: degrees? metres? of which datum?
    tags = [(33550, "d", 3, (0.005, 0.005, 0.0), False), (33922, "d", 6, (0, 0, 0, 9.0, 40.1, 0), False)]
    path = tmp_path / "bare.tif"
    tifffile.imwrite(path, np.zeros((20, 20), np.float32), extratags=tags)
    read_raster.cache_clear()
    refused = r"bare\.tif: not a georeferenced GeoTIFF \(no coordinate reference system\)"
    with pytest.raises(TerrainError, match=refused):
        read_raster(path)


class TestProjectedFiles:
    """A DEM in UTM zone 32N (EPSG:32632), as national mapping agencies publish them, is warped
    onto latitude and longitude. Its heights are a plane tilted differently east and north, so a
    height read at a latitude and longitude tells whether the right place was found."""

    EAST_0, NORTH_0, CELL = 490_000.0, 4_360_000.0, 50.0  # upper-left corner; about 39.4 N, 8.9 E
    SIZE = 400  # 20 km a side

    def height(self, east: np.ndarray, north: np.ndarray) -> np.ndarray:
        return 100.0 + 0.01 * (east - self.EAST_0) + 0.04 * (self.NORTH_0 - north)

    def write(self, path: Path, values: np.ndarray, dtype: str = "float32") -> Path:
        import rasterio
        from affine import Affine

        transform = Affine(self.CELL, 0.0, self.EAST_0, 0.0, -self.CELL, self.NORTH_0)
        profile = {"driver": "GTiff", "width": self.SIZE, "height": self.SIZE, "count": 1, "dtype": dtype}
        with rasterio.open(path, "w", **profile, crs="EPSG:32632", transform=transform) as out:
            out.write(values.astype(dtype), 1)
        read_raster.cache_clear()
        return path

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        east = self.EAST_0 + (np.arange(self.SIZE) + 0.5) * self.CELL
        north = self.NORTH_0 - (np.arange(self.SIZE) + 0.5) * self.CELL
        return np.meshgrid(east, north)

    def test_a_utm_elevation_file_gives_the_height_at_a_latitude_and_longitude(self, tmp_path: Path) -> None:
        from pyproj import Transformer

        raster = read_raster(self.write(tmp_path / "utm.tif", self.height(*self.centres())))
        assert 39.2 < raster.south < raster.north < 39.4
        assert 8.8 < raster.west < raster.east < 9.2
        to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True)
        for lat, lon in [(39.30, 8.92), (39.36, 9.05), (39.25, 9.10), (39.33, 8.97)]:
            east, north = to_utm.transform(lon, lat)
            expected = float(self.height(np.array(east), np.array(north)))
            cell = Grid(lat - 1e-6, lon - 1e-6, lat + 1e-6, lon + 1e-6, 1, 1)
            # nearest sample of the warped raster: within a cell of the plane's slope
            assert float(raster.on_grid(cell)[0, 0]) == pytest.approx(expected, abs=0.05 * self.CELL)

    def test_outside_the_utm_files_footprint_is_unknown(self, tmp_path: Path) -> None:
        raster = read_raster(self.write(tmp_path / "utm.tif", self.height(*self.centres())))
        # the UTM square is a little rotated against the meridians: its WGS-84 box has empty corners
        assert np.isnan(raster.values).any()
        assert np.isfinite(raster.values).mean() > 0.9

    def test_a_utm_water_mask_stays_a_mask(self, tmp_path: Path) -> None:
        east, _ = self.centres()
        river = (np.abs(east - 500_000.0) < 100.0).astype(np.float32)  # 200 m wide, north to south
        path = self.write(tmp_path / "water.tif", river, dtype="uint8")
        ground = read_terrain(None, path)
        assert ground.water is not None
        values = ground.water.values[np.isfinite(ground.water.values)]
        assert set(np.unique(values)) == {0.0, 1.0}  # nearest neighbour: no half-wet cells
        cells = Grid(39.25, 8.95, 39.35, 9.05, 50, 50)
        _, wet = ground.on_grid(cells)
        assert wet is not None
        assert wet.any(axis=1).all()  # the river runs through every row, north to south
        assert not wet.any(axis=0).all()  # and not through every column
