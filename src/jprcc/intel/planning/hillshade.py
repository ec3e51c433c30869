"""Hillshade: the relief of the configured elevation, lit from the north-west, for the map.

The gradient is Horn's (1981) third-order finite difference over each cell's 3×3 neighbourhood,
with the cell's true size in metres (a degree of longitude shrinks with the cosine of latitude).
The light is a unit vector from the sun's azimuth (clockwise from north) and altitude; a cell's
shade is the cosine of the angle between its surface normal and the light, 0 when it faces away.
This is the ArcGIS hillshade: 255 times the shade is its value (its worked example, a 3×3 window
of 5 m cells, gives 154).

A map tile is the shade sampled at the centres of its 256×256 Web Mercator pixels, drawn as black
where the ground is darker than flat ground and as white where it is lighter, transparent where
it is flat or unknown, so that it lies over any basemap colour.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_M = 6_371_008.8  # the mean radius: cell sizes in metres from degrees
TILE = 256
SHADOW_ALPHA = 0.55  # the darkest shadow's opacity
Z_FACTOR = 2.0  # the map's vertical exaggeration: hills a walker would feel show at theater zoom
LIGHT_ALPHA = 0.40  # the brightest slope's opacity (the basemap is dark: light faces carry the relief)


def horn_gradient(
    heights: NDArray[np.float64], dx_m: NDArray[np.float64] | float, dy_m: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The rise per metre eastward and northward at each cell (row 0 at the north edge), by
    Horn's weights; edge cells take their nearest neighbour's value beyond the edge."""
    z = np.pad(heights, 1, mode="edge")
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    east = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * np.asarray(dx_m))
    south = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * dy_m)
    return east, -south


def shade(
    heights: NDArray[np.float64],
    dx_m: NDArray[np.float64] | float,
    dy_m: float,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
) -> NDArray[np.float64]:
    """The cosine of the angle between each cell's normal and the light, in [0, 1]; NaN where a
    height in its neighbourhood is unknown."""
    east, north = horn_gradient(heights, dx_m, dy_m)
    az, alt = math.radians(azimuth_deg), math.radians(altitude_deg)
    light = (math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt))
    # the surface z = f(x, y) has the upward normal (-dz/dx, -dz/dy, 1)
    lit = (-east * light[0] - north * light[1] + light[2]) / np.sqrt(east**2 + north**2 + 1.0)
    return np.clip(lit, 0.0, 1.0)


def shade_raster(
    values: NDArray[np.float64],
    south: float,
    north: float,
    west: float,
    east: float,
    z_factor: float = 1.0,
) -> NDArray[np.float64]:
    """The shade of a north-up latitude/longitude elevation raster (row 0 at the north edge), its
    heights multiplied by ``z_factor`` (the vertical exaggeration of a relief map)."""
    rows, cols = values.shape
    lat = north - (np.arange(rows) + 0.5) * (north - south) / rows
    dy = math.radians((north - south) / rows) * EARTH_RADIUS_M
    dx = math.radians((east - west) / cols) * EARTH_RADIUS_M * np.cos(np.radians(lat))[:, None]
    return shade(values * z_factor, np.maximum(dx, 1e-6), dy)


def tile_centres(z: int, x: int, y: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Latitude and longitude of the centres of a Web Mercator tile's pixels (256 × 256)."""
    n = 2**z
    k = np.arange(TILE) + 0.5
    lon = (x + k / TILE) / n * 360.0 - 180.0
    merc = math.pi * (1 - 2 * (y + k / TILE) / n)
    lat = np.degrees(np.arctan(np.sinh(merc)))
    return np.repeat(lat[:, None], TILE, axis=1), np.repeat(lon[None, :], TILE, axis=0)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """South, west, north, east of a Web Mercator tile, degrees."""
    n = 2**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return lat(y + 1), x / n * 360.0 - 180.0, lat(y), (x + 1) / n * 360.0 - 180.0


def tile_rgba(
    lit: NDArray[np.float64],
    raster: tuple[float, float, float, float],
    z: int,
    x: int,
    y: int,
    altitude_deg: float = 45.0,
) -> NDArray[np.uint8] | None:
    """The tile's pixels (256, 256, 4): shade sampled nearest-neighbour from ``lit`` over
    ``raster`` (south, west, north, east); None when the tile lies outside the raster."""
    south, west, north, east = raster
    s, w, n, e = tile_bounds(z, x, y)
    if n <= south or s >= north or e <= west or w >= east:
        return None
    lats, lons = tile_centres(z, x, y)
    rows, cols = lit.shape
    r = np.floor((north - lats) / (north - south) * rows).astype(np.int64)
    c = np.floor((lons - west) / (east - west) * cols).astype(np.int64)
    inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    value = np.full(lats.shape, np.nan)
    value[inside] = lit[r[inside], c[inside]]
    flat = math.sin(math.radians(altitude_deg))
    known = np.isfinite(value)
    v = np.where(known, value, flat)
    dark = np.clip((flat - v) / flat, 0.0, 1.0) * SHADOW_ALPHA
    light = np.clip((v - flat) / (1 - flat), 0.0, 1.0) * LIGHT_ALPHA
    rgba = np.zeros((TILE, TILE, 4), dtype=np.uint8)
    rgba[..., :3] = np.where(light > dark, 255, 0)[..., None].astype(np.uint8)
    rgba[..., 3] = np.round(np.maximum(dark, light) * 255).astype(np.uint8)
    return rgba
