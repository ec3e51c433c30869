"""Threat fields: envelopes, altitude bands, polygons, combination; and route risk around them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jprcc.intel.planning.threat import (
    Envelope,
    Grid,
    Mode,
    Zone,
    along,
    engagement_probability,
    ground_range_m,
    inside_polygon,
    routes,
    threat_field,
    tobler_kmh,
    travel_seconds,
    within_reach,
)

SA8 = Envelope(40.0, 9.0, "surface_to_air_missile", 1500, 10300, 25, 5000, 0.6)
MANPADS = Envelope(40.0, 9.0, "manpads", 300, 4500, 10, 3500, 0.4)


class TestEnvelopes:
    def test_engagement_falls_from_pk_at_the_inner_edge_to_zero_at_the_outer_edge(self):
        r = np.array([0.0, 1499.0, 1500.0, 5900.0, 10300.0, 10301.0])
        p = engagement_probability(SA8, r)
        assert_allclose(p, [0.0, 0.0, 0.6, 0.3, 0.0, 0.0], atol=1e-12)

    def test_a_steeper_falloff_never_raises_the_probability(self):
        r = np.linspace(1500, 10300, 50)
        steep = Envelope(**{**SA8.__dict__, "falloff": 3.0})
        assert (engagement_probability(steep, r) <= engagement_probability(SA8, r) + 1e-15).all()

    def test_the_altitude_band_decides_which_movers_a_system_threatens(self):
        grid = Grid.around(40.0, 9.0, 5000, 500)
        field = {mode: threat_field(grid, [MANPADS], [], mode).max() for mode in Mode}
        assert field[Mode.ROTARY_WING_LOW] > 0.3
        assert field[Mode.FIXED_WING_MEDIUM] == 0.0  # 4,500 m is above a MANPADS's reach
        assert field[Mode.GROUND_VEHICLE] == field[Mode.DISMOUNTED] == 0.0
        assert threat_field(grid, [SA8], [], Mode.FIXED_WING_MEDIUM).max() > 0.3

    def test_sources_combine_as_independent_chances_of_engagement(self):
        grid = Grid.around(40.0, 9.0, 2000, 400)
        a = threat_field(grid, [MANPADS], [], Mode.ROTARY_WING_LOW)
        b = threat_field(grid, [SA8], [], Mode.ROTARY_WING_LOW)
        both = threat_field(grid, [MANPADS, SA8], [], Mode.ROTARY_WING_LOW)
        assert_allclose(both, 1 - (1 - a) * (1 - b), atol=1e-12)


class TestRanges:
    def test_ranges_are_geodesics_on_the_ellipsoid_as_in_vincentys_worked_example(self):
        # Flinders Peak to Buninyong: 54,972.271 m (Vincenty 1975, Survey Review 23:176; the
        # example Geoscience Australia publishes; GRS80 and WGS-84 differ by under a millimetre)
        flinders = (-(37 + 57 / 60 + 3.72030 / 3600), 144 + 25 / 60 + 29.52440 / 3600)
        buninyong = (-(37 + 39 / 60 + 10.15610 / 3600), 143 + 55 / 60 + 35.38390 / 3600)
        metres = ground_range_m(*flinders, np.array([buninyong[0]]), np.array([buninyong[1]]))
        assert metres[0] == pytest.approx(54_972.271, abs=0.01)

    def test_a_degree_north_is_longer_than_a_degree_east_and_neither_is_the_spheres(self):
        # the meridian arc from 40 to 41 N is 111,044 m (the sphere says 111,195); a degree of
        # longitude along 40 N is 85,395 m: latitude and longitude swapped would give these reversed
        north = ground_range_m(40.0, 9.0, np.array([41.0]), np.array([9.0]))[0]
        east = ground_range_m(40.0, 9.0, np.array([40.0]), np.array([10.0]))[0]
        assert north == pytest.approx(111_044, abs=2)
        assert east == pytest.approx(85_395, abs=5)

    def test_ranges_keep_the_shape_of_the_points(self):
        grid = Grid.around(40.0, 9.0, 5000, 500)
        lats, lons = grid.centres()
        ranges = ground_range_m(40.0, 9.0, lats, lons)
        assert ranges.shape == lats.shape
        assert ranges.min() < 400  # the cells about the centre
        assert ground_range_m(40.0, 9.0, np.zeros((0,)), np.zeros((0,))).shape == (0,)

    @pytest.mark.parametrize(("lat", "lon"), [(0.0, 9.0), (40.0, 9.0), (-71.0, 170.0), (89.5, 0.0)])
    def test_the_box_within_reach_leaves_out_no_point_within_reach(self, lat, lon):
        rng = np.random.default_rng(5)
        reach = 50_000.0
        lats = np.clip(lat + rng.uniform(-1.0, 1.0, 20_000), -90, 90)
        lons = np.mod(lon + rng.uniform(-4.0, 4.0, 20_000) + 180.0, 360.0) - 180.0
        near = within_reach(lat, lon, reach, lats, lons)
        assert not (ground_range_m(lat, lon, lats, lons)[~near] <= reach).any()
        assert near.mean() < 0.6  # and it is a box, not everything

    def test_the_threat_field_is_the_same_as_ranging_every_cell(self):
        grid = Grid.around(40.0, 9.0, 30_000, 250)
        lats, lons = grid.centres()
        everywhere = 1 - (1 - 1.0 * engagement_probability(SA8, ground_range_m(SA8.lat, SA8.lon, lats, lons)))
        # ranges a few centimetres off the exact geodesic move pk·(max − r)/span by under 1e-5
        assert_allclose(threat_field(grid, [SA8], [], Mode.FIXED_WING_MEDIUM), everywhere, atol=1e-5)

    @pytest.mark.parametrize("lat", [-70.0, -33.0, 0.0, 12.0, 48.0, 66.0, 84.0])
    def test_the_rasters_ranges_are_the_ellipsoids_to_two_millionths(self, lat):
        # a 400 km system with pk 1 and a linear falloff turns each cell's range into its value:
        # r = max · (1 − p); the geodesic on the WGS-84 ellipsoid (a sphere is off by 0.5 %)
        reach = 400_000.0
        wide = Envelope(lat, 179.0, "surface_to_air_missile", 0.0, reach, 0, 20_000, 1.0)
        grid = Grid.around(lat, 179.0, 300_000, 3_000)  # across the 180th meridian, too
        lats, lons = grid.centres()
        exact = ground_range_m(lat, 179.0, lats, lons)
        ranged = reach * (1 - threat_field(grid, [wide], [], Mode.FIXED_WING_MEDIUM))
        inside = exact < reach * 0.999
        assert inside.mean() > 0.5
        assert_allclose(ranged[inside], exact[inside], rtol=2e-6, atol=1e-3)

    def test_a_sphere_would_not_pass_for_the_ellipsoid(self):
        # the same comparison catches a spherical range (a plausible wrong implementation)
        lats = np.array([41.0, 40.0])
        lons = np.array([9.0, 10.0])
        exact = ground_range_m(40.0, 9.0, lats, lons)
        sphere = 6_371_008.8 * np.array([math.radians(1.0), math.radians(1.0) * math.cos(math.radians(40.0))])
        assert (np.abs(sphere - exact) / exact > 1e-3).all()  # a thousand times the tolerance


class TestZones:
    def test_points_inside_a_concave_polygon(self):
        l_shape = [(0, 0), (0, 2), (1, 2), (1, 1), (2, 1), (2, 0)]
        lats = np.array([0.5, 1.5, 1.5, 0.5])
        lons = np.array([0.5, 0.5, 1.5, 1.5])
        assert inside_polygon(l_shape, lats, lons).tolist() == [True, True, False, True]

    def test_corners_are_latitude_then_longitude(self):
        # a strip long in longitude: read the other way round it would be long in latitude
        strip = [(40.0, 9.0), (40.0, 10.0), (40.1, 10.0), (40.1, 9.0)]
        lats = np.array([40.05, 40.5, 40.05])
        lons = np.array([9.5, 9.05, 10.5])
        assert inside_polygon(strip, lats, lons).tolist() == [True, False, False]

    def test_a_grid_of_points_keeps_its_shape(self):
        grid = Grid.around(40.0, 9.0, 3000, 300)
        lats, lons = grid.centres()
        square = [(39.99, 8.99), (40.01, 8.99), (40.01, 9.01), (39.99, 9.01)]
        inside = inside_polygon(square, lats, lons)
        assert inside.shape == lats.shape
        assert_array_equal(inside, (abs(lats - 40.0) < 0.01) & (abs(lons - 9.0) < 0.01))

    def test_a_figure_of_eight_holds_its_two_loops(self):
        # a ring that crosses itself, as a hand-drawn area may: both loops are inside, the
        # crossing's outside stays outside
        bowtie = [(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0)]
        lats = np.array([0.2, 1.8, 1.0, 1.0])
        lons = np.array([1.0, 1.0, 0.2, 1.8])
        assert inside_polygon(bowtie, lats, lons).tolist() == [True, True, False, False]

    def test_fewer_than_three_corners_hold_nothing(self):
        lats, lons = np.array([0.5, 1.0]), np.array([0.5, 1.0])
        assert not inside_polygon([(0.0, 0.0), (2.0, 2.0)], lats, lons).any()
        assert not inside_polygon([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)], lats, lons).any()  # a line

    def test_a_ring_drawn_round_twice_is_read_by_the_even_odd_rule(self):
        # a spiral: round the outer square, then back round an inner one: the inner one is a hole
        spiral = [(0, 0), (0, 3), (3, 3), (3, 1), (1, 1), (1, 2), (2, 2), (2, 0)]
        lats = np.array([0.5, 1.5, 2.5])
        lons = np.array([0.5, 1.5, 2.5])
        assert inside_polygon(spiral, lats, lons).tolist() == [True, False, True]

    def test_a_zone_is_tested_over_its_own_cells_only_and_matches_testing_every_cell(self):
        grid = Grid.around(40.0, 9.0, 20_000, 200)
        lats, lons = grid.centres()
        zones = [
            # a concave area wholly inside, one over the grid's edge, one outside it
            Zone([(39.95, 8.9), (40.05, 8.9), (40.05, 8.95), (40.0, 8.95), (40.0, 9.0), (39.95, 9.0)],
                 "enemy_ground_forces", 0.5),
            Zone([(40.1, 9.15), (40.4, 9.15), (40.4, 9.6), (40.1, 9.6)], "mined_area", 0.8),
            Zone([(41.0, 10.0), (41.1, 10.0), (41.1, 10.1)], "mined_area", 0.8),
        ]  # fmt: skip
        every = np.ones(lats.shape)
        for zone in zones:
            effect = {"enemy_ground_forces": 1.0, "mined_area": 0.9}[zone.category]
            every *= np.where(inside_polygon(zone.polygon, lats, lons), 1 - zone.severity * effect, 1.0)
        field = threat_field(grid, [], zones, Mode.DISMOUNTED)
        assert_allclose(field, 1 - every, atol=1e-12)
        assert field[0, -1] > 0  # the area over the edge is counted where it lies on the grid
        assert field.max() == pytest.approx(0.72)

    def test_a_zone_across_the_180th_meridian_threatens_both_sides(self):
        grid = Grid(-1.0, 179.5, 1.0, 180.5, 40, 40)
        lats, lons = grid.centres()
        zone = Zone([(-0.5, 179.8), (0.5, 179.8), (0.5, -179.8), (-0.5, -179.8)], "mined_area", 1.0)
        field = threat_field(grid, [], [zone], Mode.GROUND_VEHICLE)
        expected = 1.0 * inside_polygon(zone.polygon, lats, lons)
        assert_allclose(field, expected, atol=1e-12)

    def test_mines_threaten_the_ground_not_the_air(self):
        grid = Grid.around(40.0, 9.0, 3000, 300)
        mines = Zone([(39.99, 8.99), (40.01, 8.99), (40.01, 9.01), (39.99, 9.01)], "mined_area", 0.9)
        assert threat_field(grid, [], [mines], Mode.GROUND_VEHICLE).max() == pytest.approx(0.9)
        assert threat_field(grid, [], [mines], Mode.ROTARY_WING_LOW).max() == 0.0


class TestRouteRisk:
    def test_the_route_goes_around_a_threat_that_a_straight_line_would_cross(self):
        grid = Grid.around(40.0, 9.0, 20000, 250)
        threat = threat_field(grid, [MANPADS], [], Mode.ROTARY_WING_LOW)
        seconds = travel_seconds(grid, Mode.ROTARY_WING_LOW)
        start, end = (40.0, 8.85), (40.0, 9.15)
        risky = routes(grid, threat, seconds, start, risk_weight=0.0).to(*end)
        careful = routes(grid, threat, seconds, start, risk_weight=50.0).to(*end)
        assert risky.worst_threat > 0.3
        assert careful.exposure < risky.exposure / 10
        assert careful.seconds > risky.seconds  # the detour takes longer
        straight = math.dist(start, end) * 111_195 * math.cos(math.radians(40)) / (250 / 3.6)
        assert risky.seconds >= straight * 0.99

    def test_a_drawn_route_is_assessed_along_its_length(self):
        grid = Grid.around(40.0, 9.0, 20000, 250)
        threat = threat_field(grid, [MANPADS], [], Mode.ROTARY_WING_LOW)
        mean, worst = along(grid, threat, [(40.0, 8.85), (40.0, 9.15)])
        assert worst > 0.3
        assert 0 < mean < worst

    def test_walking_is_fastest_slightly_downhill_and_water_stops_the_ground(self):
        assert tobler_kmh(np.array([-0.05]))[0] == pytest.approx(6.0)
        assert tobler_kmh(np.array([0.3]))[0] < tobler_kmh(np.array([0.0]))[0]
        grid = Grid(0, 0, 1, 1, 4, 4)
        water = np.zeros((4, 4), dtype=bool)
        water[0, 0] = True
        assert np.isinf(travel_seconds(grid, Mode.DISMOUNTED, water=water)[0, 0])
        assert np.isfinite(travel_seconds(grid, Mode.ROTARY_WING_LOW, water=water)[0, 0])


class TestGridEdges:
    def test_points_just_outside_the_north_west_edge_are_outside(self):
        grid = Grid(40, 9, 41, 10, 10, 10)
        for lat, lon in ((41.09, 8.91), (41.01, 9.5), (40.5, 8.99), (40.0, 9.5), (40.5, 10.0)):
            assert not grid.contains(lat, lon)
            with pytest.raises(ValueError, match="outside the grid"):
                grid.cell_of(lat, lon)
        assert grid.cell_of(41.0, 9.0) == (0, 0)
        assert grid.cell_of(40.001, 9.999) == (9, 9)
        assert grid.contains(41.0, 9.0)


class TestWalkingOnSlopes:
    def test_a_slope_without_direction_costs_the_mean_of_up_and_down(self):
        grid = Grid(40.0, 9.0, 40.01, 9.01, 2, 2)
        slope = np.full((2, 2), 0.2)
        seconds = travel_seconds(grid, Mode.DISMOUNTED, slope=slope)
        flat = travel_seconds(grid, Mode.DISMOUNTED)
        up, down = tobler_kmh(np.array([0.2]))[0], tobler_kmh(np.array([-0.2]))[0]
        assert_allclose(seconds / flat, tobler_kmh(np.zeros(1))[0] / ((up + down) / 2))
        assert (seconds > flat).all()  # hills slow walking whichever way they run


class TestWorstThreatOnTheWay:
    def test_the_persons_own_cell_is_not_the_way_out(self):
        grid = Grid(40.0, 9.0, 40.05, 9.05, 10, 10)
        threat = np.zeros((10, 10))
        threat[5, 5] = 0.9  # a high threat exactly where the person is, none around
        risk = routes(grid, threat, travel_seconds(grid, Mode.ROTARY_WING_LOW), grid.centre_of((5, 5)), 10.0)
        way = risk.to(*grid.centre_of((5, 9)))
        assert way.reachable
        assert way.worst_threat == 0.0
        assert way.exposure > 0  # the first half step is still under the threat
