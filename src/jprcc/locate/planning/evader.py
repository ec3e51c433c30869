"""An evader on land: moves mostly by night, at the pace the ground allows, toward the
destinations of their evasion plan, and away from threats.

Each particle is one possible evader. At the start it draws a destination (a recovery point or
the friendly lines from the evasion plan of action) and a fitness (a lognormal factor on its
walking pace). Every step it moves with probability ``move_night`` in darkness and
``move_day`` in daylight (hiding by day is the taught behaviour). A move heads for the
destination, turned by a normal heading error, at the walking speed of the cell it stands in
(Tobler's hiking function on the slope, nil on water; see ``jprcc.intel.planning.threat``) for one
step. If any cell on the way is impassable (water, off the raster: every cell the step passes
through, so a river narrower than a step is not jumped; a step shorter than its cell's clearance,
the distance to the nearest barrier, is clear without walking it cell by cell), or a rise in
threat turns it back (probability ``min(1, avoidance · (threat there − threat here))``: in a
uniform threat the evader still moves), it tries once to side-step at right angles, and otherwise
holds. Within ``arrive_m`` of its destination it stops there.

Randomness: one 64-bit draw per particle and step from a ``numpy.random.Generator`` (its raw
bit stream, spawned one generator per thread), split into the heading error (12 bits, read
from a table of normal quantiles), the move gate, the threat test and the side-step's side.
The kernel runs without the GIL on a slice of the particles per thread. ``step_reference`` is
the same step in plain numpy, the kernel's specification.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from jprcc.locate.planning.cloud import Track, run_blocks, traversal

Array = NDArray[np.float64]
HEADING_BITS = 12


@dataclass(frozen=True)
class EvaderParameters:
    """The movement model; every default is explained in the operator's guide (Locate)."""

    step_s: float = 900.0
    move_night: float = 0.85
    move_day: float = 0.05
    heading_sigma_deg: float = 35.0
    avoidance: float = 1.5
    arrive_m: float = 250.0
    fitness_sigma: float = 0.25
    swim_m: float = 0.0  # the widest water the evader swims across (0: water is a wall)


@dataclass(frozen=True)
class Ground:
    """Walking speed and threat on a metre grid: row 0 is the northern edge."""

    west_m: float
    north_m: float
    cell_m: float
    speed_ms: NDArray[np.float32]  # (rows, cols) walking speed, 0 where impassable
    threat: NDArray[np.float32]  # (rows, cols) 0..1


def clearance(speed: NDArray[np.float32]) -> NDArray[np.int32]:
    """Each cell's chessboard distance, in cells, to the nearest impassable cell or the raster's edge.

    Any point of a cell lies at least (d − 1) cells from any point of a cell d cells away in the
    chessboard metric, so a step shorter than that from anywhere in the cell crosses no barrier and
    stays on the raster: the step skips the cell-by-cell traversal (most steps, in open country)."""
    from scipy.ndimage import distance_transform_cdt

    passable = np.pad(np.asarray(speed) > 0, 1)  # the edge counts as a barrier
    return np.ascontiguousarray(distance_transform_cdt(passable, metric="chessboard")[1:-1, 1:-1], np.int32)


def pack(ground: Ground) -> NDArray[np.float32]:
    """The raster as the kernel reads it: (cells, 3) of walking speed, threat and open distance (m:
    a step shorter than this from anywhere in the cell is clear, see ``clearance``)."""
    open_m = (clearance(ground.speed_ms).astype(np.float32) - 1) * np.float32(ground.cell_m)
    return np.ascontiguousarray(
        np.stack([ground.speed_ms.ravel(), ground.threat.ravel(), open_m.ravel()], axis=1), np.float32
    )


def heading_table(sigma_deg: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """cos and sin of the normal heading error at the mid-quantiles of 2^12 equal slices."""
    n = 1 << HEADING_BITS
    angle = ndtri((np.arange(n) + 0.5) / n) * math.radians(sigma_deg)
    return np.cos(angle), np.sin(angle)


@numba.njit(cache=True, nogil=True)
def _cell(
    ground_west: float, ground_north: float, cell: float, rows: int, cols: int, x: float, y: float
) -> int:
    r = math.floor((ground_north - y) / cell)
    c = math.floor((x - ground_west) / cell)
    if r < 0 or c < 0 or r >= rows or c >= cols:
        return -1
    return r * cols + c


@numba.njit(cache=True, nogil=True)
def _clear(
    speed: NDArray[np.float32],
    west: float,
    north: float,
    cell: float,
    rows: int,
    cols: int,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    swim: float = 0.0,
) -> bool:
    """Whether a straight walk from (x0, y0) to (x1, y1) stays on the raster and on passable
    ground in every cell it passes through (a grid traversal, Amanatides & Woo 1987): a river
    narrower than a step is not jumped. ``speed`` is the raster flattened, row 0 the north.

    ``swim`` (m): an evader who swims crosses water no wider than this along the step (each
    stretch of water measured where the step enters and leaves it) and must end the step ashore;
    0, the default, makes water a wall."""
    c, r, cells, step_c, step_r, t_max_c, t_delta_c, t_max_r, t_delta_r = traversal(
        west, north, cell, x0, y0, x1, y1
    )
    length = math.hypot(x1 - x0, y1 - y0)
    t_in = 0.0  # where along the step (0 to 1) the walk entered the current cell
    wet_from = -1.0  # where the current stretch of water began (< 0: ashore)
    for _ in range(cells):
        if r < 0 or c < 0 or r >= rows or c >= cols:
            return False
        if speed[r * cols + c] <= 0.0:
            if swim <= 0.0:
                return False
            if wet_from < 0.0:
                wet_from = t_in
            if (min(t_max_c, t_max_r, 1.0) - wet_from) * length > swim:
                return False
        else:
            wet_from = -1.0
        if t_max_c < t_max_r:
            t_in = t_max_c
            c += step_c
            t_max_c += t_delta_c
        else:
            t_in = t_max_r
            r += step_r
            t_max_r += t_delta_r
    return wet_from < 0.0  # the step ends ashore


@numba.njit(cache=True, nogil=True)
def _step(
    x: Array,
    y: Array,
    target: NDArray[np.int32],
    fitness: Array,
    raw: NDArray[np.uint64],
    destinations: Array,
    cells: NDArray[np.float32],
    rows: int,
    cols: int,
    west: float,
    north: float,
    cell: float,
    p_move: float,
    dt: float,
    avoidance: float,
    arrive: float,
    cos_t: Array,
    sin_t: Array,
    swim: float = 0.0,
) -> int:
    """Move the particles one step; return how many tried a move (the work done: a particle that
    hides this step, has arrived or stands off the raster costs a draw and nothing more).

    ``cells`` is ``pack(ground)``: each cell's speed, threat and open distance side by side, so that
    what a step reads about the cell it stands in comes from one cache line."""
    tried = 0
    flat_speed = cells[:, 0]
    mask = (1 << HEADING_BITS) - 1
    for i in range(x.size):
        d_i = target[i]
        if d_i < 0:
            continue
        r = raw[i]
        if ((r >> np.uint64(16)) & np.uint64(0xFFFF)) * (1.0 / 65536.0) >= p_move:
            continue
        dx = destinations[d_i, 0] - x[i]
        dy = destinations[d_i, 1] - y[i]
        dist = math.sqrt(dx * dx + dy * dy)
        if dist <= arrive:
            x[i] = destinations[d_i, 0]
            y[i] = destinations[d_i, 1]
            target[i] = -1
            continue
        here = _cell(west, north, cell, rows, cols, x[i], y[i])
        if here < 0:
            continue
        length = min(cells[here, 0] * fitness[i] * dt, dist)
        if length <= 0.0:
            continue
        tried += 1
        h = int(r & np.uint64(mask))
        ux = dx / dist
        uy = dy / dist
        hx = ux * cos_t[h] - uy * sin_t[h]
        hy = ux * sin_t[h] + uy * cos_t[h]
        u = ((r >> np.uint64(32)) & np.uint64(0xFFFF)) * (1.0 / 65536.0)
        # no barrier and no edge lies within this of anywhere in the cell: a shorter step is clear
        open_m = cells[here, 2]
        for attempt in range(2):
            nx = x[i] + hx * length
            ny = y[i] + hy * length
            there = _cell(west, north, cell, rows, cols, nx, ny)
            if (
                there >= 0
                and (
                    length < open_m
                    or _clear(flat_speed, west, north, cell, rows, cols, x[i], y[i], nx, ny, swim)
                )
                and u >= avoidance * max(0.0, cells[there, 1] - cells[here, 1])
            ):
                x[i] = nx
                y[i] = ny
                break
            if attempt == 0:  # side-step at right angles, to the side the draw picks
                side = 1.0 if (r >> np.uint64(48)) & np.uint64(1) else -1.0
                hx, hy = -side * hy, side * hx
                length *= 0.5
    return tried


def step_reference(
    x: Array,
    y: Array,
    target: NDArray[np.int32],
    fitness: Array,
    raw: NDArray[np.uint64],
    destinations: Array,
    ground: Ground,
    p_move: float,
    params: EvaderParameters,
) -> None:
    """One step of every particle in plain numpy: the specification ``_step`` is tested against."""
    cos_t, sin_t = heading_table(params.heading_sigma_deg)
    rows, cols = ground.speed_ms.shape
    raw = raw.astype(np.uint64)
    gate = ((raw >> np.uint64(16)) & np.uint64(0xFFFF)).astype(np.float64) / 65536.0
    u = ((raw >> np.uint64(32)) & np.uint64(0xFFFF)).astype(np.float64) / 65536.0
    side = np.where((raw >> np.uint64(48)) & np.uint64(1), 1.0, -1.0)
    h = (raw & np.uint64((1 << HEADING_BITS) - 1)).astype(np.int64)
    live = (target >= 0) & (gate < p_move)
    d = np.where(target >= 0, target, 0)
    dx = destinations[d, 0] - x
    dy = destinations[d, 1] - y
    dist = np.hypot(dx, dy)
    arrived = live & (dist <= params.arrive_m)
    x[arrived] = destinations[d[arrived], 0]
    y[arrived] = destinations[d[arrived], 1]
    target[arrived] = -1
    live &= ~arrived

    def lookup(px: Array, py: Array) -> tuple[NDArray[np.bool_], Array, Array]:
        r = np.floor((ground.north_m - py) / ground.cell_m).astype(np.int64)
        c = np.floor((px - ground.west_m) / ground.cell_m).astype(np.int64)
        ok = (r >= 0) & (c >= 0) & (r < rows) & (c < cols)
        rr, cc = np.where(ok, r, 0), np.where(ok, c, 0)
        return ok, ground.speed_ms[rr, cc].astype(np.float64), ground.threat[rr, cc].astype(np.float64)

    ok, speed_here, threat_here = lookup(x, y)
    length = np.minimum(speed_here * fitness * params.step_s, dist)
    live &= ok & (length > 0)
    # an evader that is not moving may stand on its destination (dist 0): give it any heading
    safe = np.where(dist > 0, dist, 1.0)
    ux, uy = dx / safe, dy / safe
    hx = ux * cos_t[h] - uy * sin_t[h]
    hy = ux * sin_t[h] + uy * cos_t[h]
    for attempt in range(2):
        nx, ny = x + hx * length, y + hy * length
        ok2, sp, th = lookup(nx, ny)
        rise = np.maximum(0.0, th - threat_here)
        go = live & ok2 & (sp > 0) & (u >= params.avoidance * rise)
        flat = ground.speed_ms.ravel()
        for i in np.flatnonzero(go):  # the whole way there passable: no river jumped (or swum)
            go[i] = _clear(
                flat, ground.west_m, ground.north_m, ground.cell_m, rows, cols, x[i], y[i], nx[i], ny[i],
                params.swim_m,
            )  # fmt: skip
        x[go], y[go] = nx[go], ny[go]
        live &= ~go
        if attempt == 0:
            hx, hy = -side * hy, side * hx
            length = length * 0.5


def evade(
    rng: np.random.Generator,
    x0: Array,
    y0: Array,
    destinations: Array,
    destination_weights: Array,
    ground: Ground,
    night: NDArray[np.bool_],
    params: EvaderParameters,
    record_every: int = 1,
    threads: int | None = None,
    work: list[int] | None = None,
) -> Track:
    """Move the particles ``len(night)`` steps; record every ``record_every`` steps (and the start).

    ``destinations`` is (k, 2) metres east/north; each particle draws one with the probabilities
    ``destination_weights``. With no destination the evader holds (hides where they are). Given a
    ``work`` list, the number of particles that tried a move is appended to it for each block and
    step (what a benchmark counts: a particle hiding through a step is not a step computed).
    """
    n = x0.size
    x = np.ascontiguousarray(x0, dtype=np.float64).copy()
    y = np.ascontiguousarray(y0, dtype=np.float64).copy()
    if len(destinations):
        w = np.asarray(destination_weights, dtype=np.float64)
        target = rng.choice(len(destinations), size=n, p=w / w.sum()).astype(np.int32)
    else:
        target = np.full(n, -1, dtype=np.int32)
        destinations = np.zeros((1, 2))
    fitness = rng.lognormal(0.0, params.fitness_sigma, n)
    cos_t, sin_t = heading_table(params.heading_sigma_deg)
    dest = np.ascontiguousarray(destinations, dtype=np.float64)
    cells = pack(ground)
    rows, cols = ground.speed_ms.shape

    def move(s: int, a: int, b: int, raw: NDArray[np.uint64]) -> None:
        p_move = params.move_night if night[s] else params.move_day
        tried = _step(
            x[a:b], y[a:b], target[a:b], fitness[a:b], raw, dest, cells, rows, cols,
            ground.west_m, ground.north_m, ground.cell_m, p_move, params.step_s, params.avoidance,
            params.arrive_m, cos_t, sin_t, params.swim_m,
        )  # fmt: skip
        if work is not None:
            work.append(tried)

    return run_blocks(rng, x, y, len(night), params.step_s, move, record_every, threads)
