"""Particles and the frame they live in: a local east/north plane, tracks over time, the map grid.

Positions are metres east (x) and north (y) of an origin on a local tangent plane (an
equirectangular projection about the origin): within 200 km of it, distances are right to
better than 0.5 %, which is far inside any search's position error. Tracks keep every
particle's position at each recorded time as float32 (1 m resolution out to 16,000 km).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from jprcc.intel.planning.threat import M_PER_DEG, Grid, inside_polygon

Array = NDArray[np.float64]
#: a circular normal holds 95 % of its probability within 2.4477 σ
SIGMA_PER_95 = 1.0 / math.sqrt(-2.0 * math.log(0.05))


@dataclass(frozen=True)
class Frame:
    """A local east/north plane about (lat0, lon0)."""

    lat0: float
    lon0: float

    @property
    def _m_per_deg_lon(self) -> float:
        return M_PER_DEG * max(0.01, math.cos(math.radians(self.lat0)))

    def to_xy(self, lat: Array | float, lon: Array | float) -> tuple[Array, Array]:
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * self._m_per_deg_lon
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * M_PER_DEG
        return x, y

    def to_latlon(self, x: Array | float, y: Array | float) -> tuple[Array, Array]:
        lat = self.lat0 + np.asarray(y, dtype=np.float64) / M_PER_DEG
        lon = self.lon0 + np.asarray(x, dtype=np.float64) / self._m_per_deg_lon
        return lat, lon


@dataclass(frozen=True)
class Track:
    """Where every particle is at each recorded time."""

    times_s: Array  # (k,) seconds after the start, increasing
    x_m: NDArray[np.float32]  # (k, particles)
    y_m: NDArray[np.float32]
    #: when each particle stranded on the coast (s after the start; inf: never), for a drift at sea
    stranded_s: Array | None = None

    @property
    def particles(self) -> int:
        return int(self.x_m.shape[1])

    def stranded(self, t_s: float) -> NDArray[np.bool_]:
        """Which particles lie stranded on the shore at ``t_s`` (none, for a track that cannot strand)."""
        if self.stranded_s is None:
            return np.zeros(self.particles, dtype=bool)
        return np.asarray(self.stranded_s <= t_s + 1e-6)

    @property
    def horizon_s(self) -> float:
        return float(self.times_s[-1])

    def at(self, t_s: float) -> tuple[Array, Array]:
        """Positions at ``t_s`` (linear between recorded times)."""
        if not self.times_s[0] - 1e-6 <= t_s <= self.times_s[-1] + 1e-6:
            raise ValueError(f"{t_s:.0f} s lies outside the track (0 to {self.horizon_s:.0f} s)")
        k = int(np.searchsorted(self.times_s, t_s, side="right")) - 1
        k = min(max(k, 0), len(self.times_s) - 2) if len(self.times_s) > 1 else 0
        if len(self.times_s) == 1:
            return self.x_m[0].astype(np.float64), self.y_m[0].astype(np.float64)
        t0, t1 = self.times_s[k], self.times_s[k + 1]
        f = min(1.0, max(0.0, (t_s - t0) / (t1 - t0)))
        x = self.x_m[k] + f * (self.x_m[k + 1].astype(np.float64) - self.x_m[k])
        y = self.y_m[k] + f * (self.y_m[k + 1].astype(np.float64) - self.y_m[k])
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


#: particles per random stream: fixed, so the same seed gives the same particles on any core count,
#: and small enough that a map at the default 20,000 particles runs on two cores
BLOCK = 10_000
#: moves particles [start, stop) one step with their raw 64-bit draws: (step, start, stop, raw)
Mover = Callable[[int, int, int, NDArray[np.uint64]], None]


def run_blocks(
    rng: np.random.Generator,
    x: Array,
    y: Array,
    steps: int,
    step_s: float,
    move: Mover,
    record_every: int = 1,
    threads: int | None = None,
) -> Track:
    """Run ``move`` over the particles for ``steps`` steps and keep their positions every
    ``record_every`` steps (and at the start and the end).

    The particles are cut into fixed blocks of ``BLOCK``, each with its own generator spawned from
    ``rng``; threads take whole blocks (the kernels release the GIL), so the particles do not
    depend on how many cores there are. ``x`` and ``y`` (float64, contiguous) are moved in place.
    """
    n = x.size
    kept = list(range(0, steps + 1, record_every))
    if kept[-1] != steps:
        kept.append(steps)
    out_x = np.empty((len(kept), n), dtype=np.float32)
    out_y = np.empty((len(kept), n), dtype=np.float32)
    out_x[0], out_y[0] = x, y
    blocks = max(1, -(-n // BLOCK))
    workers = max(1, min(threads or os.cpu_count() or 1, blocks))
    bounds = np.linspace(0, n, blocks + 1).astype(int)
    generators = rng.spawn(blocks)

    def run(block: int) -> None:
        a, b = int(bounds[block]), int(bounds[block + 1])
        bits = generators[block].bit_generator
        row = 1
        for s in range(steps):
            move(s, a, b, bits.random_raw(b - a))
            if row < len(kept) and kept[row] == s + 1:
                out_x[row, a:b] = x[a:b]
                out_y[row, a:b] = y[a:b]
                row += 1

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, range(blocks)))
    return Track(np.asarray(kept, dtype=np.float64) * step_s, out_x, out_y)


def seed(rng: np.random.Generator, particles: int, radius95_m: float) -> tuple[Array, Array]:
    """Start positions about the origin: circular normal whose 95 % radius is ``radius95_m``."""
    sigma = radius95_m * SIGMA_PER_95
    return rng.normal(0.0, sigma, particles), rng.normal(0.0, sigma, particles)


def stationary(x: Array, y: Array, times_s: Array) -> Track:
    """A person who stays where they are (injured, hiding): the same position at every time."""
    k = len(times_s)
    return Track(
        np.asarray(times_s, dtype=np.float64),
        np.broadcast_to(x.astype(np.float32), (k, x.size)),
        np.broadcast_to(y.astype(np.float32), (k, y.size)),
    )


def map_grid(frame: Frame, x: Array, y: Array, weights: Array, cells: int, margin: float = 0.15) -> Grid:
    """A square geographic grid of ``cells`` a side over the particles carrying weight, with a margin."""
    held = weights > 0
    if not held.any():
        held = np.ones_like(weights, dtype=bool)
    xs, ys = x[held], y[held]
    half = max(float(xs.max() - xs.min()), float(ys.max() - ys.min()), 200.0) / 2 * (1 + 2 * margin)
    cx = (float(xs.max()) + float(xs.min())) / 2
    cy = (float(ys.max()) + float(ys.min())) / 2
    south, west = frame.to_latlon(cx - half, cy - half)
    north, east = frame.to_latlon(cx + half, cy + half)
    return Grid(float(south), float(west), float(north), float(east), cells, cells)


@numba.njit(cache=True, nogil=True, inline="always")
def traversal(
    west: float, north: float, cell: float, x0: float, y0: float, x1: float, y1: float
) -> tuple[int, int, int, int, int, float, float, float, float]:
    """The start of a grid traversal (Amanatides & Woo 1987) of the straight step from (x0, y0) to
    (x1, y1) over cells of ``cell`` metres, row 0 at ``north``: the first cell (column, row), how
    many cells the step passes through, the column and row steps (±1 or 0), and for columns and
    rows the fraction of the step at the next boundary and between two boundaries. The evader's
    and the drift's kernels walk it, each testing its own cells."""
    c = math.floor((x0 - west) / cell)
    r = math.floor((north - y0) / cell)
    c1 = math.floor((x1 - west) / cell)
    r1 = math.floor((north - y1) / cell)
    dx = x1 - x0
    dy = y0 - y1  # rows count southward
    step_c = 1 if dx > 0 else (-1 if dx < 0 else 0)
    step_r = 1 if dy > 0 else (-1 if dy < 0 else 0)
    t_max_c = math.inf
    t_delta_c = math.inf
    t_max_r = math.inf
    t_delta_r = math.inf
    if step_c != 0:
        t_max_c = (west + (c + (1 if step_c > 0 else 0)) * cell - x0) / dx
        t_delta_c = cell / abs(dx)
    if step_r != 0:
        t_max_r = (y0 - (north - (r + (1 if step_r > 0 else 0)) * cell)) / dy
        t_delta_r = cell / abs(dy)
    return c, r, abs(c1 - c) + abs(r1 - r) + 1, step_c, step_r, t_max_c, t_delta_c, t_max_r, t_delta_r


@numba.njit(cache=True, nogil=True)
def _bin(
    lat: Array, lon: Array, weights: Array, north: float, west: float, dlat: float, dlon: float, out: Array
) -> None:
    rows, cols = out.shape
    for i in range(lat.size):
        r = math.floor((north - lat[i]) / dlat)
        c = math.floor((lon[i] - west) / dlon)
        if 0 <= r < rows and 0 <= c < cols:
            out[r, c] += weights[i]


def probability_map(
    frame: Frame, x: Array, y: Array, weights: Array, grid: Grid, smooth_cells: float = 0.0
) -> Array:
    """Probability in each cell of ``grid`` (particles outside it are not counted).

    ``smooth_cells`` > 0 spreads each particle with a normal kernel of that many cells (a kernel
    density estimate: with a few particles a cell, the raw histogram is mostly sampling noise);
    the mass is kept, apart from what the kernel carries past the grid's edge."""
    lat, lon = frame.to_latlon(x, y)
    out = np.zeros((grid.rows, grid.cols), dtype=np.float64)
    _bin(
        lat,
        lon,
        np.asarray(weights, dtype=np.float64),
        grid.north,
        grid.west,
        (grid.north - grid.south) / grid.rows,
        (grid.east - grid.west) / grid.cols,
        out,
    )
    if smooth_cells > 0:
        from scipy.ndimage import gaussian_filter

        out = np.asarray(gaussian_filter(out, smooth_cells, mode="constant", truncate=3.0), dtype=np.float64)
    return out


def inside_polygon_xy(polygon: list[tuple[float, float]], x: Array, y: Array) -> NDArray[np.bool_]:
    """Which points lie inside the polygon (vertices as (x, y) metres east and north): the threat
    layers' test (``shapely.contains_xy``), read with north as latitude and east as longitude."""
    return inside_polygon([(py, px) for px, py in polygon], y, x)
