"""Coordinates at the human edge: MGRS and lat/lon, both ways.

Storage and the domain use WGS-84 latitude/longitude in decimal degrees. People read and
type MGRS (Military Grid Reference System); ``parse_position`` accepts either.
"""

from __future__ import annotations

import re
from functools import lru_cache

import mgrs as _mgrs

from jprcc.core.model import Position

_converter = _mgrs.MGRS()
_MGRS = re.compile(r"^\s*(\d{1,2})?\s*([A-HJ-NP-Z])\s*([A-HJ-NP-Z]{2})\s*(\d*)\s*(\d*)\s*$", re.IGNORECASE)
_LATLON = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[, ]\s*([-+]?\d+(?:\.\d+)?)\s*$")


class CoordinateError(ValueError):
    """A coordinate that cannot be read; the message says what was expected."""


def to_mgrs(position: Position, precision: int = 5) -> str:
    """MGRS of ``position`` at 10^(5-precision) m resolution (5 → 1 m), UPS near the poles.

    Latitudes within a centimetre south of the equator are taken as on it: the converter would
    otherwise write them as northing 00000 of band M, a square it cannot read back.

    Remembered for the latest positions: every answer about an incident, a board card or an
    asset writes its position, which seldom moves, and the conversion costs tens of microseconds."""
    return _to_mgrs(position.lat, position.lon, precision)


@lru_cache(maxsize=16384)
def _to_mgrs(lat: float, lon: float, precision: int) -> str:
    lat = round(lat, 7)
    if -1e-6 < lat < 0:
        lat = 0.0
    return str(_converter.toMGRS(lat, lon, MGRSPrecision=precision))


def from_mgrs(text: str) -> Position:
    """Position of the south-west corner of an MGRS square. Spaces are allowed."""
    match = _MGRS.match(text)
    if not match:
        raise CoordinateError(f"{text!r} is not an MGRS reference (e.g. 38SMB4488012345)")
    zone, band, square, east, north = match.groups()
    digits = east + north
    if len(digits) % 2 or len(digits) > 10:
        raise CoordinateError(f"{text!r}: easting and northing need the same number of digits (0-5 each)")
    polar = band.upper() in "ABYZ"
    if polar != (zone is None):
        raise CoordinateError(
            f"{text!r}: UTM zones 1-60 use bands C-X; polar (UPS) bands A, B, Y, Z have no zone"
        )
    if zone is not None and not 1 <= int(zone) <= 60:
        raise CoordinateError(f"{text!r}: UTM zone must be 1-60")
    prefix = "" if zone is None else f"{int(zone):02d}"
    compact = f"{prefix}{band.upper()}{square.upper()}{digits}"
    try:
        lat, lon = _converter.toLatLon(compact)
    except Exception as exc:  # the library raises its own error type for impossible squares
        raise CoordinateError(f"{text!r} is not a valid MGRS square ({exc})") from exc
    return Position(round(float(lat), 7), round(float(lon), 7))


def parse_position(text: str) -> Position:
    """Read 'lat, lon' in decimal degrees or an MGRS reference."""
    match = _LATLON.match(text)
    if match:
        try:
            return Position(float(match.group(1)), float(match.group(2)))
        except ValueError as exc:
            raise CoordinateError(str(exc)) from exc
    return from_mgrs(text)
