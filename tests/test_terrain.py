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
from jprcc.intel.terrain_files import TerrainError, read_raster
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
    import tifffile

    heights = np.full((20, 20), 600.0)
    heights[8:12, 8:12] = -32768  # an SRTM void in the middle
    path = tmp_path / "srtm.tif"
    tags = [
        (33550, "d", 3, (0.1 / 20, 0.1 / 20, 0.0), False),
        (33922, "d", 6, (0.0, 0.0, 0.0, 9.0, 40.1, 0.0), False),
        (42113, "s", 0, "-32768", False),  # GDAL_NODATA
    ]
    tifffile.imwrite(path, heights.astype(np.float32), extratags=tags)
    read_raster.cache_clear()
    raster = read_raster(path)
    assert np.isnan(raster.values[8:12, 8:12]).all()

    wide = Grid(39.95, 8.95, 40.15, 9.15, 40, 40)  # the file covers only the middle of this grid
    steep, wet = Terrain(raster).on_grid(wide)
    assert steep is not None
    assert wet is not None
    assert float(steep.max()) == 0.0  # flat inside, unknown outside and in the void: no walls
    assert not wet.any()  # a void is not the sea
    seconds = travel_seconds(wide, Mode.GROUND_VEHICLE, slope=steep, water=wet)
    assert np.isfinite(seconds).all()
