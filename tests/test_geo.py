"""MGRS at the human edge: the grid's published rules, and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jprcc.core.geo import CoordinateError, from_mgrs, parse_position, to_mgrs
from jprcc.core.model import Position


def distance_m(a: Position, b: Position) -> float:
    from math import cos, radians, sqrt

    dlon = (a.lon - b.lon + 180.0) % 360.0 - 180.0  # across the antimeridian, the short way
    dy = (a.lat - b.lat) * 111_320
    dx = dlon * 111_320 * cos(radians((a.lat + b.lat) / 2))
    return sqrt(dx * dx + dy * dy)


@pytest.mark.parametrize(
    ("lat", "lon", "prefix"),
    [
        (40.05, 9.35, "32T"),  # zone 32 spans 6-12 E; band T spans 40-48 N
        (39.99, 9.35, "32S"),  # band S spans 32-40 N
        (-33.9, 151.2, "56H"),  # zone 56 spans 150-156 E; band H spans 40-32 S
        (0.0, 0.0, "31N"),  # zone 31 spans 0-6 E; band N starts at the equator
        (60.5, 5.0, "32V"),  # the south-west Norway exception widens zone 32 westwards
        (78.0, 10.0, "33X"),  # the Svalbard exception: zone 33 spans 9-21 E above 72 N
        (84.0, 10.0, "33X"),  # band X runs to 84 N
        (89.0, 10.0, "Z"),  # beyond 84 N the polar (UPS) grid: Z east of Greenwich
        (-85.0, -10.0, "A"),  # south pole, west: A
    ],
)
def test_zone_and_band_follow_the_published_grid(lat, lon, prefix):
    assert to_mgrs(Position(lat, lon)).startswith(prefix)


@given(st.floats(-80, 84), st.floats(-180, 180))
def test_a_1_m_reference_reads_back_within_1_5_m(lat, lon):
    position = Position(lat, lon)
    assert distance_m(from_mgrs(to_mgrs(position)), position) < 1.5


@given(st.floats(-80, 84), st.floats(-180, 180))
def test_coarser_references_name_the_square_that_holds_the_point(lat, lon):
    position = Position(lat, lon)
    corner = from_mgrs(to_mgrs(position, precision=3))  # 100 m squares
    assert distance_m(corner, position) < 100 * 2**0.5 + 1.5


def test_spaces_and_case_do_not_matter():
    assert from_mgrs("32t nk 29854 33365") == from_mgrs("32TNK2985433365")


@pytest.mark.parametrize(
    "text", ["", "32TNK123", "61TNK1234", "32TNK12345123456", "hello", "32ANK11", "ZZZ12"]
)
def test_bad_references_are_refused_with_a_reason(text):
    with pytest.raises(CoordinateError):
        from_mgrs(text)


def test_lat_lon_text_is_read_too():
    assert parse_position("40.05, 9.35") == Position(40.05, 9.35)
    assert parse_position("-33.9 151.2") == Position(-33.9, 151.2)
    with pytest.raises(ValueError, match="latitude"):
        parse_position("91, 9")
