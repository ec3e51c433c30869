"""Sun and Moon: published times, physical checks, and an independent ephemeris.

The module computes with PyEphem (libastro: VSOP87 and ELP 2000-82 series). The independent
reference here is Skyfield with JPL's DE421 (a numerical integration, another code base), a
test-only dependency; and the Naval Observatory's published times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from jprcc.intel.planning.light import (
    is_dark,
    julian_day,
    moon_illumination,
    moon_position,
    sun_events,
    sun_position,
)

ONE_MINUTE = timedelta(minutes=1)
TWO_MINUTES = timedelta(minutes=2)


class Sky:
    """Skyfield, set up without a download: its built-in time scale and the DE421 file that the
    skyfield-data package ships."""

    def __init__(self) -> None:
        from skyfield.api import load, load_file

        self.ts = load.timescale(builtin=True)
        self.eph = load_file(str(files("skyfield_data") / "data" / "de421.bsp"))

    def place(self, lat: float, lon: float) -> Any:
        from skyfield.api import wgs84

        return wgs84.latlon(lat, lon)

    def altaz(self, body: str, lat: float, lon: float, when: list[datetime]) -> tuple[Any, Any]:
        t = self.ts.from_datetimes(when)
        alt, az, _ = (
            (self.eph["earth"] + self.place(lat, lon)).at(t).observe(self.eph[body]).apparent().altaz()
        )
        return alt.degrees, az.degrees

    def events(self, lat: float, lon: float, start: datetime) -> dict[str, datetime]:
        """Skyfield's own twilight search over the 24 hours from ``start``: the first time of each
        event that happens, by the names of ``SunEvents``."""
        from skyfield import almanac
        from skyfield.searchlib import find_discrete

        day = almanac.dark_twilight_day(self.eph, self.place(lat, lon))
        day.step_days = 1 / 144  # type: ignore[attr-defined]  # search every 10 minutes
        t0, t1 = self.ts.from_datetime(start), self.ts.from_datetime(start + timedelta(days=1))
        times, kinds = find_discrete(t0, t1, day)
        before = int(day(t0))  # 0 night, 1-3 astronomical, nautical, civil twilight, 4 day
        found: dict[str, datetime] = {}
        for at, kind in zip(times, kinds, strict=True):
            after = int(kind)
            levels = range(before + 1, after + 1) if after > before else range(before, after, -1)
            for level in levels:
                found.setdefault((RISING if after > before else SETTING)[level], at.utc_datetime())
            before = after
        return found


RISING = {1: "astronomical_dawn", 2: "nautical_dawn", 3: "civil_dawn", 4: "sunrise"}
SETTING = {4: "sunset", 3: "civil_dusk", 2: "nautical_dusk", 1: "astronomical_dusk"}


@pytest.fixture(scope="module")
def sky() -> Iterator[Sky]:
    reference = Sky()
    yield reference
    reference.eph.close()


def local_midnight(day: datetime, lon: float) -> datetime:
    return day - timedelta(hours=lon / 15)


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
def test_sunrise_sunset_and_twilights_agree_with_the_jpl_ephemeris_within_a_minute(sky, lat, lon, day):
    ours = sun_events(lat, lon, day)
    theirs = sky.events(lat, lon, local_midnight(day, lon))
    assert {"sunrise", "sunset"} <= theirs.keys()
    for name in [*RISING.values(), *SETTING.values()]:
        at = getattr(ours, name)
        if name in theirs:
            assert at is not None, name
            assert abs(at - theirs[name]) <= ONE_MINUTE, name
        else:  # a summer night too short for it, far north
            assert at is None, name


class TestPositions:
    WHEN = [datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 30 * 24, 7)]

    @pytest.mark.parametrize(("lat", "lon"), PLACES)
    def test_the_sun_agrees_with_the_jpl_ephemeris_to_a_hundredth_of_a_degree(self, sky, lat, lon):
        jd = np.array([julian_day(t) for t in self.WHEN])
        elevation, azimuth = sun_position(lat, lon, jd)
        alt, az = sky.altaz("sun", lat, lon, self.WHEN)
        assert_allclose(elevation, alt, atol=0.01)
        # azimuth is meaningful where the Sun is not near the zenith
        low = alt < 80
        assert_allclose(np.mod(azimuth - az + 180, 360)[low] - 180, 0, atol=0.02)

    @pytest.mark.parametrize(("lat", "lon"), PLACES[:3])
    def test_the_moon_agrees_with_the_jpl_ephemeris_seen_from_the_ground(self, sky, lat, lon):
        jd = np.array([julian_day(t) for t in self.WHEN])
        elevation, azimuth = moon_position(lat, lon, jd)
        alt, az = sky.altaz("moon", lat, lon, self.WHEN)
        assert_allclose(elevation, alt, atol=0.02)  # the Moon's parallax (up to 1°) included
        assert_allclose(np.mod(azimuth - az + 180, 360) - 180, 0, atol=0.05)

    def test_the_moons_lit_fraction_agrees_with_the_jpl_ephemeris(self, sky):
        from skyfield import almanac

        jd = np.array([julian_day(t) for t in self.WHEN])
        theirs = almanac.fraction_illuminated(sky.eph, "moon", sky.ts.from_datetimes(self.WHEN))
        assert_allclose(moon_illumination(jd), theirs, atol=0.005)
        assert moon_illumination(jd).min() < 0.05
        assert moon_illumination(jd).max() > 0.95  # a month holds a new and a full moon


def test_at_solar_noon_the_sun_stands_at_ninety_minus_latitude_plus_declination():
    # at the equinox the declination is about zero: the noon Sun at 45 N stands about 45 degrees up,
    # due south; at 45 S, due north
    north_elevation, north_azimuth = sun_position(45.0, 0.0, datetime(2026, 3, 20, 12, 7, tzinfo=UTC))
    south_elevation, south_azimuth = sun_position(-45.0, 0.0, datetime(2026, 3, 20, 12, 7, tzinfo=UTC))
    assert float(north_elevation) == pytest.approx(45.0, abs=0.3)
    assert float(north_azimuth) == pytest.approx(180.0, abs=1.0)
    assert float(south_elevation) == pytest.approx(45.0, abs=0.3)
    assert min(float(south_azimuth), 360 - float(south_azimuth)) < 1.0


def test_the_morning_sun_is_in_the_east_and_longitude_is_not_latitude():
    # 07:00 UTC at 39.2 N, 9.1 E is mid-morning: the Sun is up, in the south-east; the same numbers
    # read as (9.1 N, 39.2 E) are three hours later in the day
    elevation, azimuth = sun_position(39.22, 9.12, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    swapped, _ = sun_position(9.12, 39.22, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    assert 10 < float(elevation) < 30
    assert 100 < float(azimuth) < 160
    assert float(swapped) > float(elevation) + 10


def test_arrays_of_times_give_arrays_of_answers():
    jd = 2461000.5 + np.arange(24) / 24
    elevations, azimuths = sun_position(39.22, 9.12, jd)
    assert elevations.shape == azimuths.shape == (24,)
    assert ((azimuths >= 0) & (azimuths < 360)).all()


def test_places_and_times_broadcast_together_as_one_call_each():
    lats = np.array([[39.22], [-33.87], [64.15]])
    lons = np.array([[9.12], [151.21], [-21.94]])
    jd = 2461000.5 + np.arange(5) / 5
    for position in (sun_position, moon_position):
        elevations, azimuths = position(lats, lons, jd)
        assert elevations.shape == azimuths.shape == (3, 5)
        for i in range(3):
            alone, alone_azimuth = position(float(lats[i, 0]), float(lons[i, 0]), jd)
            assert_allclose(elevations[i], alone, atol=1e-9)
            assert_allclose(azimuths[i], alone_azimuth, atol=1e-9)


def test_many_places_at_one_time_are_each_their_own(sky):
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(-70, 70, 40), rng.uniform(-180, 180, 40)
    when = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    elevations, _ = sun_position(lats, lons, when)
    for lat, lon, elevation in zip(lats, lons, elevations, strict=True):
        alt, _ = sky.altaz("sun", float(lat), float(lon), [when])
        assert elevation == pytest.approx(alt[0], abs=0.01)


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


def test_every_year_the_service_accepts_has_light():
    for year in (1900, 2060, 2999):
        day = datetime(year, 6, 1, tzinfo=UTC)
        events = sun_events(39.22, 9.12, day)
        assert events.sunrise is not None
        assert events.sunset is not None
        assert np.isfinite(sun_position(39.22, 9.12, day)[0])
        assert np.isfinite(moon_position(39.22, 9.12, day)[0])
        assert 0 <= float(moon_illumination(day)) <= 1


def test_night_for_planning_starts_when_the_sun_is_six_degrees_down():
    assert is_dark(39.22, 9.12, datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    assert not is_dark(39.22, 9.12, datetime(2026, 11, 25, 11, 0, tzinfo=UTC))


def test_dark_windows_asked_twice_are_the_same_and_a_caller_cannot_spoil_them():
    from datetime import UTC, datetime

    from jprcc.intel.planning import light as lt

    start = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    first = lt.dark_windows(40.1, 9.4, start)
    first.clear()  # a caller that edits its answer
    again = lt.dark_windows(40.1, 9.4, start)
    assert again
    assert again == lt.dark_windows(40.1, 9.4, start)
