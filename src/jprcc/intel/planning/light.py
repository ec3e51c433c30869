"""Light for recovery planning: the Sun and the Moon for any place and time, computed locally.

Sun: the NOAA solar calculator's algorithm, after Meeus, *Astronomical Algorithms* (2nd ed.,
1998), ch. 25 (low-accuracy solar coordinates) and ch. 28 (equation of time): good to about
0.01° in elevation for 1900-2100. Sunrise and sunset are the moments the Sun's centre stands
0.833° below the horizon (refraction 34' plus the semi-diameter 16'); civil, nautical and
astronomical twilight end at 6°, 12° and 18° below. They are found as roots of the elevation
curve, so polar day and night simply have none.

Moon: Meeus ch. 47 with the largest terms of the periodic series (longitude to about 0.3°,
latitude to about 0.2°) and its mean horizontal parallax (up to ~0.95° in altitude), and ch. 48
for the illuminated fraction from the Sun-Moon elongation.

Every function takes latitudes and longitudes in degrees (east positive) and times as aware
``datetime`` or as ``numpy`` arrays of Julian days; angles come back in degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

RAD = math.pi / 180
SUNRISE_ALTITUDE = -0.833
MOON_PARALLAX = 0.9507  # mean equatorial horizontal parallax of the Moon, degrees
CIVIL, NAUTICAL, ASTRONOMICAL = -6.0, -12.0, -18.0
_J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)


def julian_day(when: datetime) -> float:
    if when.tzinfo is None:
        raise ValueError("a time with its zone, please")
    return 2451545.0 + (when - _J2000).total_seconds() / 86400.0


def from_julian_day(jd: float) -> datetime:
    return _J2000 + timedelta(days=jd - 2451545.0)


def _sun_equatorial(
    jd: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Declination, right ascension (degrees) and the equation of time (minutes)."""
    t = (jd - 2451545.0) / 36525.0
    l0 = np.mod(280.46646 + t * (36000.76983 + t * 0.0003032), 360.0)
    m = 357.52911 + t * (35999.05029 - 0.0001537 * t)
    e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    c = (
        np.sin(m * RAD) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + np.sin(2 * m * RAD) * (0.019993 - 0.000101 * t)
        + np.sin(3 * m * RAD) * 0.000289
    )
    omega = 125.04 - 1934.136 * t
    apparent = l0 + c - 0.00569 - 0.00478 * np.sin(omega * RAD)
    eps0 = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
    eps = eps0 + 0.00256 * np.cos(omega * RAD)
    declination = np.arcsin(np.sin(eps * RAD) * np.sin(apparent * RAD)) / RAD
    ra = np.arctan2(np.cos(eps * RAD) * np.sin(apparent * RAD), np.cos(apparent * RAD)) / RAD
    y = np.tan(eps * RAD / 2) ** 2
    eq_time = (
        4
        / RAD
        * (
            y * np.sin(2 * l0 * RAD)
            - 2 * e * np.sin(m * RAD)
            + 4 * e * y * np.sin(m * RAD) * np.cos(2 * l0 * RAD)
            - 0.5 * y * y * np.sin(4 * l0 * RAD)
            - 1.25 * e * e * np.sin(2 * m * RAD)
        )
    )
    return declination, ra, eq_time


def _horizontal(
    lat: ArrayLike,
    lon: ArrayLike,
    jd: NDArray[np.float64],
    declination: NDArray[np.float64],
    ra: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Elevation and azimuth (from north, clockwise) of a body at (ra, declination)."""
    lat_r = np.asarray(lat, dtype=np.float64) * RAD
    t = (jd - 2451545.0) / 36525.0
    gmst = np.mod(
        280.46061837 + 360.98564736629 * (jd - 2451545.0) + t * t * (0.000387933 - t / 38710000), 360.0
    )
    hour_angle = (gmst + np.asarray(lon, dtype=np.float64) - ra) * RAD
    dec = declination * RAD
    sin_alt = np.sin(lat_r) * np.sin(dec) + np.cos(lat_r) * np.cos(dec) * np.cos(hour_angle)
    elevation = np.arcsin(np.clip(sin_alt, -1, 1)) / RAD
    azimuth = np.mod(
        np.arctan2(np.sin(hour_angle), np.cos(hour_angle) * np.sin(lat_r) - np.tan(dec) * np.cos(lat_r)) / RAD
        + 180.0,
        360.0,
    )
    return elevation, azimuth


def sun_position(
    lat: ArrayLike, lon: ArrayLike, when: datetime | ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Geometric elevation and azimuth of the Sun's centre (degrees), no refraction."""
    jd = np.asarray(julian_day(when) if isinstance(when, datetime) else when, dtype=np.float64)
    declination, ra, _ = _sun_equatorial(jd)
    return _horizontal(lat, lon, jd, declination, ra)


def moon_position(
    lat: ArrayLike, lon: ArrayLike, when: datetime | ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Elevation and azimuth of the Moon (degrees) as seen from the ground, to about half a degree."""
    jd = np.asarray(julian_day(when) if isinstance(when, datetime) else when, dtype=np.float64)
    lam, beta, _ = _moon_ecliptic(jd)
    t = (jd - 2451545.0) / 36525.0
    eps = (23.439291 - 0.0130042 * t) * RAD
    ra = (
        np.arctan2(np.sin(lam * RAD) * np.cos(eps) - np.tan(beta * RAD) * np.sin(eps), np.cos(lam * RAD))
        / RAD
    )
    dec = (
        np.arcsin(np.sin(beta * RAD) * np.cos(eps) + np.cos(beta * RAD) * np.sin(eps) * np.sin(lam * RAD))
        / RAD
    )
    elevation, azimuth = _horizontal(lat, lon, jd, dec, ra)
    # parallax in altitude: the Moon is close enough to sit up to ~0.95° lower seen from the surface
    return elevation - MOON_PARALLAX * np.cos(elevation * RAD), azimuth


def _moon_ecliptic(
    jd: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Ecliptic longitude and latitude of the Moon and the Sun-Moon elongation's phase angle input
    (Meeus 47.1-47.5 with the largest periodic terms)."""
    t = (jd - 2451545.0) / 36525.0
    lp = 218.3164477 + 481267.88123421 * t
    d = 297.8501921 + 445267.1114034 * t
    m = 357.5291092 + 35999.0502909 * t
    mp = 134.9633964 + 477198.8675055 * t
    f = 93.2720950 + 483202.0175233 * t
    r = RAD
    lon = (
        lp
        + 6.288774 * np.sin(mp * r)
        + 1.274027 * np.sin((2 * d - mp) * r)
        + 0.658314 * np.sin(2 * d * r)
        + 0.213618 * np.sin(2 * mp * r)
        - 0.185116 * np.sin(m * r)
        - 0.114332 * np.sin(2 * f * r)
        + 0.058793 * np.sin((2 * d - 2 * mp) * r)
        + 0.057066 * np.sin((2 * d - m - mp) * r)
        + 0.053322 * np.sin((2 * d + mp) * r)
        + 0.045758 * np.sin((2 * d - m) * r)
        - 0.040923 * np.sin((m - mp) * r)
        - 0.034720 * np.sin(d * r)
        - 0.030383 * np.sin((m + mp) * r)
    )
    lat = (
        5.128122 * np.sin(f * r)
        + 0.280602 * np.sin((mp + f) * r)
        + 0.277693 * np.sin((mp - f) * r)
        + 0.173237 * np.sin((2 * d - f) * r)
        + 0.055413 * np.sin((2 * d - mp + f) * r)
        + 0.046271 * np.sin((2 * d - mp - f) * r)
        + 0.032573 * np.sin((2 * d + f) * r)
    )
    # phase angle i (Meeus 48.4, the approximate form): 180 - D - 6.289 sin M' + 2.100 sin M - ...
    phase = (
        180
        - np.mod(d, 360)
        - 6.289 * np.sin(mp * r)
        + 2.100 * np.sin(m * r)
        - 1.274 * np.sin((2 * d - mp) * r)
        - 0.658 * np.sin(2 * d * r)
        - 0.214 * np.sin(2 * mp * r)
        - 0.110 * np.sin(d * r)
    )
    return np.mod(lon, 360.0), lat, phase


def moon_illumination(when: datetime | ArrayLike) -> NDArray[np.float64]:
    """Fraction of the Moon's disc lit, 0 (new) to 1 (full) (Meeus 48.1)."""
    jd = np.asarray(julian_day(when) if isinstance(when, datetime) else when, dtype=np.float64)
    _, _, phase = _moon_ecliptic(jd)
    return (1 + np.cos(phase * RAD)) / 2


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


def _crossings(lat: float, lon: float, jd0: float, altitude: float) -> tuple[float | None, float | None]:
    """The first upward and the first downward crossing of ``altitude`` in the day from jd0."""

    def above(jd: float) -> float:
        return float(sun_position(lat, lon, jd)[0]) - altitude

    grid = jd0 + np.arange(0, 24 * 6 + 1) / (24 * 6)  # every 10 minutes
    values = sun_position(lat, lon, grid)[0] - altitude
    rise = set_ = None
    for a, b, va, vb in zip(grid[:-1], grid[1:], values[:-1], values[1:], strict=True):
        if va < 0 <= vb and rise is None:
            rise = brentq(above, a, b, xtol=1e-7)
        elif va >= 0 > vb and set_ is None:
            set_ = brentq(above, a, b, xtol=1e-7)
    return rise, set_


def sun_events(lat: float, lon: float, day: datetime) -> SunEvents:
    """Sunrise, sunset and twilights during the local solar day around ``day``'s date.

    The search runs from local solar midnight (by longitude) for 24 hours, so each event is the
    one of that local day."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=lon / 15)
    jd0 = julian_day(midnight)

    def pair(altitude: float) -> tuple[datetime | None, datetime | None]:
        up, down = _crossings(lat, lon, jd0, altitude)
        return (from_julian_day(up) if up else None, from_julian_day(down) if down else None)

    astro, naut, civil, sun = pair(ASTRONOMICAL), pair(NAUTICAL), pair(CIVIL), pair(SUNRISE_ALTITUDE)
    return SunEvents(astro[0], naut[0], civil[0], sun[0], sun[1], civil[1], naut[1], astro[1])


def is_dark(lat: float, lon: float, when: datetime, below: float = CIVIL) -> bool:
    """Night for recovery planning: the Sun more than ``below`` degrees under the horizon."""
    return float(sun_position(lat, lon, when)[0]) < below
