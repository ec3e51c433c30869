"""Light for recovery planning: the Sun and the Moon for any place and time, from PyEphem.

PyEphem (``ephem``, MIT licence; B. Rhodes, https://rhodesmill.org/pyephem/) wraps E. Downey's
libastro (XEphem): the Sun from VSOP87 (Bretagnon & Francou 1988), the Moon from ELP 2000-82
(Chapront-Touzé & Chapront 1983), with precession, nutation and aberration: about an arcsecond,
for every date the service accepts (1900-2999), from compiled code, with no data file to ship
and nothing downloaded at run time.

Why PyEphem, of the maintained libraries that would do (measured in ``bench/geometry.py``):

* PyEphem: MIT, about 20 µs for the Sun and 60 µs for the Moon at one place and time, and every
  date; it computes one place and time a call.
* Skyfield (MIT) with JPL's DE421 from ``skyfield-data``: vectorised and the more precise, but
  about 2 ms a call and 0.3 s to import, and DE421 ends in 2053 while the service takes times to
  2999. It is the tests' independent reference instead (JPL's numerical integration, not
  libastro's series).
* astral (Apache-2.0): the NOAA low-accuracy solar formulas this module used to carry by hand,
  one place and time a call, and the Moon only as a phase.
* astropy (BSD-3): seconds to import, and it wants IERS tables downloaded for current dates.

Arrays: the Sun's apparent geocentric right ascension and declination and the Greenwich apparent
sidereal time come from PyEphem once per distinct time; turning them to each place's horizon is
numpy (Meeus, *Astronomical Algorithms*, 2nd ed., 1998, eq. 13.5-13.6), so a thousand places at
one time cost one library call. That leaves out the Sun's parallax (8.8″, a quarter of a second
of sunrise). The Moon is close enough for its parallax to reach 1°: PyEphem computes it from each
place (topocentric), one call per distinct place and time.

Sunrise and sunset are the moments the Sun's centre stands 50 arcminutes below the horizon
(refraction 34 arcminutes plus the semi-diameter 16); civil, nautical and astronomical twilight
end at 6°, 12° and 18° below. Polar day and night have none. Elevations are airless (no
refraction).

Every function takes latitudes and longitudes in degrees (east positive) and times as aware
``datetime`` or as ``numpy`` arrays of Julian days (UTC); angles come back in degrees. Latitudes,
longitudes and times broadcast together. PyEphem is imported on first use, so the command line's
start-up does not pay for it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import ephem

SUNRISE_ALTITUDE = -50 / 60
CIVIL, NAUTICAL, ASTRONOMICAL = -6.0, -12.0, -18.0
_J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)
#: PyEphem counts days from 1899-12-31 12:00 UT (the Dublin Julian Day)
_DUBLIN_JD = 2415020.0

Array = NDArray[np.float64]


def julian_day(when: datetime) -> float:
    if when.tzinfo is None:
        raise ValueError("a time with its zone, please")
    return 2451545.0 + (when - _J2000).total_seconds() / 86400.0


def from_julian_day(jd: float) -> datetime:
    return _J2000 + timedelta(days=jd - 2451545.0)


def _julian_days(when: datetime | ArrayLike) -> Array:
    return np.asarray(julian_day(when) if isinstance(when, datetime) else when, dtype=np.float64)


def _observer(lat: float, lon: float, jd: float) -> ephem.Observer:
    """A PyEphem observer at sea level with no atmosphere (airless elevations)."""
    import ephem

    observer = ephem.Observer()
    observer.lat, observer.lon = math.radians(lat), math.radians(lon)  # floats are radians to PyEphem
    observer.pressure = 0.0
    observer.date = ephem.Date(jd - _DUBLIN_JD)
    return observer


def _sun_equatorial(jd: Array) -> tuple[Array, Array, Array]:
    """Apparent geocentric right ascension and declination of the Sun and the Greenwich apparent
    sidereal time (radians, each the shape of ``jd``), one PyEphem call per distinct time."""
    import ephem

    times, where = np.unique(jd, return_inverse=True)
    out = np.empty((3, times.size))
    sun = ephem.Sun()
    for i, day in enumerate(times):
        greenwich = _observer(0.0, 0.0, float(day))
        sun.compute(greenwich.date)  # from the Earth's centre: g_ra, g_dec are of date
        out[:, i] = float(sun.g_ra), float(sun.g_dec), float(greenwich.sidereal_time())
    ra, dec, gast = out[:, where.reshape(jd.shape)]
    return ra, dec, gast


def _horizontal(lat: Array, lon: Array, ra: Array, dec: Array, gast: Array) -> tuple[Array, Array]:
    """Elevation and azimuth (degrees, azimuth from north through east) of a body at (ra, dec)
    seen from (lat, lon) in degrees, with ra, dec and the sidereal time in radians (Meeus 13.5-13.6)."""
    phi = np.radians(lat)
    hour_angle = gast + np.radians(lon) - ra
    sin_alt = np.sin(phi) * np.sin(dec) + np.cos(phi) * np.cos(dec) * np.cos(hour_angle)
    elevation = np.degrees(np.arcsin(np.clip(sin_alt, -1.0, 1.0)))
    from_south = np.arctan2(np.sin(hour_angle), np.cos(hour_angle) * np.sin(phi) - np.tan(dec) * np.cos(phi))
    return elevation, np.mod(np.degrees(from_south) + 180.0, 360.0)


def sun_position(lat: ArrayLike, lon: ArrayLike, when: datetime | ArrayLike) -> tuple[Array, Array]:
    """Elevation and azimuth of the Sun's centre (degrees), apparent and airless, in the broadcast
    shape of ``lat``, ``lon`` and ``when``."""
    lats, lons, jd = np.broadcast_arrays(
        np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64), _julian_days(when)
    )
    ra, dec, gast = _sun_equatorial(jd)
    return _horizontal(lats, lons, ra, dec, gast)


def moon_position(lat: ArrayLike, lon: ArrayLike, when: datetime | ArrayLike) -> tuple[Array, Array]:
    """Elevation and azimuth of the Moon's centre (degrees) as seen from the ground (parallax
    included), apparent and airless, in the broadcast shape of ``lat``, ``lon`` and ``when``."""
    import ephem

    lats, lons, jd = np.broadcast_arrays(
        np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64), _julian_days(when)
    )
    cases, where = np.unique(
        np.stack([lats.ravel(), lons.ravel(), jd.ravel()], axis=1), axis=0, return_inverse=True
    )
    out = np.empty((2, len(cases)))
    moon = ephem.Moon()
    for i, (la, lo, day) in enumerate(cases):
        moon.compute(_observer(float(la), float(lo), float(day)))
        out[:, i] = math.degrees(moon.alt), math.degrees(moon.az)
    elevation, azimuth = out[:, where.reshape(-1)].reshape(2, *jd.shape)
    return elevation, azimuth


def moon_illumination(when: datetime | ArrayLike) -> Array:
    """Fraction of the Moon's disc lit as seen from the Earth's centre, 0 (new) to 1 (full)."""
    import ephem

    jd = _julian_days(when)
    days, where = np.unique(jd, return_inverse=True)
    moon = ephem.Moon()
    lit = np.empty(days.size)
    for i, day in enumerate(days):
        moon.compute(ephem.Date(float(day) - _DUBLIN_JD))
        lit[i] = float(moon.moon_phase)
    return np.asarray(lit[where.reshape(jd.shape)], dtype=np.float64)


@dataclass(frozen=True)
class SunEvents:
    """The day's sunrise, sunset and twilights at a place (UTC); ``None`` where they do not occur."""

    astronomical_dawn: datetime | None
    nautical_dawn: datetime | None
    civil_dawn: datetime | None
    sunrise: datetime | None
    sunset: datetime | None
    civil_dusk: datetime | None
    nautical_dusk: datetime | None
    astronomical_dusk: datetime | None


def _crossings(
    lat: float, lon: float, jd0: float, altitude: float
) -> tuple[datetime | None, datetime | None]:
    """The first upward and the first downward crossing of ``altitude`` by the Sun's centre in the
    24 hours from jd0 (PyEphem's ``next_rising`` and ``next_setting``)."""
    import ephem

    found: list[datetime | None] = []
    for method in ("next_rising", "next_setting"):
        observer = _observer(lat, lon, jd0)
        observer.horizon = math.radians(altitude)
        try:
            at = getattr(observer, method)(ephem.Sun(), use_center=True)
        except ephem.CircumpolarError:  # the Sun stays above, or below, all day
            found.append(None)
            continue
        jd = float(at) + _DUBLIN_JD
        found.append(from_julian_day(jd) if jd < jd0 + 1.0 else None)
    return found[0], found[1]


def sun_events(lat: float, lon: float, day: datetime) -> SunEvents:
    """Sunrise, sunset and twilights during the local solar day around ``day``'s date.

    The search runs from local solar midnight (by longitude) for 24 hours, so each event is the
    one of that local day."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=lon / 15)
    jd0 = julian_day(midnight)
    astro, naut, civil, sun = (
        _crossings(lat, lon, jd0, altitude) for altitude in (ASTRONOMICAL, NAUTICAL, CIVIL, SUNRISE_ALTITUDE)
    )
    return SunEvents(astro[0], naut[0], civil[0], sun[0], sun[1], civil[1], naut[1], astro[1])


def is_dark(lat: float, lon: float, when: datetime, below: float = CIVIL) -> bool:
    """Night for recovery planning: the Sun more than ``below`` degrees under the horizon."""
    return float(sun_position(lat, lon, when)[0]) < below


#: a Moon at least this fraction lit and above the horizon makes a night "moonlit": enough light
#: for the unaided eye (and for an enemy observer) at ground level, and a well-lit scene for
#: night-vision goggles
MOONLIT = 0.25


@dataclass(frozen=True)
class Light:
    """The light at one place and time, as a recovery force and an enemy observer meet it."""

    at: datetime
    sun_elevation: float
    moon_elevation: float
    moon_illumination: float

    @property
    def dark(self) -> bool:
        """Night for recovery planning: the Sun below civil twilight."""
        return self.sun_elevation < CIVIL

    @property
    def period(self) -> str:
        if self.sun_elevation >= SUNRISE_ALTITUDE:
            return "day"
        return "twilight" if self.sun_elevation >= CIVIL else "night"

    @property
    def moonlit(self) -> bool:
        return self.moon_elevation > 0 and self.moon_illumination >= MOONLIT

    def describe(self) -> str:
        """ "night, Moon up 62 % lit", "day", "twilight, no Moon"."""
        if self.period == "day":
            return "day"
        if self.moon_elevation <= 0:
            return f"{self.period}, Moon down"
        return f"{self.period}, Moon up {self.moon_illumination:.0%} lit"


def light(lat: float, lon: float, when: datetime) -> Light:
    """The Sun's and the Moon's elevation and the Moon's illumination at one place and time."""
    return Light(
        when,
        float(sun_position(lat, lon, when)[0]),
        float(moon_position(lat, lon, when)[0]),
        float(moon_illumination(when)),
    )


def dark_windows(
    lat: float,
    lon: float,
    start: datetime,
    horizon: timedelta = timedelta(hours=36),
    step: timedelta = timedelta(minutes=5),
) -> list[tuple[datetime, datetime]]:
    """The periods of darkness (the Sun below civil twilight) from ``start`` for ``horizon``, each
    (begins, ends). The Sun is sampled every ``step`` in one call and each change of light is then
    found to the second by bisection, so a window is right whatever the step. A window still open
    at the horizon ends there; one that began before ``start`` begins at ``start``. (The same
    question asked again — the assessment, the options and each option's light ask it of one
    place and time — is answered from a small cache.)"""
    return list(_dark_windows(lat, lon, start, horizon, step))


@functools.lru_cache(maxsize=256)
def _dark_windows(
    lat: float, lon: float, start: datetime, horizon: timedelta, step: timedelta
) -> tuple[tuple[datetime, datetime], ...]:
    count = int(horizon / step) + 1
    offsets = [step * k for k in range(count)]
    elevation, _ = sun_position(lat, lon, [julian_day(start + t) for t in offsets])
    dark = elevation < CIVIL

    def change(before: timedelta, after: timedelta) -> timedelta:
        """The moment between two samples of different light where it changes (to a second)."""
        was = bool(dark[int(before / step)])
        while after - before > timedelta(seconds=1):
            middle = before + (after - before) / 2
            if (float(sun_position(lat, lon, start + middle)[0]) < CIVIL) == was:
                before = middle
            else:
                after = middle
        return after

    windows: list[tuple[datetime, datetime]] = []
    opened: timedelta | None = timedelta(0) if dark[0] else None
    for k in range(1, count):
        if dark[k] and not dark[k - 1]:
            opened = change(offsets[k - 1], offsets[k])
        elif not dark[k] and dark[k - 1] and opened is not None:
            windows.append((start + opened, start + change(offsets[k - 1], offsets[k])))
            opened = None
    if opened is not None:
        windows.append((start + opened, start + offsets[-1]))
    return tuple(windows)


@dataclass(frozen=True)
class DarkClock:
    """How much of the dark is left at a place: what a controller watches at night."""

    at: datetime
    dark: bool
    first_light: datetime | None  # the next end of darkness (None: none within the horizon)
    last_light: datetime | None  # the next beginning of darkness (None: none within the horizon)
    horizon: timedelta

    @property
    def dark_minutes_left(self) -> float:
        """Minutes of darkness left now (0 in daylight)."""
        if not self.dark:
            return 0.0
        if self.first_light is None:
            return self.horizon.total_seconds() / 60
        return max(0.0, (self.first_light - self.at).total_seconds() / 60)


def dark_clock(
    windows: list[tuple[datetime, datetime]], when: datetime, horizon: timedelta = timedelta(hours=36)
) -> DarkClock:
    """The clock read from ``dark_windows(lat, lon, when, horizon)`` (a window still open at the
    horizon has no first light)."""
    end = when + int(horizon / timedelta(minutes=5)) * timedelta(minutes=5)
    dark_now = bool(windows) and windows[0][0] == when
    first = next((e for _, e in windows if e < end), None)
    last = next((b for b, _ in windows if b > when), None)
    return DarkClock(when, dark_now, first, last, horizon)


def first_light_within(
    windows: list[tuple[datetime, datetime]], begin: datetime, end: datetime, horizon_end: datetime
) -> datetime | None:
    """The first end of darkness strictly inside (begin, end], if any: where a window of time
    meant to run in the dark runs into the day."""
    for _, ends in windows:
        if begin < ends <= end and ends < horizon_end:
            return ends
    return None
