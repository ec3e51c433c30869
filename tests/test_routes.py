"""Least-cost route fields: hand-computed answers, the reference, scikit-image, and properties."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose
from skimage.graph import MCP_Geometric

from jprcc.intel.planning.routes import route_field, route_field_reference

R2 = math.sqrt(2)


class TestHandComputed:
    def test_a_uniform_grid_costs_its_octile_distance(self):
        field = route_field(np.ones((5, 5)), (0, 0))
        assert field.cost_to((0, 4)) == pytest.approx(4.0)
        assert field.cost_to((4, 4)) == pytest.approx(4 * R2)
        assert field.cost_to((2, 4)) == pytest.approx(2 * R2 + 2)

    def test_a_step_costs_the_mean_of_the_two_cells_times_its_length(self):
        cost = np.array([[1.0, 3.0], [5.0, 9.0]])
        field = route_field(cost, (0, 0))
        assert field.cost_to((0, 1)) == pytest.approx(2.0)  # (1 + 3) / 2
        assert field.cost_to((1, 0)) == pytest.approx(3.0)  # (1 + 5) / 2
        assert field.cost_to((1, 1)) == pytest.approx(5 * R2)  # (1 + 9) / 2 · √2 beats 2 + 6 and 3 + 7

    def test_a_wall_is_walked_around_and_its_cells_are_never_reached(self):
        cost = np.ones((3, 5))
        cost[0:2, 2] = np.inf
        field = route_field(cost, (0, 0))
        assert field.cumulative[0, 2] == np.inf
        assert field.path_to((0, 4)) == [(0, 0), (1, 1), (2, 2), (1, 3), (0, 4)]
        assert field.cost_to((0, 4)) == pytest.approx(4 * R2)

    def test_negative_and_nan_cells_are_impassable_and_unreachable_cells_say_so(self):
        cost = np.ones((3, 3))
        cost[:, 1] = [-1.0, np.nan, np.inf]
        field = route_field(cost, (1, 0))
        assert np.isinf(field.cumulative[:, 2]).all()
        with pytest.raises(ValueError, match="cannot be reached"):
            field.path_to((1, 2))

    def test_a_bad_start_is_refused(self):
        with pytest.raises(ValueError, match="outside"):
            route_field(np.ones((3, 3)), (3, 0))
        with pytest.raises(ValueError, match="impassable"):
            route_field(np.array([[np.inf, 1.0]]), (0, 0))


costs = arrays(
    np.float64,
    st.tuples(st.integers(2, 14), st.integers(2, 14)),
    elements=st.floats(0.1, 20.0, allow_nan=False),
)


def start_of(cost: np.ndarray, data: st.DataObject) -> tuple[int, int]:
    return (data.draw(st.integers(0, cost.shape[0] - 1)), data.draw(st.integers(0, cost.shape[1] - 1)))


class TestAgainstTheReferences:
    @given(costs, st.data())
    @settings(max_examples=60, deadline=None)
    def test_the_compiled_field_equals_the_plain_reference(self, cost, data):
        start = start_of(cost, data)
        fast, slow = route_field(cost, start), route_field_reference(cost, start)
        assert np.array_equal(fast.cumulative, slow.cumulative)

    @given(costs, st.data(), st.floats(0.0, 60.0))
    @settings(max_examples=60, deadline=None)
    def test_a_field_cut_off_at_a_limit_keeps_every_cost_within_it_and_nothing_beyond(
        self, cost, data, limit
    ):
        start = start_of(cost, data)
        full = route_field(cost, start).cumulative
        for field in (route_field(cost, start, limit), route_field_reference(cost, start, limit)):
            within = full <= limit
            assert np.array_equal(field.cumulative[within], full[within])
            assert np.isinf(field.cumulative[~within]).all()
            assert (field.came_from[~within] == -1).all()

    def test_it_equals_scikit_images_mcp_geometric_to_1e_9(self):
        rng = np.random.default_rng(7)
        cost = rng.uniform(0.5, 5.0, (300, 260))
        cost[rng.random(cost.shape) < 0.05] = np.inf
        cost[150, 130] = 1.0
        ours = route_field(cost, (150, 130)).cumulative
        theirs, _ = MCP_Geometric(cost).find_costs([(150, 130)])
        finite = np.isfinite(theirs)
        assert np.array_equal(finite, np.isfinite(ours))
        assert_allclose(ours[finite], theirs[finite], rtol=1e-9)


class TestProperties:
    @given(costs, st.data())
    @settings(max_examples=60, deadline=None)
    def test_a_route_never_costs_less_than_the_straight_line_at_the_cheapest_cost(self, cost, data):
        start = start_of(cost, data)
        field = route_field(cost, start)
        rows, cols = np.indices(cost.shape)
        straight = np.hypot(rows - start[0], cols - start[1]) * cost.min()
        assert (field.cumulative >= straight - 1e-9 * (1 + straight)).all()

    @given(costs, st.data(), st.floats(0.0, 5.0))
    @settings(max_examples=60, deadline=None)
    def test_more_threat_weight_never_lowers_the_cost(self, base, data, weight):
        start = start_of(base, data)
        threat = data.draw(arrays(np.float64, base.shape, elements=st.floats(0.0, 1.0)))
        light = route_field(base * (1 + weight * threat), start).cumulative
        heavy = route_field(base * (1 + (weight + 1.0) * threat), start).cumulative
        assert (heavy >= light - 1e-12 * light).all()

    @given(costs, st.data())
    @settings(max_examples=60, deadline=None)
    def test_mirrored_grids_give_mirrored_answers(self, cost, data):
        start = start_of(cost, data)
        field = route_field(cost, start).cumulative
        transposed = route_field(cost.T.copy(), (start[1], start[0])).cumulative
        flipped = route_field(cost[:, ::-1].copy(), (start[0], cost.shape[1] - 1 - start[1])).cumulative
        assert_allclose(transposed, field.T, rtol=1e-12)
        assert_allclose(flipped, field[:, ::-1], rtol=1e-12)

    @given(costs, st.data())
    @settings(max_examples=40, deadline=None)
    def test_every_path_adds_up_to_its_cost(self, cost, data):
        start, end = start_of(cost, data), start_of(cost, data)
        field = route_field(cost, start)
        path = field.path_to(end)
        total = sum((cost[a] + cost[b]) / 2 * math.dist(a, b) for a, b in itertools.pairwise(path))
        assert total == pytest.approx(field.cost_to(end), rel=1e-12, abs=1e-12)
