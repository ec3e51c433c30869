"""Locate's numerics against their formulas and, where the model is random, against statistics.

Conformance tests check closed forms to rounding (detection laws, Bayes' rule, water-filling's
optimality conditions, Stone's optimum). Statistical tests state their tolerance: a number of
standard errors of the sample, computed from the sample itself, never an exact count of random
outcomes. Particle counts are the smallest the stated tolerances allow.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from scipy.special import ndtr

from jprcc.intel.planning.threat import M_PER_DEG
from jprcc.locate.planning import allocate, areas, cloud, evader, leeway, update
from jprcc.locate.planning.cloud import Frame, Track

#: a statistical mean must lie within this many standard errors of its expected value
STANDARD_ERRORS = 4.0
FRAME = Frame(43.0, 16.0)


def _within_standard_errors(sample: np.ndarray, expected: float) -> None:
    standard_error = float(sample.std(ddof=1)) / math.sqrt(sample.size)
    assert abs(float(sample.mean()) - expected) <= STANDARD_ERRORS * standard_error, (
        f"mean {sample.mean():.6g} vs expected {expected:.6g} (standard error {standard_error:.3g})"
    )


def _within_binomial(fraction: float, expected: float, n: int) -> None:
    standard_error = math.sqrt(expected * (1 - expected) / n)
    assert abs(fraction - expected) <= STANDARD_ERRORS * standard_error, (
        f"fraction {fraction:.4f} vs expected {expected:.4f} (standard error {standard_error:.3g})"
    )


def _random_weights(rng: np.random.Generator, n: int, rest: float) -> np.ndarray:
    """Particle weights that, with the rest-of-world mass, sum to one."""
    w = rng.random(n) + 0.05
    return np.asarray(w / w.sum() * (1.0 - rest), dtype=np.float64)


# --- detection laws ---------------------------------------------------------------------------

coverages = st.floats(min_value=1e-6, max_value=40.0, allow_nan=False)


class TestDetectionLaws:
    @pytest.mark.parametrize(
        ("coverage", "random_search", "inverse_cube"),
        [(0.5, 0.393, 0.469), (1.0, 0.632, 0.790), (2.0, 0.865, 0.988)],
    )
    def test_pod_matches_the_published_values_to_three_decimals(self, coverage, random_search, inverse_cube):
        assert float(allocate.pod_random(coverage)) == pytest.approx(random_search, abs=5e-4)
        assert float(allocate.pod_inverse_cube(coverage)) == pytest.approx(inverse_cube, abs=5e-4)

    def test_pod_follows_the_closed_forms_to_rounding(self):
        c = np.linspace(0.0, 5.0, 51)
        assert_allclose(allocate.pod_random(c), 1 - np.exp(-c), atol=1e-15)
        erf_values = np.array([math.erf(math.sqrt(math.pi) * v / 2) for v in c])
        assert_allclose(allocate.pod_inverse_cube(c), erf_values, atol=1e-15)

    def test_no_coverage_detects_nothing(self):
        assert float(allocate.pod_random(0.0)) == 0.0
        assert float(allocate.pod_inverse_cube(0.0)) == 0.0

    @given(coverages, coverages)
    def test_more_coverage_never_lowers_the_pod(self, a, b):
        low, high = sorted((a, b))
        for law in (allocate.pod_random, allocate.pod_inverse_cube):
            assert float(law(low)) <= float(law(high)) <= 1.0

    @given(coverages)
    def test_parallel_sweeps_detect_at_least_as_well_as_random_search(self, c):
        assert float(allocate.pod_inverse_cube(c)) >= float(allocate.pod_random(c))


# --- Bayes' rule --------------------------------------------------------------------------------


class TestUnsuccessfulSearch:
    def test_unsuccessful_search_moves_mass_out_of_the_area_by_the_bayes_amount(self):
        rng = np.random.default_rng(11)
        rest, q = 0.03, 0.7
        weights = _random_weights(rng, 500, rest)
        inside = rng.random(500) < 0.4
        p = float(weights[inside].sum())
        post = update.after_search(weights, rest, np.where(inside, q, 0.0))
        assert float(post.weights[inside].sum()) == pytest.approx(p * (1 - q) / (1 - p * q), abs=1e-12)
        assert_allclose(post.weights[~inside], weights[~inside] / (1 - p * q), rtol=0, atol=1e-12)
        assert_allclose(post.weights[inside], weights[inside] * (1 - q) / (1 - p * q), rtol=0, atol=1e-12)
        assert post.rest == pytest.approx(rest / (1 - p * q), abs=1e-12)
        assert post.evidence == pytest.approx(1 - p * q, abs=1e-12)

    def test_the_mass_moved_out_of_a_searched_polygon_is_pq_times_one_minus_p_over_one_minus_pq(self):
        # the area loses p − p(1−q)/(1−pq) = p·q·(1−p)/(1−pq); everything outside (particles and
        # the rest of the world) gains exactly that
        rng = np.random.default_rng(12)
        x, y = cloud.seed(rng, 2000, 3000.0)
        polygon = [(-1500.0, -800.0), (900.0, -1800.0), (2200.0, 300.0), (400.0, 1900.0), (-1700.0, 1200.0)]
        inside = cloud.inside_polygon_xy(polygon, x, y)
        rest, q = 0.05, 0.55
        weights = _random_weights(rng, x.size, rest)
        p = float(weights[inside].sum())
        assert 0.2 < p < 0.8  # the polygon holds a fair share of the cloud
        post = update.after_search(weights, rest, np.where(inside, q, 0.0))
        moved = p - float(post.weights[inside].sum())
        assert moved == pytest.approx(p * q * (1 - p) / (1 - p * q), abs=1e-12)
        gained = float(post.weights[~inside].sum()) + post.rest - (float(weights[~inside].sum()) + rest)
        assert gained == pytest.approx(moved, abs=1e-12)

    def test_inside_polygon_agrees_with_a_rectangle_test(self):
        rng = np.random.default_rng(13)
        x, y = rng.uniform(-10, 10, 1000), rng.uniform(-10, 10, 1000)
        inside = cloud.inside_polygon_xy([(-3.0, -2.0), (5.0, -2.0), (5.0, 4.0), (-3.0, 4.0)], x, y)
        assert_array_equal(inside, (x > -3) & (x < 5) & (y > -2) & (y < 4))

    def test_inside_polygon_reads_vertices_as_east_then_north(self):
        strip = [(-5000.0, -100.0), (5000.0, -100.0), (5000.0, 100.0), (-5000.0, 100.0)]  # long east-west
        x, y = np.array([4000.0, 0.0, 0.0]), np.array([0.0, 4000.0, 0.0])
        assert cloud.inside_polygon_xy(strip, x, y).tolist() == [True, False, True]


class TestFixesAndBearings:
    REGION_M2 = 100e3 * 100e3

    def _cloud(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        rng = np.random.default_rng(21)
        x, y = cloud.seed(rng, 1000, 5000.0)
        rest = 0.02
        return x, y, np.full(x.size, (1 - rest) / x.size), rest

    def test_the_95_percent_circle_has_variance_r_squared_over_minus_two_ln_005(self):
        radius = 1200.0
        cov = update.ellipse_covariance(radius, radius, 37.0, 0.95)
        assert_allclose(cov, np.eye(2) * radius**2 / (-2 * math.log(0.05)), rtol=1e-12, atol=1e-9)
        assert_allclose(cloud.SIGMA_PER_95, 1 / math.sqrt(-2 * math.log(0.05)), rtol=1e-15)

    def test_the_ellipse_major_axis_lies_along_its_bearing(self):
        cov = update.ellipse_covariance(3000.0, 1000.0, 90.0, 0.95)  # major axis east-west
        k2 = -2 * math.log(0.05)
        assert_allclose(cov, np.diag([3000.0**2 / k2, 1000.0**2 / k2]), rtol=1e-12, atol=1e-6)

    def test_a_fix_near_some_particles_raises_their_weight(self):
        x, y, w, rest = self._cloud()
        fix = (1500.0, -500.0)
        near = np.hypot(x - fix[0], y - fix[1]) < 300.0
        far = np.hypot(x - fix[0], y - fix[1]) > 3000.0
        assert near.any()
        assert far.any()
        post = update.after_fix(
            w, rest, x, y, fix, update.ellipse_covariance(500, 500, 0, 0.95), 0.9, self.REGION_M2
        )
        assert (post.weights[near] > w[near]).all()
        assert (post.weights[far] < w[far]).all()
        assert post.rest < rest  # the fix agrees with the map

    def test_a_fix_far_from_every_particle_moves_mass_into_the_rest_of_the_world(self):
        x, y, w, rest = self._cloud()
        cov = update.ellipse_covariance(500, 500, 0, 0.95)
        post = update.after_fix(w, rest, x, y, (40_000.0, 40_000.0), cov, 0.9, self.REGION_M2)
        # nothing near the fix: each particle keeps the (1 − r)·b background, the rest keeps b
        expected_rest = rest / (rest + (1 - rest) * (1 - 0.9))
        assert post.rest == pytest.approx(expected_rest, rel=1e-9)

    def test_a_bearing_raises_the_particles_on_its_line_and_lowers_the_others(self):
        x, y, w, rest = self._cloud()
        observer = (-20_000.0, 0.0)
        to_particle = np.degrees(np.arctan2(x - observer[0], y - observer[1]))  # clockwise from north
        on_line = np.abs(to_particle - 90.0) < 0.5
        off_line = np.abs(to_particle - 90.0) > 8.0
        assert on_line.any()
        assert off_line.any()
        post = update.after_bearing(w, rest, x, y, observer, 90.0, 2.0, 0.9)
        assert (post.weights[on_line] > w[on_line]).all()
        assert (post.weights[off_line] < w[off_line]).all()

    def test_a_bearing_that_misses_the_cloud_moves_mass_into_the_rest_of_the_world(self):
        x, y, w, rest = self._cloud()
        post = update.after_bearing(w, rest, x, y, (-20_000.0, 0.0), 0.0, 2.0, 0.9)  # due north
        assert post.rest > 5 * rest

    @settings(max_examples=60, deadline=None)
    @given(
        fx=st.floats(-60_000, 60_000),
        fy=st.floats(-60_000, 60_000),
        radius=st.floats(1.0, 20_000.0),
        reliability=st.floats(0.0, 1.0),
        bearing=st.floats(0.0, 360.0),
        sigma=st.floats(0.5, 30.0),
    )
    def test_the_rest_of_the_world_never_reaches_zero_and_the_masses_sum_to_one(
        self, fx, fy, radius, reliability, bearing, sigma
    ):
        x, y, w, rest = self._cloud()
        cov = update.ellipse_covariance(radius, radius / 2, 30.0, 0.95)
        after_fix = update.after_fix(w, rest, x, y, (fx, fy), cov, reliability, self.REGION_M2)
        after_bearing = update.after_bearing(w, rest, x, y, (fx, fy), bearing, sigma, reliability)
        for post in (after_fix, after_bearing):
            assert post.rest > 0.0
            assert float(post.weights.sum()) + post.rest == pytest.approx(1.0, abs=1e-12)
            assert (post.weights >= 0).all()


# --- optimal allocation -----------------------------------------------------------------------

CELL_AREA = 250.0 * 250.0


def _prior(seed: int, shape: tuple[int, int] = (30, 30)) -> np.ndarray:
    """A lumpy prior that sums to 0.9 (the rest lies outside the grid)."""
    rng = np.random.default_rng(seed)
    p = rng.gamma(0.5, 1.0, shape) * np.exp(-((np.arange(shape[1]) - shape[1] / 3) ** 2) / 200)
    return np.asarray(p / p.sum() * 0.9, dtype=np.float64)


def _assert_water_filled(p: np.ndarray, z: np.ndarray, effectiveness: np.ndarray, budget: float) -> float:
    """Charnes–Cooper conditions for one asset: every searched cell's marginal gain
    e·d·exp(−e·z/a) is the same level, no unsearched cell's is above it; the budget is spent."""
    assert (z >= 0).all()
    assert float(z.sum()) == pytest.approx(budget, rel=1e-9)
    gain = effectiveness * p / CELL_AREA * np.exp(-effectiveness * z / CELL_AREA)
    searched = z > 0
    assert searched.any()
    level = float(gain[searched].mean())
    assert_allclose(gain[searched], level, rtol=1e-9)
    assert (gain[~searched] <= level * (1 + 1e-9)).all()
    return level


class TestWaterFilling:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    @pytest.mark.parametrize("budget_cells", [0.3, 12.0, 400.0])
    def test_the_searched_cells_are_left_at_one_density_and_no_unsearched_cell_is_above_it(
        self, seed, budget_cells
    ):
        p = _prior(seed)
        budget = budget_cells * CELL_AREA
        z = allocate.water_fill(p, budget, CELL_AREA)
        _assert_water_filled(p, z, np.ones_like(p), budget)

    def test_no_effort_goes_where_the_asset_cannot_search(self):
        p = _prior(4)
        effectiveness = np.ones_like(p)
        effectiveness[20:, :] = 0.4  # rougher water in the south
        effectiveness[:, :12] = 0.0  # a ship's sweep over land
        budget = 80 * CELL_AREA
        z = allocate.water_fill(p, budget, CELL_AREA, effectiveness)
        assert (z[effectiveness == 0] == 0).all()
        assert (z[:, :12] == 0).all()
        _assert_water_filled(p, z, effectiveness, budget)

    @settings(max_examples=40, deadline=None)
    @given(st.floats(0.0, 500.0), st.floats(0.0, 500.0), st.integers(0, 5))
    def test_more_effort_never_lowers_the_probability_of_success(self, a, b, seed):
        p = _prior(seed, (12, 12))
        low, high = sorted((a * CELL_AREA, b * CELL_AREA))
        p_low = allocate.success(p, allocate.water_fill(p, low, CELL_AREA) / CELL_AREA)
        p_high = allocate.success(p, allocate.water_fill(p, high, CELL_AREA) / CELL_AREA)
        assert p_high >= p_low - 1e-12
        assert p_high <= float(p.sum()) + 1e-12


def _gridded_normal(cells: int, sigma: float) -> tuple[np.ndarray, float]:
    """A circular normal of σ per axis integrated over a square grid spanning ±6σ."""
    edges = np.linspace(-6 * sigma, 6 * sigma, cells + 1)
    along = np.diff(ndtr(edges / sigma))
    return np.outer(along, along), float((edges[1] - edges[0]) ** 2)


class TestStoneOptimum:
    def test_stone_optimum_by_hand(self):
        sigma = 1000.0
        # Z = π σ² gives U = 1, so P* = 1 − 2/e
        assert allocate.stone_optimum(math.pi * sigma**2, sigma) == pytest.approx(1 - 2 / math.e, rel=1e-14)
        assert allocate.stone_optimum(4 * math.pi * sigma**2, sigma) == pytest.approx(
            1 - 3 * math.exp(-2), rel=1e-14
        )
        assert allocate.stone_optimum(0.0, sigma) == 0.0

    def test_water_filling_a_finer_grid_approaches_the_closed_form(self):
        sigma = 1000.0
        effort = 4 * math.pi * sigma**2
        exact = allocate.stone_optimum(effort, sigma)
        errors = []
        for cells in (50, 100, 200, 400):
            p, area = _gridded_normal(cells, sigma)
            z = allocate.water_fill(p, effort, area)
            errors.append(exact - allocate.success(p, z / area))
        # a cell-constant plan is one of the continuous plans, so the grid never beats Stone
        assert all(e > -1e-12 for e in errors)
        assert all(finer < coarser for coarser, finer in itertools.pairwise(errors))
        assert errors[-1] < 1e-3


class TestSeveralAssets:
    def test_identical_assets_do_what_one_asset_with_their_summed_effort_does(self):
        p = _prior(5)
        efforts = [30 * CELL_AREA, 55 * CELL_AREA, 10 * CELL_AREA]
        together = allocate.allocate(p, efforts, CELL_AREA)
        alone = allocate.success(p, allocate.water_fill(p, sum(efforts), CELL_AREA) / CELL_AREA)
        assert together.probability_of_success == pytest.approx(alone, abs=1e-9)
        assert_allclose(together.effort_m2.sum(axis=(1, 2)), efforts, rtol=1e-9)

    @pytest.mark.parametrize(
        ("stopping", "rtol"),
        [
            ({}, 1e-3),  # the default stop (a round gains ≤ 1e-7) leaves the levels this close
            ({"tolerance": 1e-13, "max_rounds": 400}, 1e-6),
        ],
    )
    def test_two_assets_that_each_search_half_the_grid_meet_the_kkt_conditions(self, stopping, rtol):
        p = _prior(6, (20, 20))
        west = np.zeros_like(p)
        west[:, :12] = 0.9  # a helicopter over the western 12 columns
        north = np.zeros_like(p)
        north[:12, :] = 0.5  # a ship over the northern 12 rows: they share a 12 × 12 corner
        efforts = [40 * CELL_AREA, 60 * CELL_AREA]
        plan = allocate.allocate(p, efforts, CELL_AREA, [west, north], **stopping)
        assert_allclose(plan.coverage, (west * plan.effort_m2[0] + north * plan.effort_m2[1]) / CELL_AREA)
        assert ((plan.effort_m2[0] > 0) & (plan.effort_m2[1] > 0)).any()  # the corner is contested
        undetected = p / CELL_AREA * np.exp(-plan.coverage)
        for effectiveness, effort, budget in zip((west, north), plan.effort_m2, efforts, strict=True):
            assert float(effort.sum()) == pytest.approx(budget, rel=1e-9)
            assert (effort[effectiveness == 0] == 0).all()
            gain = effectiveness * undetected  # ∂P/∂z_ij = e_ij·p_j·exp(−cov_j)/a
            given = effort > 0
            level = float(np.median(gain[given]))
            assert_allclose(gain[given], level, rtol=rtol)
            assert (gain[~given] <= level * (1 + rtol)).all()

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_the_allocation_beats_or_equals_a_general_optimiser_on_a_tiny_grid(self, seed):
        rng = np.random.default_rng(seed)
        p = rng.random((3, 3))
        p = p / p.sum() * 0.95
        effectiveness = [rng.random((3, 3)), rng.random((3, 3))]
        effectiveness[0][0, :] = 0.0
        effectiveness[1][:, 2] = 0.0
        efforts = [2.0 * CELL_AREA, 3.5 * CELL_AREA]
        plan = allocate.allocate(p, efforts, CELL_AREA, effectiveness)
        e = np.stack([m.ravel() for m in effectiveness])

        def missed(v: np.ndarray) -> float:  # efforts in units of cells, to keep SLSQP well scaled
            coverage = (e * v.reshape(2, 9)).sum(axis=0)
            return float(-np.sum(p.ravel() * -np.expm1(-coverage)))

        constraints = [
            {"type": "eq", "fun": lambda v, i=i: v.reshape(2, 9)[i].sum() - efforts[i] / CELL_AREA}
            for i in range(2)
        ]
        best = 0.0
        for _ in range(5):
            start = rng.dirichlet(np.ones(9), 2) * (np.array(efforts)[:, None] / CELL_AREA)
            found = minimize(
                missed, start.ravel(), method="SLSQP", bounds=[(0, None)] * 18, constraints=constraints,
                options={"ftol": 1e-12, "maxiter": 500},
            )  # fmt: skip
            feasible = (found.x >= -1e-9).all() and np.allclose(
                found.x.reshape(2, 9).sum(axis=1), np.array(efforts) / CELL_AREA, rtol=1e-6
            )
            if feasible:
                best = max(best, -missed(found.x))
        assert best > 0.0
        assert plan.probability_of_success >= best - 1e-8


# --- search areas --------------------------------------------------------------------------------


class TestSearchAreas:
    CELL_W, CELL_H = 500.0, 400.0

    def _assets(self, p: np.ndarray) -> tuple[list[float], list[float], list[np.ndarray]]:
        west = np.zeros(p.shape, dtype=bool)
        west[:, : p.shape[1] * 2 // 3] = True
        everywhere = np.ones(p.shape, dtype=bool)
        return [800.0, 300.0], [60_000.0, 40_000.0], [west, everywhere]

    def _plan(
        self, seed: int, law: areas.PodLaw
    ) -> tuple[np.ndarray, list[areas.AreaPlan], np.ndarray, float]:
        p = _prior(seed, (24, 24))
        widths, lengths, masks = self._assets(p)
        area = self.CELL_W * self.CELL_H
        efforts = [w * length for w, length in zip(widths, lengths, strict=True)]
        optimal = allocate.allocate(p, efforts, area, [m.astype(np.float64) for m in masks])
        plans, left = areas.place(
            p, self.CELL_W, self.CELL_H, list(optimal.effort_m2), widths, lengths, masks, law
        )
        return p, plans, left, optimal.probability_of_success

    @pytest.mark.parametrize("seed", [1, 2, 3, 4])
    def test_the_practical_plan_never_beats_the_optimal_allocation(self, seed):
        p, _, left, optimal = self._plan(seed, allocate.pod_random)
        practical = float(p.sum() - left.sum())
        assert 0.0 < practical <= optimal + 1e-12

    def test_each_rectangle_is_searched_at_the_spacing_its_track_length_allows(self):
        p, plans, _, _ = self._plan(7, allocate.pod_inverse_cube)
        widths, lengths, _ = self._assets(p)
        for plan, width, length in zip(plans, widths, lengths, strict=True):
            rect = plan.rectangle
            assert plan.width_m == (rect.col1 - rect.col0) * self.CELL_W
            assert plan.height_m == (rect.row1 - rect.row0) * self.CELL_H
            assert plan.track_spacing_m * length == pytest.approx(plan.width_m * plan.height_m, rel=1e-12)
            assert plan.coverage == pytest.approx(width / plan.track_spacing_m, rel=1e-12)
            assert plan.probability_of_detection == pytest.approx(
                float(allocate.pod_inverse_cube(plan.coverage))
            )

    def test_an_unsuccessful_search_leaves_one_minus_pod_inside_each_rectangle(self):
        p, plans, left, _ = self._plan(8, allocate.pod_random)
        _, _, masks = self._assets(p)
        expected = p.copy()
        for plan, mask in zip(plans, masks, strict=True):
            r = plan.rectangle
            window = (slice(r.row0, r.row1), slice(r.col0, r.col1))
            assert plan.probability_of_containment == pytest.approx(
                float(expected[window][mask[window]].sum())
            )
            assert plan.probability_of_detection == pytest.approx(1 - math.exp(-plan.coverage))
            expected[window] = np.where(
                mask[window], expected[window] * (1 - plan.probability_of_detection), expected[window]
            )
        assert_allclose(left, expected, rtol=1e-12, atol=1e-15)


# --- leeway --------------------------------------------------------------------------------------

WIND_FROM_WEST = leeway.Forcing.constant(10.0, 0.0, 0.0, 0.0)
HOUR = 3600.0


def _drift(
    key: str, forcing: leeway.Forcing, particles: int, steps: int, step_s: float, jibe: float, seed: int = 3
):
    zeros = np.zeros(particles)
    rng = np.random.default_rng(seed)
    return leeway.drift(rng, zeros, zeros.copy(), leeway.OBJECTS[key], forcing, FRAME, steps, step_s, jibe)


class TestLeeway:
    def test_the_mean_downwind_drift_matches_the_published_coefficients(self):
        obj = leeway.OBJECTS["AVIATION-1"]
        track = _drift("AVIATION-1", WIND_FROM_WEST, 4000, 6, 600.0, 0.0)
        downwind = (track.x_m[-1].astype(np.float64) - track.x_m[0]) / track.horizon_s
        _within_standard_errors(downwind, (obj.dw_slope * 10.0 + obj.dw_offset) * 0.01)

    def test_the_redraw_of_negative_slopes_biases_a_heavy_tailed_class_by_the_truncated_mean(self):
        # PIW-1: ε ~ N(0, 12) redrawn while 0.96 + ε/20 < 0, i.e. kept above −19.2 (1.6 σ)
        obj = leeway.OBJECTS["PIW-1"]
        track = _drift("PIW-1", WIND_FROM_WEST, 4000, 2, 1800.0, 0.0)
        downwind = (track.x_m[-1].astype(np.float64) - track.x_m[0]) / track.horizon_s
        cut = -20 * obj.dw_slope / obj.dw_std
        truncated_mean = (
            obj.dw_std * math.exp(-(cut**2) / 2) / math.sqrt(2 * math.pi) / (1 - float(ndtr(cut)))
        )
        nominal = obj.dw_slope * 10.0 + obj.dw_offset
        _within_standard_errors(downwind, (nominal + truncated_mean * (10.0 / 20 + 0.5)) * 0.01)
        assert float(downwind.mean()) > nominal * 0.01

    def test_each_half_drifts_crosswind_to_its_own_side_by_the_published_coefficients(self):
        obj = leeway.OBJECTS["AVIATION-1"]
        track = _drift("AVIATION-1", WIND_FROM_WEST, 4000, 6, 600.0, 0.0)
        # downwind is east, so right of downwind is south
        to_the_right = -(track.y_m[-1].astype(np.float64) - track.y_m[0]) / track.horizon_s
        right, left = to_the_right[0::2], to_the_right[1::2]
        _within_standard_errors(right, (obj.cwr_slope * 10.0 + obj.cwr_offset) * 0.01)
        _within_standard_errors(left, (obj.cwl_slope * 10.0 + obj.cwl_offset) * 0.01)

    def test_an_object_without_windage_moves_exactly_with_the_current(self):
        forcing = leeway.Forcing.constant(12.0, -5.0, 0.3, -0.2)
        rng = np.random.default_rng(4)
        x0, y0 = cloud.seed(rng, 500, 2000.0)
        track = leeway.drift(rng, x0, y0, leeway.OBJECTS["SLDMB"], forcing, FRAME, 8, 900.0)
        for k, t in enumerate(track.times_s):
            assert_allclose(track.x_m[k], x0 + 0.3 * t, atol=2e-3)
            assert_allclose(track.y_m[k], y0 - 0.2 * t, atol=2e-3)

    def test_with_jibing_each_side_keeps_about_half_the_particles(self):
        particles, steps, step_s, per_hour = 4000, 12, 600.0, 0.5
        track = _drift("AVIATION-1", WIND_FROM_WEST, particles, steps, step_s, per_hour)
        # the last step's crosswind (≥ 6 standard deviations from zero on either side) tells the side
        on_the_right = (track.y_m[-1].astype(np.float64) - track.y_m[-2]) < 0
        _within_binomial(float(on_the_right.mean()), 0.5, particles)
        # and particles do jibe: each step flips a side with probability per_hour·step_s/3600
        flip = per_hour * step_s / HOUR
        switched = (1 - (1 - 2 * flip) ** (steps - 1)) / 2  # the last step's side was set by step 11
        _within_binomial(float((~on_the_right[0::2]).mean()), switched, particles // 2)


class TestLeewaySpreadAndGriddedForcing:
    """What the mean alone does not check: each particle's own coefficients, and forcing read on a
    grid in space and time."""

    def test_the_spread_of_the_drift_matches_the_published_standard_deviations_split_as_published(self):
        # each particle draws ε ~ N(0, σ) once: ε/20 on the slope, ε/2 on the offset, so at 10 m/s
        # the speed's standard deviation is σ·(10/20 + 1/2) cm/s downwind and crosswind alike
        obj = leeway.OBJECTS["AVIATION-1"]
        track = _drift("AVIATION-1", WIND_FROM_WEST, 20000, 6, 600.0, 0.0)
        t = track.horizon_s
        downwind = (track.x_m[-1].astype(np.float64) - track.x_m[0]) / t
        to_the_right = -(track.y_m[-1].astype(np.float64) - track.y_m[0]) / t
        factor = (10.0 / 20 + 0.5) * 0.01
        assert float(downwind.std()) == pytest.approx(obj.dw_std * factor, rel=0.03)
        assert float(to_the_right[0::2].std()) == pytest.approx(obj.cwr_std * factor, rel=0.03)
        assert float(to_the_right[1::2].std()) == pytest.approx(obj.cwl_std * factor, rel=0.03)

    @staticmethod
    def grid(current_east: np.ndarray, current_north: np.ndarray, times_s: list[float]) -> leeway.Forcing:
        """A 2 x 2 forcing around the frame's origin (0.1° each way), calm wind."""
        lats = np.array([FRAME.lat0 - 0.1, FRAME.lat0 + 0.1])
        lons = np.array([FRAME.lon0 - 0.1, FRAME.lon0 + 0.1])
        shape = (len(times_s), 2, 2)
        calm = np.zeros(shape, dtype=np.float32)
        return leeway.Forcing(
            np.array(times_s, dtype=np.float64),
            lats,
            lons,
            calm,
            calm.copy(),
            np.broadcast_to(current_east, shape).astype(np.float32),
            np.broadcast_to(current_north, shape).astype(np.float32),
        )

    def run(self, forcing: leeway.Forcing, y0_m: float = 0.0) -> cloud.Track:
        rng = np.random.default_rng(5)
        x0, y0 = np.zeros(200), np.full(200, y0_m)
        return leeway.drift(rng, x0, y0, leeway.OBJECTS["PIW-1"], forcing, FRAME, 12, 600.0, 0.0)

    def test_the_current_is_interpolated_in_time_between_the_files_times(self):
        # the current rises from 0 to 1 m/s east over two hours; each 10-minute step moves at the
        # current of its start: 600 s x (0 + 1/12 + ... + 11/12) m/s = 3300 m
        ramp = np.array([0.0, 1.0]).reshape(2, 1, 1)
        track = self.run(self.grid(ramp, np.zeros((1, 1, 1)), [0.0, 7200.0]))
        assert_allclose(track.x_m[-1], 3300.0, rtol=1e-4)
        assert_allclose(track.y_m[-1], 0.0, atol=1e-3)

    def test_a_northward_current_moves_north(self):
        track = self.run(self.grid(np.zeros((1, 1, 1)), np.full((1, 1, 1), 0.5), [0.0, 7200.0]))
        assert_allclose(track.y_m[-1], 3600.0, rtol=1e-4)
        assert_allclose(track.x_m[-1], 0.0, atol=1e-3)

    def test_the_current_is_interpolated_in_space_north_up(self):
        # 1 m/s east on the northern row, still water on the southern: three quarters of the way
        # north the current is 0.75 m/s (read upside down it would be 0.25)
        northern_row_only = np.array([[0.0, 0.0], [1.0, 1.0]]).reshape(1, 2, 2)  # rows south to north
        quarter = 0.05 * M_PER_DEG  # 0.05° north of the middle of a 0.2° grid
        track = self.run(self.grid(northern_row_only, np.zeros((1, 1, 1)), [0.0, 7200.0]), y0_m=quarter)
        assert_allclose(track.x_m[-1], 0.75 * 7200.0, rtol=2e-3)


class TestTheProbabilityMapIsNorthUp:
    def test_the_mass_lies_in_the_cells_over_where_the_particles_are(self):
        # four fifths of the weight 5 km north-east of the origin, one fifth 5 km south-west
        x = np.array([5000.0] * 4 + [-5000.0])
        y = np.array([5000.0] * 4 + [-5000.0])
        w = np.full(5, 0.2)
        grid = cloud.map_grid(FRAME, x, y, w, 40)
        p = cloud.probability_map(FRAME, x, y, w, grid)
        row, col = np.unravel_index(int(np.argmax(p)), p.shape)
        lat, lon = FRAME.to_latlon(5000.0, 5000.0)
        assert row < grid.rows // 2, "row 0 is the northern edge"
        assert col >= grid.cols // 2
        assert grid.cell_of(float(lat), float(lon)) == (row, col)
        assert float(p.sum()) == pytest.approx(1.0)


# --- the cloud and its frame ---------------------------------------------------------------------


class TestFrameAndTrack:
    @given(
        lat0=st.floats(-75.0, 75.0),
        lon0=st.floats(-179.0, 179.0),
        dlat=st.floats(-1.5, 1.5),
        dlon=st.floats(-1.5, 1.5),
    )
    def test_lat_lon_round_trips_through_the_local_plane(self, lat0, lon0, dlat, dlon):
        frame = Frame(lat0, lon0)
        x, y = frame.to_xy(lat0 + dlat, lon0 + dlon)
        lat, lon = frame.to_latlon(x, y)
        assert float(lat) == pytest.approx(lat0 + dlat, abs=1e-9)
        assert float(lon) == pytest.approx(lon0 + dlon, abs=1e-9)

    def test_a_degree_of_latitude_is_m_per_deg_north(self):
        x, y = FRAME.to_xy(FRAME.lat0 + 1.0, FRAME.lon0)
        assert float(x) == 0.0
        assert float(y) == pytest.approx(M_PER_DEG, rel=1e-12)

    def _track(self) -> Track:
        times = np.array([0.0, 100.0, 300.0])
        x = np.array([[0.0, 10.0], [100.0, 10.0], [100.0, 50.0]], dtype=np.float32)
        y = np.array([[0.0, -4.0], [0.0, 4.0], [200.0, 4.0]], dtype=np.float32)
        return Track(times, x, y)

    @pytest.mark.parametrize(
        ("t", "x", "y"),
        [
            (0.0, [0.0, 10.0], [0.0, -4.0]),
            (25.0, [25.0, 10.0], [0.0, -2.0]),
            (100.0, [100.0, 10.0], [0.0, 4.0]),
            (250.0, [100.0, 40.0], [150.0, 4.0]),
            (300.0, [100.0, 50.0], [200.0, 4.0]),
        ],
    )
    def test_track_positions_are_linear_between_recorded_times(self, t, x, y):
        at_x, at_y = self._track().at(t)
        assert_allclose(at_x, x, atol=1e-9)
        assert_allclose(at_y, y, atol=1e-9)

    @pytest.mark.parametrize("t", [-1.0, 300.5, 1e6])
    def test_track_refuses_times_outside_it(self, t):
        with pytest.raises(ValueError, match="outside the track"):
            self._track().at(t)

    def test_a_stationary_persons_map_keeps_its_mass_where_it_was(self):
        rng = np.random.default_rng(31)
        x, y = cloud.seed(rng, 3000, 4000.0)
        weights = _random_weights(rng, x.size, 0.01)
        track = cloud.stationary(x, y, np.arange(0.0, 12 * HOUR + 1, 900.0))
        grid = cloud.map_grid(FRAME, x, y, weights, 40)
        start = cloud.probability_map(FRAME, *track.at(0.0), weights, grid)
        later = cloud.probability_map(FRAME, *track.at(track.horizon_s), weights, grid)
        middle = cloud.probability_map(FRAME, *track.at(5000.0), weights, grid)
        assert_array_equal(start, later)
        assert_array_equal(start, middle)
        assert float(start.sum()) == pytest.approx(0.99, abs=1e-12)  # the grid holds every particle


# --- evader --------------------------------------------------------------------------------------

CELL_M = 50.0
RASTER = 40  # cells a side: 2 km


def _ground(threat_block: float = 0.0, water: bool = False) -> evader.Ground:
    """Flat 2 km × 2 km ground at 1.2 m/s; optionally a threat square in the middle and a lake."""
    speed = np.full((RASTER, RASTER), 1.2, dtype=np.float32)
    speed[::7, 3::5] = 0.9  # some slower ground
    threat = np.zeros((RASTER, RASTER), dtype=np.float32)
    threat[15:25, 15:25] = threat_block
    if water:
        speed[5:12, 22:34] = 0.0
    return evader.Ground(0.0, RASTER * CELL_M, CELL_M, speed, threat)


def _inside_threat_square(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    col = np.floor(x / CELL_M)
    row = np.floor((RASTER * CELL_M - y) / CELL_M)
    return (row >= 15) & (row < 25) & (col >= 15) & (col < 25)


def _shape(ground: evader.Ground) -> tuple[int, int]:
    return ground.speed_ms.shape[0], ground.speed_ms.shape[1]


class TestEvaderKernel:
    def test_the_compiled_step_agrees_with_the_numpy_reference_on_the_same_draws(self):
        params = evader.EvaderParameters(step_s=120.0, avoidance=2.0)
        ground = _ground(threat_block=0.3, water=True)
        rng = np.random.default_rng(41)
        n = 3000
        x = rng.uniform(-100.0, 2100.0, n)  # some start off the raster, and hold
        y = rng.uniform(-100.0, 2100.0, n)
        destinations = np.array([[1900.0, 1900.0], [300.0, 1700.0], [1000.0, 100.0]])
        target = rng.integers(-1, 3, n).astype(np.int32)
        fitness = rng.lognormal(0.0, 0.25, n)
        cos_t, sin_t = evader.heading_table(params.heading_sigma_deg)
        fast = (x.copy(), y.copy(), target.copy())
        slow = (x.copy(), y.copy(), target.copy())
        bits = np.random.default_rng(42).bit_generator
        for step in range(10):
            raw = bits.random_raw(n)
            p_move = params.move_night if step % 4 else params.move_day
            evader._step(
                fast[0], fast[1], fast[2], fitness, raw, destinations, evader.pack(ground), *_shape(ground),
                ground.west_m, ground.north_m, ground.cell_m, p_move, params.step_s, params.avoidance,
                params.arrive_m, cos_t, sin_t,
            )  # fmt: skip
            evader.step_reference(
                slow[0], slow[1], slow[2], fitness, raw, destinations, ground, p_move, params
            )
            assert_allclose(fast[0], slow[0], rtol=0, atol=1e-6)
            assert_allclose(fast[1], slow[1], rtol=0, atol=1e-6)
            assert_array_equal(fast[2], slow[2])
        assert float(np.hypot(fast[0] - x, fast[1] - y).max()) > 500.0  # they did move
        assert (fast[2] == -1).sum() > (target == -1).sum()  # and some arrived

    def test_the_reference_step_is_silent_for_an_evader_standing_on_a_destination(self):
        # an evader who has arrived at destination 0 stands exactly on it (distance 0): the
        # reference must not turn its undefined heading into a warning (warnings are errors here)
        ground = _ground()
        destinations = np.array([[500.0, 500.0]])
        x, y = np.array([500.0, 100.0]), np.array([500.0, 100.0])
        target = np.array([-1, 0], dtype=np.int32)  # the first has arrived, the second walks
        raw = np.full(2, 1 << (evader.HEADING_BITS - 1), dtype=np.uint64)  # gate 0, the median heading
        params = evader.EvaderParameters()
        fast = (x.copy(), y.copy(), target.copy())
        cos_t, sin_t = evader.heading_table(params.heading_sigma_deg)
        evader._step(
            fast[0], fast[1], fast[2], np.ones(2), raw, destinations, evader.pack(ground), *_shape(ground),
            ground.west_m, ground.north_m, ground.cell_m, 1.0, params.step_s, params.avoidance,
            params.arrive_m, cos_t, sin_t,
        )  # fmt: skip
        evader.step_reference(x, y, target, np.ones(2), raw, destinations, ground, 1.0, params)
        assert (x[0], y[0]) == (500.0, 500.0)
        assert x[1] > 100.0  # toward the destination, north-east
        assert y[1] > 100.0
        assert_allclose(np.concatenate([x, y]), np.concatenate(fast[:2]), rtol=0, atol=1e-6)


class TestClearance:
    def test_a_step_shorter_than_its_cells_clearance_never_crosses_water_or_the_edge(self):
        # the shortcut's promise, tried on a raster cut by rivers and lakes: every such step,
        # walked cell by cell, is clear
        rng = np.random.default_rng(8)
        speed = np.ones((120, 120), dtype=np.float32)
        speed[rng.random((120, 120)) < 0.004] = 0.0  # ponds
        speed[:, 70] = 0.0  # a river one cell wide
        clear = evader.clearance(speed)
        cell, west, north = 25.0, 0.0, 3000.0
        tried = 0
        for _ in range(20_000):
            x0, y0 = rng.uniform(0, 3000, 2)
            c, r = int(x0 // cell), int((north - y0) // cell)
            length = (clear[r, c] - 1) * cell * rng.uniform(0.0, 0.999)
            if length <= 0:
                continue
            heading = rng.uniform(0, 2 * np.pi)
            x1, y1 = x0 + length * np.sin(heading), y0 + length * np.cos(heading)
            assert evader._clear(speed.ravel(), west, north, cell, 120, 120, x0, y0, x1, y1)
            tried += 1
        assert tried > 10_000

    def test_the_river_and_the_edge_have_no_clearance_and_it_grows_away_from_them(self):
        speed = np.ones((9, 9), dtype=np.float32)
        speed[:, 4] = 0.0
        clear = evader.clearance(speed)
        assert clear[4].tolist() == [1, 2, 2, 1, 0, 1, 2, 2, 1]

    def test_the_shortcut_changes_no_step(self):
        # the same draws with no clearance at all (every step walked cell by cell) give the same moves
        params = evader.EvaderParameters(step_s=300.0)
        ground = _ground(threat_block=0.2, water=True)
        rng = np.random.default_rng(3)
        n = 4000
        x, y = rng.uniform(0.0, 2000.0, n), rng.uniform(0.0, 2000.0, n)
        destinations = np.array([[1900.0, 1900.0], [100.0, 1000.0]])
        target = rng.integers(0, 2, n).astype(np.int32)
        fitness = rng.lognormal(0.0, 0.25, n)
        cos_t, sin_t = evader.heading_table(params.heading_sigma_deg)
        runs = []
        packed = evader.pack(ground)
        walked = packed.copy()
        walked[:, 2] = 0.0  # no open distance anywhere
        for cells in (packed, walked):
            px, py, pt = x.copy(), y.copy(), target.copy()
            bits = np.random.default_rng(9).bit_generator
            for _ in range(8):
                evader._step(
                    px, py, pt, fitness, bits.random_raw(n), destinations, cells, *_shape(ground),
                    ground.west_m, ground.north_m, ground.cell_m, 0.9, params.step_s, params.avoidance,
                    params.arrive_m, cos_t, sin_t,
                )  # fmt: skip
            runs.append((px, py))
        assert_array_equal(runs[0][0], runs[1][0])
        assert_array_equal(runs[0][1], runs[1][1])
        assert float(np.hypot(runs[0][0] - x, runs[0][1] - y).max()) > 500.0


def _evade(
    ground: evader.Ground, night: list[bool], particles: int = 4000, seed: int = 5, **kwargs: float
) -> tuple[Track, np.ndarray]:
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(250.0, 450.0, particles)
    y0 = rng.uniform(900.0, 1100.0, particles)
    destination = np.array([[1800.0, 1000.0]])  # due east, across the middle of the raster
    params = evader.EvaderParameters(step_s=120.0, **kwargs)
    track = evader.evade(rng, x0, y0, destination, np.array([1.0]), ground, np.array(night), params)
    return track, destination[0]


class TestOneEvadersStep:
    """One night step on flat ground at 1.2 m/s toward a destination due east, every evader moving:
    the step's length is speed · fitness · dt (fitness lognormal, σ = 0.25) and its direction the
    bearing to the destination turned by a normal heading error (σ = 35°). The moments of both are
    known in closed form."""

    @staticmethod
    def step(**kwargs: float) -> tuple[np.ndarray, np.ndarray]:
        n = 40_000
        speed = np.full((100, 100), 1.2, dtype=np.float32)
        ground = evader.Ground(0.0, 5000.0, 50.0, speed, np.zeros((100, 100), dtype=np.float32))
        rng = np.random.default_rng(8)
        x0, y0 = np.full(n, 1000.0), np.full(n, 2500.0)
        params = evader.EvaderParameters(step_s=120.0, move_night=1.0, **kwargs)
        track = evader.evade(
            rng, x0, y0, np.array([[4500.0, 2500.0]]), np.array([1.0]), ground, np.array([True]), params
        )
        return track.x_m[1].astype(np.float64) - 1000.0, track.y_m[1].astype(np.float64) - 2500.0

    def test_the_steps_length_is_the_walking_speed_times_a_lognormal_fitness(self):
        along, across = self.step()
        length = np.hypot(along, across)
        p = evader.EvaderParameters()
        assert float(np.log(length).mean()) == pytest.approx(math.log(1.2 * 120.0), abs=0.01)
        assert float(np.log(length).std()) == pytest.approx(p.fitness_sigma, rel=0.03)

    def test_the_heading_error_spreads_the_steps_as_a_normal_of_35_degrees(self):
        along, across = self.step()
        p = evader.EvaderParameters()
        sigma = math.radians(p.heading_sigma_deg)
        f2 = math.exp(2 * p.fitness_sigma**2)  # E[fitness²]
        expected_across = 1.2 * 120.0 * math.sqrt(f2 * (1 - math.exp(-2 * sigma**2)) / 2)
        assert float(across.std()) == pytest.approx(expected_across, rel=0.03)
        expected_along = 1.2 * 120.0 * math.exp(p.fitness_sigma**2 / 2) * math.exp(-(sigma**2) / 2)
        assert float(along.mean()) == pytest.approx(expected_along, rel=0.02)
        assert abs(float(across.mean())) < 0.02 * expected_across  # no side preferred


class TestBarriersAndUniformThreat:
    def test_a_river_narrower_than_a_step_is_not_crossed(self):
        # 300 m of water (6 cells of 50 m) across the way east; a step is up to ~1.8 km (1.2 m/s for
        # 15 minutes, the fittest 1.7 times faster): checking only where a step lands, some jump it
        speed = np.full((100, 100), 1.2, dtype=np.float32)
        speed[:, 50:56] = 0.0
        ground = evader.Ground(0.0, 5000.0, 50.0, speed, np.zeros((100, 100), dtype=np.float32))
        rng = np.random.default_rng(9)
        n = 4000
        x0, y0 = rng.uniform(1500.0, 2400.0, n), rng.uniform(1000.0, 4000.0, n)
        track = evader.evade(
            rng, x0, y0, np.array([[4500.0, 2500.0]]), np.array([1.0]), ground, np.array([True] * 24),
            evader.EvaderParameters(),
        )  # fmt: skip
        assert float(track.x_m.max()) < 2500.0, "nobody on the far bank"
        assert float((track.x_m[-1] > 2300.0).mean()) > 0.3, "many did walk to the bank"

    def test_in_a_uniformly_high_threat_the_evader_still_moves(self):
        # threat 0.7 everywhere: turning back in proportion to the threat itself would freeze every
        # evader (1.5 x 0.7 > 1); it is a rise in threat that turns one back
        speed = np.full((100, 100), 1.2, dtype=np.float32)
        threat = np.full((100, 100), 0.7, dtype=np.float32)
        ground = evader.Ground(0.0, 5000.0, 50.0, speed, threat)
        rng = np.random.default_rng(10)
        x0, y0 = np.full(2000, 1000.0), np.full(2000, 2500.0)
        track = evader.evade(
            rng, x0, y0, np.array([[4500.0, 2500.0]]), np.array([1.0]), ground, np.array([True] * 4),
            evader.EvaderParameters(),
        )  # fmt: skip
        assert float(track.x_m[-1].mean()) - 1000.0 > 1000.0

    @given(
        st.floats(0, 5000),
        st.floats(0, 5000),
        st.floats(-3000, 3000),
        st.floats(-3000, 3000),
        st.integers(0, 10**6),
    )
    @settings(max_examples=300, deadline=None)
    def test_a_walk_is_clear_only_if_every_cell_it_passes_through_is_passable(self, x0, y0, dx, dy, seed):
        rng = np.random.default_rng(seed)
        speed = np.where(rng.random((50, 50)) < 0.08, 0.0, 1.0).astype(np.float32)
        x1, y1 = x0 + dx, y0 + dy
        clear = evader._clear(speed.ravel(), 0.0, 5000.0, 100.0, 50, 50, x0, y0, x1, y1)
        t = np.linspace(0.0, 1.0, 4001)
        px, py = x0 + t * dx, y0 + t * dy
        r, c = np.floor((5000.0 - py) / 100.0).astype(int), np.floor(px / 100.0).astype(int)
        on = (r >= 0) & (r < 50) & (c >= 0) & (c < 50)
        sampled_clear = bool(on.all() and (speed[r[on], c[on]] > 0).all())
        if clear:
            assert sampled_clear, "a clear walk passes through no blocked cell"
        if sampled_clear and not clear:
            # only a corner grazed between two samples may tell them apart: a blocked cell touches the walk
            assert min(abs(dx), abs(dy)) > 0


class TestEvaderMovement:
    def test_an_evader_moves_with_probability_move_day_by_day_and_move_night_by_night(self):
        params = evader.EvaderParameters()
        for night, expected in ((False, params.move_day), (True, params.move_night)):
            track, _ = _evade(_ground(), [night], particles=4000)
            moved = (track.x_m[1] != track.x_m[0]) | (track.y_m[1] != track.y_m[0])
            _within_binomial(float(moved.mean()), expected, moved.size)

    def test_by_night_the_mean_distance_to_the_destination_drops_every_step(self):
        track, destination = _evade(_ground(), [True] * 6, particles=2000)
        distance = np.hypot(track.x_m - destination[0], track.y_m - destination[1]).mean(axis=1)
        assert (np.diff(distance) < 0).all()
        # at 1.2 m/s for 120 s, 85 % of them moving, each step closes in by tens of metres
        assert distance[0] - distance[-1] > 6 * 0.5 * 0.85 * 1.2 * 120.0

    def test_by_day_an_evader_covers_a_small_fraction_of_a_nights_distance(self):
        night, destination = _evade(_ground(), [True] * 6, particles=2000)
        day, _ = _evade(_ground(), [False] * 6, particles=2000)
        gained_by_night = (
            np.hypot(night.x_m[0] - destination[0], night.y_m[0] - destination[1]).mean()
            - np.hypot(night.x_m[-1] - destination[0], night.y_m[-1] - destination[1]).mean()
        )
        gained_by_day = (
            np.hypot(day.x_m[0] - destination[0], day.y_m[0] - destination[1]).mean()
            - np.hypot(day.x_m[-1] - destination[0], day.y_m[-1] - destination[1]).mean()
        )
        params = evader.EvaderParameters()
        assert 0 < gained_by_day < 2 * params.move_day / params.move_night * gained_by_night

    def test_evaders_keep_out_of_a_high_threat_square(self):
        night = [True] * 14
        exposed, _ = _evade(_ground(threat_block=0.0), night, particles=2000)
        avoided, _ = _evade(_ground(threat_block=0.8), night, particles=2000)
        inside_without = _inside_threat_square(exposed.x_m, exposed.y_m).mean()
        inside_with = _inside_threat_square(avoided.x_m, avoided.y_m).mean()
        assert inside_without > 0.05  # the straight way east crosses the square
        assert inside_with < 0.2 * inside_without

    def test_with_no_destinations_everyone_holds_still(self):
        rng = np.random.default_rng(6)
        x0, y0 = rng.uniform(0, 2000, 500), rng.uniform(0, 2000, 500)
        track = evader.evade(
            rng,
            x0,
            y0,
            np.zeros((0, 2)),
            np.zeros(0),
            _ground(),
            np.ones(8, dtype=bool),
            evader.EvaderParameters(),
        )
        for k in range(track.x_m.shape[0]):
            assert_array_equal(track.x_m[k], x0.astype(np.float32))
            assert_array_equal(track.y_m[k], y0.astype(np.float32))

    @pytest.mark.parametrize(("particles", "threads"), [(3000, 1), (20_000, 2)])
    def test_the_same_seed_replays_the_same_tracks(self, particles, threads):
        def run() -> Track:
            rng = np.random.default_rng(2024)
            x0, y0 = rng.uniform(200, 1800, particles), rng.uniform(200, 1800, particles)
            dest = np.array([[1800.0, 1000.0], [300.0, 300.0]])
            night = np.array([True, True, False, True, False, True])
            return evader.evade(
                rng, x0, y0, dest, np.array([0.3, 0.7]), _ground(0.3, True), night,
                evader.EvaderParameters(step_s=300.0), threads=threads,
            )  # fmt: skip

        first, second = run(), run()
        assert_array_equal(first.times_s, second.times_s)
        assert_array_equal(first.x_m, second.x_m)
        assert_array_equal(first.y_m, second.y_m)


class TestSameMapOnAnyMachine:
    def test_the_same_seed_gives_the_same_particles_whatever_the_number_of_threads(self):
        from jprcc.locate.planning import leeway as lw

        n = 120_000  # three random streams
        forcing = lw.Forcing.constant(6.0, 4.0, 0.1, 0.0)
        tracks = [
            lw.drift(np.random.default_rng(9), np.zeros(n), np.zeros(n), lw.OBJECTS["PIW-1"], forcing,
                     cloud.Frame(40.0, 10.0), 4, 900.0, record_every=4, threads=threads)
            for threads in (1, 2, 3)
        ]  # fmt: skip
        for other in tracks[1:]:
            np.testing.assert_array_equal(tracks[0].x_m, other.x_m)
            np.testing.assert_array_equal(tracks[0].y_m, other.y_m)


class TestTheNumericsRefuseWhatTheyCannotUse:
    """A NaN, an infinity or a probability outside [0, 1] is refused by name, never turned into a
    NaN map or a probability of success of 0."""

    @pytest.mark.parametrize("law", [allocate.pod_random, allocate.pod_inverse_cube])
    @pytest.mark.parametrize("coverage", [math.nan, math.inf, -0.5])
    def test_a_detection_law_refuses_a_coverage_it_cannot_mean(self, law, coverage):
        with pytest.raises(ValueError, match="coverage"):
            law(np.array([0.5, coverage]))

    def test_the_allocation_refuses_a_map_that_is_not_probabilities_and_a_non_finite_effort(self):
        grid = np.full((4, 4), 1 / 16)
        with pytest.raises(ValueError, match="probability"):
            allocate.allocate(np.where(np.eye(4) > 0, math.nan, grid), [1e6], 100.0)
        with pytest.raises(ValueError, match="probability"):
            allocate.allocate(grid * 20, [1e6], 100.0)
        with pytest.raises(ValueError, match="efforts_m2"):
            allocate.allocate(grid, [math.inf], 100.0)
        with pytest.raises(ValueError, match="sigma_m"):
            allocate.stone_optimum(1e6, 0.0)

    def test_bayes_refuses_an_impossible_reliability_or_detection(self):
        w = np.full(10, 0.09)
        with pytest.raises(ValueError, match="reliability"):
            update.mixed(np.ones(10), 1.5, 0.1)
        with pytest.raises(ValueError, match="detection"):
            update.after_search(w, 0.1, np.full(10, math.nan))
        with pytest.raises(ValueError, match="weights"):
            update.reweight(np.full(10, -0.1), 0.1, np.ones(10), 1.0)

    def test_the_drift_refuses_a_non_finite_start_or_forcing(self):
        rng = np.random.default_rng(1)
        frame = Frame(39.8, 8.7)
        obj = leeway.OBJECTS["PIW-1"]
        x = np.zeros(10)
        with pytest.raises(ValueError, match="x0"):
            leeway.drift(
                rng, np.full(10, math.nan), x, obj, leeway.Forcing.constant(1, 0, 0, 0), frame, 4, 600
            )
        with pytest.raises(ValueError, match=r"forcing\.wind_east"):
            leeway.drift(rng, x, x, obj, leeway.Forcing.constant(math.inf, 0, 0, 0), frame, 4, 600)


class TestAFixFarFromTheCloud:
    def test_the_probability_the_fix_pushes_off_the_cloud_is_given_particles_at_the_fix(self):
        rng = np.random.default_rng(12)
        x, y = rng.normal(0.0, 300.0, 5000), rng.normal(0.0, 300.0, 5000)
        w = np.full(5000, 0.99 / 5000)
        cov = np.eye(2) * 100.0**2
        post = update.after_fix(w, 0.01, x, y, (20_000.0, 0.0), cov, 0.95, 4e8)
        assert post.rest > 0.1, "Bayes puts the fix's probability in the rest of the world"
        moved = update.reseed(0.01, post, 0.95)
        assert moved is not None
        assert moved.rest == 0.01
        assert moved.mass == pytest.approx(post.rest - 0.01)
        assert float(moved.weights.sum()) + moved.rest == pytest.approx(1.0)
        assert float(moved.weights[moved.particles].sum()) == pytest.approx(
            moved.mass + float(post.weights[moved.particles].sum())
        )

    def test_a_fix_inside_the_cloud_or_an_unreliable_one_reseeds_nothing(self):
        rng = np.random.default_rng(13)
        x, y = rng.normal(0.0, 300.0, 5000), rng.normal(0.0, 300.0, 5000)
        w = np.full(5000, 0.99 / 5000)
        cov = np.eye(2) * 100.0**2
        inside = update.after_fix(w, 0.01, x, y, (100.0, 0.0), cov, 0.95, 4e8)
        assert update.reseed(0.01, inside, 0.95) is None
        far = update.after_fix(w, 0.01, x, y, (20_000.0, 0.0), cov, 0.5, 4e8)
        assert update.reseed(0.01, far, 0.5) is None


class TestListeningSearch:
    """An electronic search hears only a transmitting person: its detection is the chance they
    transmit while it listens (their signalling schedule) times the law's."""

    @staticmethod
    def target() -> np.ndarray:
        yy, xx = np.mgrid[0:60, 0:60]
        p = np.exp(-((xx - 25.0) ** 2 + (yy - 30.0) ** 2) / (2 * 8.0**2))
        p += 0.6 * np.exp(-((xx - 45.0) ** 2 + (yy - 20.0) ** 2) / (2 * 5.0**2))
        return p * (0.9 / p.sum())

    @staticmethod
    def success(p: np.ndarray, z: np.ndarray, signal: list[float], cell: float) -> float:
        miss = np.ones_like(p)
        for k, s in enumerate(signal):
            miss *= 1 - s * -np.expm1(-z[k] / cell)
        return float(np.sum(p * (1 - miss)))

    def test_one_listener_buys_its_signal_chance_of_the_same_search_by_sight(self):
        p, cell = self.target(), 1e4
        sight = allocate.allocate(p, [3e6], cell)
        heard = allocate.allocate(p, [3e6], cell, signal=[0.25])
        assert_allclose(heard.effort_m2, sight.effort_m2)
        assert heard.probability_of_success == pytest.approx(sight.probability_of_success * 0.25, rel=1e-9)

    def test_a_listener_and_a_looker_are_planned_for_what_each_really_detects(self):
        # planned as if the beacon were on all the time, the looker leaves the likeliest cells to
        # the listener, who will seldom hear anything there
        p, cell, signal = self.target(), 1e4, [0.15, 1.0]
        planned = allocate.allocate(p, [4e6, 4e6], cell, signal=signal)
        naive = allocate.allocate(p, [4e6, 4e6], cell)
        truly_planned = self.success(p, planned.effort_m2, signal, cell)
        assert planned.probability_of_success == pytest.approx(truly_planned, rel=1e-9)
        assert truly_planned > self.success(p, naive.effort_m2, signal, cell) + 0.01

    def test_a_signal_chance_outside_zero_to_one_is_refused(self):
        with pytest.raises(ValueError, match="signal"):
            allocate.allocate(self.target(), [1e6], 1e4, signal=[0.0])


class TestSwimming:
    """Water is a wall unless the model says the evader swims, and then only as wide as that."""

    @staticmethod
    def river(width_cells: int) -> np.ndarray:
        speed = np.ones((40, 80), dtype=np.float32)
        speed[:, 40 : 40 + width_cells] = 0.0
        return speed.ravel()

    def test_by_default_no_water_is_crossed(self):
        flat = self.river(2)  # 50 m of water in 25 m cells
        assert not evader._clear(flat, 0.0, 1000.0, 25.0, 40, 80, 950.0, 500.0, 1100.0, 500.0)

    def test_a_swimmer_crosses_a_narrow_river_but_not_a_wide_one(self):
        narrow, wide = self.river(2), self.river(12)  # 50 m and 300 m
        args = (0.0, 1000.0, 25.0, 40, 80)
        assert evader._clear(narrow, *args, 950.0, 500.0, 1100.0, 500.0, 100.0)
        assert not evader._clear(wide, *args, 950.0, 500.0, 1400.0, 500.0, 100.0)
        assert evader._clear(wide, *args, 950.0, 500.0, 1400.0, 500.0, 400.0)

    def test_a_swimmer_never_ends_a_step_in_the_water(self):
        wide = self.river(12)
        assert not evader._clear(wide, 0.0, 1000.0, 25.0, 40, 80, 950.0, 500.0, 1100.0, 500.0, 1000.0)

    def test_the_water_is_measured_along_the_step_not_by_the_cells_it_touches(self):
        # 50 m of water crossed at 60 degrees is 100 m of swimming
        narrow = self.river(2)
        dx, dy = 400.0 * math.cos(math.radians(60)), 400.0 * math.sin(math.radians(60))
        start = (1000.0 - dx / 2, 300.0)
        end = (start[0] + dx, start[1] + dy)
        args = (0.0, 1000.0, 25.0, 40, 80, *start, *end)
        assert not evader._clear(narrow, *args, 90.0)
        assert evader._clear(narrow, *args, 110.0)


def test_a_map_at_the_default_particle_count_runs_on_two_cores():
    """20,000 particles (a search model's default) are cut into streams that two threads share."""
    import threading

    from jprcc.locate.model import SearchModel

    default = SearchModel.__dataclass_fields__["particles"].default
    seen: set[int] = set()
    x, y = np.zeros(default), np.zeros(default)
    together = threading.Barrier(2, timeout=10)  # broken unless two streams run at once

    def move(step: int, a: int, b: int, raw: np.ndarray) -> None:
        seen.add(threading.get_ident())
        if step == 0:
            together.wait()
        x[a:b] += 1.0

    cloud.run_blocks(np.random.default_rng(0), x, y, 3, 900.0, move, threads=2)
    assert len(seen) == 2
    assert (x == 3.0).all()
