"""Sun and Moon: published times, and an independent ephemeris (PyEphem, a test-only peer)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import ephem
import numpy as np
import pytest

from jprcc.intel.planning.light import is_dark, moon_illumination, moon_position, sun_events, sun_position

TWO_MINUTES = timedelta(minutes=2)


def test_washington_on_the_june_solstice_matches_the_naval_observatory_table():
    # USNO table for Washington, DC: sunrise 05:43, sunset 20:37 EDT on 21 June
    events = sun_events(38.8895, -77.0353, datetime(2026, 6, 21, tzinfo=UTC))
    assert events.sunrise is not None
    assert events.sunset is not None
    assert abs(events.sunrise - datetime(2026, 6, 21, 9, 43, tzinfo=UTC)) <= TWO_MINUTES
    assert abs(events.sunset - datetime(2026, 6, 22, 0, 37, tzinfo=UTC)) <= TWO_MINUTES


PLACES = [
    (39.22, 9.12),
    (38.8895, -77.0353),
    (51.48, 0.0),
    (-33.87, 151.21),
    (-0.18, -78.47),
    (64.15, -21.94),
]
DAYS = [
    datetime(2026, 3, 20, tzinfo=UTC),
    datetime(2026, 6, 21, tzinfo=UTC),
    datetime(2026, 11, 25, tzinfo=UTC),
    datetime(2031, 1, 5, tzinfo=UTC),
]


@pytest.mark.parametrize(("lat", "lon"), PLACES)
@pytest.mark.parametrize("day", DAYS, ids=lambda d: d.date().isoformat())
def test_sunrise_and_sunset_agree_with_an_ephemeris_within_two_minutes(lat, lon, day):
    ours = sun_events(lat, lon, day)
    observer = ephem.Observer()
    observer.lat, observer.lon, observer.pressure, observer.horizon = str(lat), str(lon), 0, "-0:50"
    observer.date = ephem.Date(day.replace(tzinfo=None)) - lon / 360
    rise = observer.next_rising(ephem.Sun(), use_center=True).datetime().replace(tzinfo=UTC)
    set_ = observer.next_setting(ephem.Sun(), use_center=True).datetime().replace(tzinfo=UTC)
    assert ours.sunrise is not None
    assert ours.sunset is not None
    assert abs(ours.sunrise - rise) <= TWO_MINUTES
    assert abs(ours.sunset - set_) <= TWO_MINUTES


def test_the_midnight_sun_and_the_polar_night_have_no_sunrise():
    summer = sun_events(69.65, 18.96, datetime(2026, 6, 21, tzinfo=UTC))
    winter = sun_events(78.22, 15.65, datetime(2026, 12, 21, tzinfo=UTC))
    assert summer.sunrise is None
    assert summer.sunset is None
    assert winter.sunrise is None
    assert winter.civil_dawn is None


def test_twilights_come_in_order():
    e = sun_events(39.22, 9.12, datetime(2026, 11, 25, tzinfo=UTC))
    times = [
        e.astronomical_dawn,
        e.nautical_dawn,
        e.civil_dawn,
        e.sunrise,
        e.sunset,
        e.civil_dusk,
        e.nautical_dusk,
        e.astronomical_dusk,
    ]
    assert all(t is not None for t in times)
    assert times == sorted(times)  # type: ignore[type-var]


def test_at_solar_noon_the_sun_stands_at_ninety_minus_latitude_plus_declination():
    # at the equinox the declination is about zero: the noon Sun at 45 N stands about 45 degrees up
    elevations = sun_position(45.0, 0.0, datetime(2026, 3, 20, 12, 7, tzinfo=UTC))[0]
    assert float(elevations) == pytest.approx(45.0, abs=0.3)


def test_the_moon_agrees_with_an_ephemeris_over_a_month():
    worst_elevation = worst_light = 0.0
    for hours in range(0, 30 * 24, 5):
        when = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=hours)
        observer = ephem.Observer()
        observer.lat, observer.lon, observer.pressure = "39.22", "9.12", 0
        observer.date = when.replace(tzinfo=None)
        moon = ephem.Moon(observer)
        worst_elevation = max(
            worst_elevation, abs(float(moon_position(39.22, 9.12, when)[0]) - math.degrees(moon.alt))
        )
        worst_light = max(worst_light, abs(float(moon_illumination(when)) - moon.phase / 100))
    assert worst_elevation < 0.5
    assert worst_light < 0.01


def test_arrays_of_times_give_arrays_of_answers():
    jd = 2461000.5 + np.arange(24) / 24
    elevations, azimuths = sun_position(39.22, 9.12, jd)
    assert elevations.shape == azimuths.shape == (24,)
    assert ((azimuths >= 0) & (azimuths < 360)).all()


def test_night_for_planning_starts_when_the_sun_is_six_degrees_down():
    assert is_dark(39.22, 9.12, datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    assert not is_dark(39.22, 9.12, datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
