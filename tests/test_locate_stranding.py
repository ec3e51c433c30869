"""Drifting objects strand on the coast: on a coast drawn for the test (the numerics alone), on the
theater's terrain where it has data, and on the packaged coastline (GSHHG) where it has none.

A coordinator's expectations, each a test: a raft blown onshore strands on the coast and stays
there, never on land; nothing jumps a spit narrower than a step; a person in the water off a coast
with an offshore wind never strands; with no terrain the packaged coastline stops the drift; a lake
inside the land is land to a raft from the sea; a start over the shore is moved to the water.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from jprcc.intel.planning.terrain import Raster, Terrain
from jprcc.intel.planning.threat import Grid
from jprcc.locate import coastline
from jprcc.locate.planning import cloud, coast, leeway
from jprcc.locate.planning.cloud import Frame, Track

FRAME = Frame(43.0, 16.0)
CELL = 100.0
HOUR = 3600.0
RAFT = leeway.OBJECTS["AVIATION-1"]


def coast_north_of(y_shore: float, half_m: float = 20_000.0) -> coast.Coast:
    """Sea south of ``y_shore`` (m north of the origin), land north of it: an asymmetric coast, so a
    raster read upside down puts the land on the wrong side."""
    n = int(2 * half_m / CELL)
    north = half_m
    centres = north - (np.arange(n) + 0.5) * CELL
    land = np.repeat((centres > y_shore)[:, None], n, axis=1)
    return coast.Coast(-half_m, north, CELL, land, "a coast drawn for the test")


def drift(
    forcing: leeway.Forcing,
    shore: coast.Coast | None,
    particles: int = 2000,
    hours: float = 12.0,
    step_s: float = 900.0,
    obj: leeway.LeewayObject = RAFT,
    radius95_m: float = 1000.0,
    seed: int = 5,
) -> Track:
    rng = np.random.default_rng(seed)
    x0, y0 = cloud.seed(rng, particles, radius95_m)
    steps = math.ceil(hours * HOUR / step_s)
    return leeway.drift(rng, x0, y0, obj, forcing, FRAME, steps, step_s, coast=shore)


def every_position_at_sea(track: Track, shore: coast.Coast) -> None:
    for k in range(len(track.times_s)):
        x, y = track.x_m[k].astype(np.float64), track.y_m[k].astype(np.float64)
        on_land = shore.on_land(x, y)
        assert not on_land.any(), f"{int(on_land.sum())} particles on land at {track.times_s[k] / HOUR:.2f} h"


class TestARaftBlownOnshore:
    def test_it_strands_on_the_coast_and_stays_there_and_none_of_its_particles_is_ever_on_land(self):
        shore = coast_north_of(5000.0)
        onshore = leeway.Forcing.constant(0.0, 10.0, 0.0, 0.1)  # wind and current toward the land
        track = drift(onshore, shore)
        assert track.stranded_s is not None
        assert np.isfinite(track.stranded_s).all()  # 5 km at about 0.45 m/s: all ashore within 12 h
        every_position_at_sea(track, shore)
        last = track.y_m[-1].astype(np.float64)
        # on the shore: in the last cell of sea, at most a cell short of the land
        assert (last < 5000.0).all()
        assert (last > 5000.0 - CELL).all()
        for i in range(0, track.particles, 97):  # from its stranding on, a particle does not move
            after = track.times_s >= track.stranded_s[i]
            assert after.any()
            assert np.ptp(track.x_m[after, i]) == 0.0
            assert np.ptp(track.y_m[after, i]) == 0.0
            before = track.times_s < track.stranded_s[i]
            assert (np.diff(track.y_m[before, i]) > 0).all()  # it was drifting north until then

    def test_the_stranded_share_grows_with_time_and_the_picture_says_who_is_ashore_when(self):
        shore = coast_north_of(5000.0)
        track = drift(leeway.Forcing.constant(0.0, 10.0, 0.0, 0.1), shore)
        shares = [float(track.stranded(t).mean()) for t in track.times_s]
        assert shares[0] == 0.0
        assert shares[-1] == 1.0
        assert all(a <= b for a, b in itertools.pairwise(shares))
        # ashore when the track stopped moving: the stranding time is the step that reached the coast
        k = int(np.searchsorted(shares, 0.5))
        ashore = track.stranded(track.times_s[k])
        moved = np.abs(track.y_m[k + 1] - track.y_m[k]) > 0
        assert not (ashore & moved).any()
        assert (~ashore <= (moved | track.stranded(track.times_s[k + 1]))).all()
        assert 0 < ashore.mean() < 1

    def test_a_spit_narrower_than_a_step_is_not_jumped(self):
        # one cell (100 m) of land across the sea at 2 km north; the raft moves about 400 m a step
        land = np.zeros((200, 200), dtype=bool)
        land[80] = True  # y from 1900 to 2000 m
        shore = coast.Coast(-10_000.0, 10_000.0, CELL, land, "a spit")
        track = drift(leeway.Forcing.constant(0.0, 12.0, 0.0, 0.0), shore, hours=6.0, radius95_m=300.0)
        assert np.isfinite(track.stranded_s).all()
        assert (track.y_m.astype(np.float64) < 1900.0).all()  # nobody on it or beyond it, ever
        assert (track.y_m[-1] > 1800.0).all()  # all on its southern shore

    def test_a_step_that_ends_on_land_strands_even_if_the_end_of_the_run_is_at_sea(self):
        # the land is an island 300 m long: a check at the end of the run (or of the step) would let
        # the raft through it and out the other side
        land = np.zeros((200, 200), dtype=bool)
        land[67:70] = True  # y from 3000 to 3300 m
        shore = coast.Coast(-10_000.0, 10_000.0, CELL, land, "an island")
        track = drift(leeway.Forcing.constant(0.0, 12.0, 0.0, 0.0), shore, hours=12.0, radius95_m=300.0)
        every_position_at_sea(track, shore)
        assert (track.y_m[-1] < 3000.0).all()


class TestAPersonOffACoastWithAnOffshoreWind:
    def test_never_strands_and_drifts_as_if_there_were_no_coast(self):
        shore = coast_north_of(5000.0)
        offshore = leeway.Forcing.constant(0.0, -10.0, 0.0, -0.1)
        on_this_coast = drift(offshore, shore, obj=leeway.OBJECTS["PIW-1"])
        with_no_coast = drift(offshore, None, obj=leeway.OBJECTS["PIW-1"])
        assert on_this_coast.stranded_s is not None
        assert not np.isfinite(on_this_coast.stranded_s).any()
        assert with_no_coast.stranded_s is None  # nothing can strand without a coast
        assert_array_equal(on_this_coast.x_m, with_no_coast.x_m)
        assert_array_equal(on_this_coast.y_m, with_no_coast.y_m)

    def test_the_same_wind_turned_onshore_strands_it(self):
        # the check of the test above: the coast is there, and on the north side
        shore = coast_north_of(5000.0)
        piw = leeway.OBJECTS["PIW-1"]
        track = drift(leeway.Forcing.constant(0.0, 10.0, 0.0, 0.1), shore, obj=piw, hours=24.0)
        assert float(np.isfinite(track.stranded_s).mean()) > 0.9


class TestStartsOverTheShore:
    def test_a_start_on_land_is_moved_into_the_nearest_sea_and_one_at_sea_is_left_where_it_is(self):
        shore = coast_north_of(0.0)  # the error circle is half over the land
        rng = np.random.default_rng(2)
        x0, y0 = cloud.seed(rng, 4000, 2000.0)
        x, y, moved, stuck = coast.to_water(shore, x0, y0, np.random.default_rng(3))
        was_on_land = shore.on_land(x0, y0)
        assert moved == int(was_on_land.sum()) > 1000
        assert not stuck.any()
        assert not shore.on_land(x, y).any()
        assert_array_equal(x[~was_on_land], x0[~was_on_land])
        assert_array_equal(y[~was_on_land], y0[~was_on_land])
        assert (y[was_on_land] > -CELL).all()  # into the first cell of sea, along the same meridian
        assert np.abs(x[was_on_land] - x0[was_on_land]).max() < CELL

    def test_with_no_sea_anywhere_nothing_is_moved_and_the_drift_leaves_it_stranded_from_the_start(self):
        shore = coast_north_of(-1e9)
        x0 = np.zeros(10)
        x, _, moved, stuck = coast.to_water(shore, x0, x0.copy(), np.random.default_rng(3))
        assert moved == 0
        assert stuck.all()
        track = leeway.drift(
            np.random.default_rng(1), x, x.copy(), RAFT, leeway.Forcing.constant(5, 5, 0, 0), FRAME, 4, 900,
            coast=shore,
        )  # fmt: skip
        assert (track.stranded_s == 0.0).all()
        assert (track.x_m == 0).all()


class TestWhereTheCoastComesFrom:
    @staticmethod
    def terrain_over(grid: Grid, water: np.ndarray) -> Terrain:
        return Terrain(water=Raster(water.astype(np.float64), grid.south, grid.west, grid.north, grid.east))

    def test_the_terrain_where_it_has_data_and_the_packaged_coastline_where_it_has_none(self):
        frame = Frame(40.0, 10.0)
        reach = 10_000.0
        # the terrain covers the western half only (NaN beyond: no data) and says it is all sea
        covered = Grid(39.8, 9.7, 40.2, 10.0, 40, 30)
        terrain = self.terrain_over(covered, np.ones((40, 30)))
        asked: list[Grid] = []

        def packaged(grid: Grid) -> np.ndarray:
            asked.append(grid)
            return np.ones((grid.rows, grid.cols), dtype=bool)  # all land

        shore, source = coast.build(frame, reach, 200.0, terrain, packaged, "a packaged coast")
        assert shore is not None
        assert source == "the theater's terrain and a packaged coast"
        assert len(asked) == 1
        _, lon = asked[0].centres()
        land_east = shore.land[:, lon[0] > 10.0]
        sea_west = ~shore.land[:, lon[0] < 9.999]
        assert land_east.all()  # beyond the terrain, the packaged coast: land
        assert sea_west.all()  # the terrain says sea, and the packaged coast is not asked there

    def test_a_terrain_that_covers_everything_never_asks_for_the_packaged_coastline(self):
        frame = Frame(40.0, 10.0)
        wide = Grid(39.0, 9.0, 41.0, 11.0, 20, 20)
        terrain = self.terrain_over(wide, np.ones((20, 20)))

        def packaged(grid: Grid) -> np.ndarray:
            raise AssertionError("the terrain covers the whole reach")

        shore, source = coast.build(frame, 10_000.0, 200.0, terrain, packaged, "a packaged coast")
        assert shore is None  # all sea: no land within reach, nothing to strand on
        assert "no land" in source

    def test_a_lake_inside_the_land_is_land_to_a_raft_but_a_ditching_in_a_lake_drifts_in_it(self):
        wet = np.zeros((9, 9), dtype=bool)
        wet[:, :2] = True  # the sea, along the west edge
        wet[3:6, 5:8] = True  # a lake in the land
        assert_array_equal(coast.sea(wet, (4, 0)), wet & (np.arange(9) < 2)[None, :])
        assert_array_equal(coast.sea(wet, (4, 6)), wet)  # a ditching in the lake: the lake is its sea

    def test_the_drifts_coast_counts_a_lake_in_the_terrains_water_as_land(self):
        frame = Frame(40.0, 10.0)
        wide = Grid(39.0, 9.0, 41.0, 11.0, 200, 200)  # 0.01° cells
        water = np.zeros((200, 200))
        water[:, :95] = 1.0  # the sea west of 9.95°E
        water[95:105, 102:108] = 1.0  # a lake about 2 km east of the start
        terrain = self.terrain_over(wide, water)

        def packaged(grid: Grid) -> np.ndarray:
            raise AssertionError("the terrain covers the whole reach")

        shore, _ = coast.build(frame, 10_000.0, 100.0, terrain, packaged, "a packaged coast")
        assert shore is not None
        lake_x, lake_y = frame.to_xy(40.0, 10.045)
        sea_x, sea_y = frame.to_xy(40.0, 9.9)
        assert shore.on_land(np.array([lake_x]), np.array([lake_y]))[0]
        assert not shore.on_land(np.array([sea_x]), np.array([sea_y]))[0]

    def test_the_terrains_unknown_cells_are_unknown_not_land(self):
        grid = Grid(39.0, 9.0, 40.0, 10.0, 10, 10)
        half = Grid(39.0, 9.0, 40.0, 9.5, 10, 5)
        terrain = self.terrain_over(half, np.zeros((10, 5)))
        wet, known = terrain.water_known(grid)
        assert known is not None
        assert wet is not None
        assert known[:, :5].all()
        assert not known[:, 5:].any()
        assert not wet.any()
        _, as_the_walker_reads_it = terrain.on_grid(grid)
        assert as_the_walker_reads_it is not None
        assert not as_the_walker_reads_it[:, 5:].any()  # land to a walker: hence water_known


class TestTheReach:
    def test_no_particle_drifts_farther_than_the_reach_the_coast_is_drawn_over(self):
        forcing = leeway.Forcing.constant(14.0, -6.0, 0.3, 0.2)
        obj = leeway.OBJECTS["LIFE-RAFT-NB-1"]  # the widest spread of the table
        track = drift(forcing, None, particles=20_000, hours=24.0, obj=obj, radius95_m=1.0)
        far = float(np.hypot(track.x_m[-1], track.y_m[-1]).max())
        assert far < leeway.reach_m(obj, forcing, 24 * HOUR)
        assert far > 0.5 * leeway.reach_m(obj, forcing, 24 * HOUR)  # and the bound is not loose

    def test_no_step_is_longer_than_the_margin_the_kernel_watches_the_coast_with(self):
        # the kernel looks at the coast only where land lies within this of a block of particles
        forcing = leeway.Forcing.constant(-9.0, 12.0, 0.4, -0.3)
        obj = leeway.OBJECTS["SAILBOAT-1"]  # the largest standard errors of the table
        track = drift(forcing, None, particles=20_000, hours=6.0, obj=obj, step_s=600.0)
        rng = np.random.default_rng(5)  # the draws ``drift`` made: the seeding, then the coefficients
        cloud.seed(rng, 20_000, 1000.0)
        fastest = leeway._fastest(leeway.coefficients(rng, obj, 20_000), forcing)
        steps = np.hypot(
            np.diff(track.x_m.astype(np.float64), axis=0), np.diff(track.y_m.astype(np.float64), axis=0)
        )
        assert steps.max() <= fastest * 600.0 + 0.01
        assert steps.max() > 0.5 * fastest * 600.0  # a bound, not a guess far above


# --- the packaged coastline (GSHHG): Sardinia's east coast ---------------------------------------------

OFF_SARDINIA = Frame(39.6, 9.75)  # 8 km east of the coast at Tortolì


def sardinia(
    forcing: leeway.Forcing, obj: leeway.LeewayObject, hours: float = 24.0
) -> tuple[Track, coast.Coast]:
    reach = leeway.reach_m(obj, forcing, hours * HOUR) + 5000
    shore, source = coast.build(OFF_SARDINIA, reach, 100.0, Terrain(), coastline.land_on, coastline.NAME)
    assert shore is not None
    assert source == coastline.NAME
    rng = np.random.default_rng(7)
    x0, y0 = cloud.seed(rng, 3000, 1000.0)
    steps = int(hours * 4)
    return leeway.drift(rng, x0, y0, obj, forcing, OFF_SARDINIA, steps, 900.0, coast=shore), shore


@pytest.fixture(scope="module")
def gshhg() -> Any:
    """GSHHG's own point test, the reference (its package's; a second of loading)."""
    import roaring_landmask

    return roaring_landmask.RoaringLandmask.new()


class TestThePackagedCoastline:
    def test_with_no_terrain_data_the_packaged_coastline_stops_the_drift_on_sardinias_shore(self, gshhg):
        track, shore = sardinia(leeway.Forcing.constant(-10.0, 0.0, -0.05, 0.0), RAFT)
        assert np.isfinite(track.stranded_s).all()
        every_position_at_sea(track, shore)
        lat, lon = OFF_SARDINIA.to_latlon(track.x_m[-1].astype(np.float64), track.y_m[-1].astype(np.float64))
        # on the shoreline, to a cell (100 m): GSHHG itself says sea a cell east, land a cell west
        cell_deg = shore.cell_m / (111_195 * math.cos(math.radians(39.6)))
        assert (~gshhg.contains_many(lon + cell_deg, lat)).mean() > 0.99
        assert gshhg.contains_many(lon - cell_deg, lat).mean() > 0.99
        assert lon.min() > 9.6  # near Tortolì, not inland
        assert lon.max() < 9.7

    def test_a_person_in_the_water_with_an_offshore_wind_never_strands(self):
        track, _ = sardinia(leeway.Forcing.constant(10.0, 0.0, 0.05, 0.0), leeway.OBJECTS["PIW-1"])
        assert not np.isfinite(track.stranded_s).any()

    @pytest.mark.parametrize(("south", "west"), [(39.0, 9.3), (40.8, 8.1), (59.6, 4.8)])
    def test_the_rasterised_coastline_agrees_with_gshhgs_own_point_test(self, south, west, gshhg):
        # an upside-down or shifted raster, or a missed crossing (a whole row inverted), fails here
        grid = Grid(south, west, south + 0.5, west + 0.6, 400, 480)
        land = coastline.land_on(grid)
        assert land is not None
        lat, lon = grid.centres()
        reference = gshhg.contains_many(lon.ravel(), lat.ravel())
        assert 0.05 < reference.mean() < 0.95  # a coast runs through it
        assert (land.ravel() == reference).mean() > 0.999


class TestTheKernelsShortcuts:
    """What lets a cloud out at sea drift as fast as with no coast: each checked against the plain
    computation it stands for."""

    def test_the_clearance_is_scipys_chessboard_distance_to_the_land_less_a_cell(self):
        from scipy.ndimage import distance_transform_cdt

        land = np.random.default_rng(4).random((120, 90)) < 0.003
        shore = coast.Coast(0.0, 0.0, 25.0, land, "scattered rocks")
        expected = (distance_transform_cdt(~land, metric="chessboard") - 1) * 25.0
        open_m = coast.open_distance(shore).reshape(land.shape)
        assert_array_equal(open_m[~land], expected[~land])
        assert (open_m[land] < 0).all()

    def test_land_near_a_cloud_is_found_exactly_when_a_land_cell_lies_in_its_box_and_margin(self):
        rng = np.random.default_rng(6)
        land = rng.random((80, 80)) < 0.002
        shore = coast.Coast(-4000.0, 4000.0, CELL, land, "scattered rocks")
        table = coast.land_counts(shore)
        assert_array_equal(table[1:, 1:], np.cumsum(np.cumsum(land, axis=0), axis=1))
        r, c = np.nonzero(land)
        for _ in range(300):
            x = rng.uniform(-4500.0, 4500.0, 3)
            y = rng.uniform(-4500.0, 4500.0, 3)
            margin = float(rng.uniform(0.0, 600.0))
            # a land cell meets the box grown by the margin
            west, east = shore.west_m + c * CELL, shore.west_m + (c + 1) * CELL
            north, south = shore.north_m - r * CELL, shore.north_m - (r + 1) * CELL
            meets = (
                (east > x.min() - margin)
                & (west <= x.max() + margin)
                & (north >= y.min() - margin)
                & (south < y.max() + margin)
            )
            found = coast.land_near(table, shore.west_m, shore.north_m, CELL, x, y, margin)
            assert found == bool(meets.any())
