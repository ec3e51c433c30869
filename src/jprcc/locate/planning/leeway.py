"""Leeway drift at sea: a person in the water, a life raft or a boat, pushed by the wind and
carried by the current.

The leeway of an object is its motion through the water caused by the wind, split into a
downwind and a crosswind component, each linear in the 10 m wind speed U (m/s):

    L_dw = (a_dw + ε_dw/20)·U + b_dw + ε_dw/2          (cm/s)
    L_cw = ±[(a_cw + ε_cw/20)·U + b_cw + ε_cw/2]       (cm/s; right or left of downwind)

a and b are the slope (% of U) and offset (cm/s) published for each object class by Allen &
Plourde (1999, *Review of Leeway: field experiments and implementation*, USCG R&D Center report
CG-D-08-99) and Allen (2005), and ε ~ N(0, S_y|x²) is a perturbation drawn once per particle from
the regression's standard error, split between slope and offset as in the CCG/USCG Leeway model
and OpenDrift's ``Leeway`` (Breivik & Allen 2008, *J. Mar. Syst.* 69, 99–113): at 20 m/s of wind the
slope part and the offset part weigh alike. Downwind slopes are redrawn until non-negative.
Half the particles drift right of downwind and half left (with each side's coefficients), and
each jibes to the other side with probability ``jibe_per_hour`` per hour. The drift is
leeway + current, integrated forward (Euler) in a local east/north frame. Given a coast
(``jprcc.locate.planning.coast``), a particle whose step would cross onto land strands at the shore
and stays there, as OpenDrift's elements do.

Two differences from OpenDrift 1.14's ``Leeway``, both deliberate: a particle drifting "right of
downwind" moves to the right (OpenDrift's sign puts it on the left, inherited from the original
code), and a jibe switches the particle to the other side's coefficients (OpenDrift flips the
sign of the crosswind slope only). Neither changes a symmetric class such as PIW-1, on which the
benchmark compares the two.

Forcing is a ``Forcing``: constant, or wind and current on a regular latitude/longitude grid in
time (bilinear in space, linear in time, held at the edges), read by ``jprcc.locate.forcing``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

import numba
import numpy as np
from numpy.typing import NDArray

from jprcc.intel.planning.threat import M_PER_DEG
from jprcc.locate.planning import checks
from jprcc.locate.planning.cloud import Frame, Track, run_blocks
from jprcc.locate.planning.coast import Coast, land_counts, land_near, open_distance, reach_fraction

Array = NDArray[np.float64]


@dataclass(frozen=True)
class LeewayObject:
    """One object class: slopes in % of the 10 m wind, offsets and standard errors in cm/s."""

    key: str
    description: str
    dw_slope: float
    dw_offset: float
    dw_std: float
    cwr_slope: float
    cwr_offset: float
    cwr_std: float
    cwl_slope: float
    cwl_offset: float
    cwl_std: float


def _objects(
    *rows: tuple[str, str, float, float, float, float, float, float, float, float, float],
) -> dict[str, LeewayObject]:
    return {row[0]: LeewayObject(*row) for row in rows}


#: the common classes of the published table (Allen & Plourde 1999; Allen 2005), as distributed
#: with the CCG/USCG Leeway model; keys are the table's
OBJECTS = _objects(
    ("PIW-1", "Person in the water, unknown state (mean values)",
     0.96, 0.00, 12.00, 0.54, 0.00, 9.40, -0.54, 0.00, 9.40),
    ("PIW-2", "Person in the water, vertical, PFD type III, conscious",
     0.48, 0.00, 8.30, 0.15, 0.00, 6.70, -0.15, 0.00, 6.70),
    ("PIW-3", "Person in the water, sitting, PFD type I or II",
     1.60, -3.98, 2.42, 0.13, 0.33, 2.11, -0.13, -0.33, 2.11),
    ("PIW-4", "Person in the water, survival suit (face up)",
     1.71, 1.12, 3.93, 1.36, -3.30, 1.71, -0.13, -2.65, 1.62),
    ("PIW-5", "Person in the water, scuba suit (face up)",
     0.63, 0.00, 5.30, 0.31, 0.00, 4.50, -0.31, 0.00, 4.50),
    ("PIW-6", "Person in the water, deceased (face down)",
     1.117, 10.2, 3.04, 0.04, 3.90, 4.05, -0.04, -3.90, 4.05),
    ("LIFE-RAFT-DB-10", "Life raft, deep ballast, general (mean values)",
     3.52, -2.50, 6.10, 0.62, -3.00, 3.50, -0.45, -0.20, 3.60),
    ("LIFE-RAFT-DB-11", "Life raft, 4-14 person, deep ballast, canopy (average)",
     3.50, -1.80, 6.40, 0.78, -3.60, 3.60, -0.47, -0.10, 3.90),
    ("LIFE-RAFT-DB-15", "Life raft, 4-14 person, deep ballast, canopy, with drogue (average)",
     1.91, 0.90, 1.60, 0.78, -3.60, 3.60, -0.47, -0.10, 3.90),
    ("LIFE-RAFT-SB-6", "Life raft, shallow ballast and canopy, general (mean values)",
     2.68, 0.00, 12.00, 1.10, 0.00, 9.40, -1.10, 0.00, 9.40),
    ("LIFE-RAFT-NB-1", "Life raft, no ballast, general (mean values)",
     3.70, 0.00, 12.00, 1.98, 0.00, 9.40, -1.98, 0.00, 9.40),
    ("AVIATION-1", "Aviation life raft, 4-6 person, no ballast, with canopy, no drogue",
     3.39, 0.00, 2.40, 1.49, 0.00, 2.40, -1.49, 0.00, 2.40),
    ("AVIATION-2", "Evacuation slide with life raft, 46 person",
     2.71, 0.00, 3.80, 0.72, 0.00, 3.40, -0.72, 0.00, 3.40),
    ("LIFE-CAPSULE", "SOLAS hard-shell life capsule, 22 person",
     3.52, 0.00, 1.90, 1.44, 0.00, 2.00, -1.44, 0.00, 2.00),
    ("PERSON-POWERED-VESSEL-1", "Sea kayak with person on aft deck",
     1.16, 11.12, 4.12, 0.41, 0.00, 4.39, -0.41, 0.00, 4.39),
    ("PERSON-POWERED-VESSEL-2", "Surf board with person",
     1.93, 0.00, 8.30, 0.51, 0.00, 6.70, -0.51, 0.00, 6.70),
    ("SKIFF-1", "Skiff, modified-V, runabout outboard powerboat",
     3.15, 0.00, 2.20, 1.29, 0.00, 2.20, -1.29, 0.00, 2.20),
    ("FISHING-VESSEL-1", "Fishing vessel, general (mean values)",
     2.47, 0.00, 12.00, 2.76, 0.00, 9.40, -2.76, 0.00, 9.40),
    ("SAILBOAT-1", "Sailboat, mono-hull (average)",
     4.5, 0.0, 19.4, 4.95, 0.0, 18.42, -2.82, 0.0, 24.95),
    ("SLDMB", "Self-locating datum marker buoy (no windage: moves with the current)",
     0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
)  # fmt: skip


@dataclass(frozen=True)
class Forcing:
    """10 m wind and surface current (m/s, toward east and north) on a regular grid in time.

    Arrays are (times, lats, lons), latitudes and longitudes ascending; a constant forcing is
    one time and one cell."""

    times_s: Array  # seconds after the model's start
    lats: Array
    lons: Array
    wind_east: NDArray[np.float32]
    wind_north: NDArray[np.float32]
    current_east: NDArray[np.float32]
    current_north: NDArray[np.float32]

    @classmethod
    def constant(
        cls, wind_east: float, wind_north: float, current_east: float, current_north: float
    ) -> Forcing:
        def one(v: float) -> NDArray[np.float32]:
            return np.full((1, 1, 1), v, dtype=np.float32)

        zero = np.zeros(1)
        return cls(zero, zero, zero, one(wind_east), one(wind_north), one(current_east), one(current_north))


@dataclass(frozen=True)
class Coefficients:
    """Each particle's own leeway coefficients (cm/s and % of wind), drawn at seeding."""

    dw_slope: Array
    dw_offset: Array
    cw_slope: NDArray[np.float64]  # (particles, 2): [right, left]
    cw_offset: NDArray[np.float64]
    left: NDArray[np.bool_]


def coefficients(rng: np.random.Generator, obj: LeewayObject, particles: int) -> Coefficients:
    """Per-particle perturbed coefficients: ε drawn once, split ε/20 on the slope and ε/2 on the offset."""
    eps_dw = rng.standard_normal(particles) * obj.dw_std
    bad = obj.dw_slope + eps_dw / 20 < 0
    while bad.any():  # a negative downwind slope would drift the object upwind
        eps_dw[bad] = rng.standard_normal(int(bad.sum())) * obj.dw_std
        bad = obj.dw_slope + eps_dw / 20 < 0
    r_cw = rng.standard_normal(particles)
    cw_slope = np.column_stack(
        [obj.cwr_slope + r_cw * obj.cwr_std / 20, obj.cwl_slope + r_cw * obj.cwl_std / 20]
    )
    cw_offset = np.column_stack(
        [obj.cwr_offset + r_cw * obj.cwr_std / 2, obj.cwl_offset + r_cw * obj.cwl_std / 2]
    )
    left = np.arange(particles) % 2 == 1
    return Coefficients(obj.dw_slope + eps_dw / 20, obj.dw_offset + eps_dw / 2, cw_slope, cw_offset, left)


def _packed(forcing: Forcing) -> NDArray[np.float32]:
    """The four fields interleaved, (times, lats, lons, 4): a particle's four corners at one time
    are then four runs of 16 contiguous bytes, read once for all four variables."""
    return np.ascontiguousarray(
        np.stack(
            [forcing.wind_east, forcing.wind_north, forcing.current_east, forcing.current_north], axis=-1
        ),
        dtype=np.float32,
    )


@numba.njit(cache=True, nogil=True, inline="always")
def _corners(field: NDArray[np.float32], k: int, j: int, i: int, wy: float, wx: float, q: int) -> float:
    """Bilinear in space at time index k, variable q."""
    return float(
        (1 - wy) * ((1 - wx) * field[k, j, i, q] + wx * field[k, j, i + 1, q])
        + wy * ((1 - wx) * field[k, j + 1, i, q] + wx * field[k, j + 1, i + 1, q])
    )


@numba.njit(cache=True, nogil=True)
def _step(
    x: Array, y: Array, left: NDArray[np.bool_], raw: NDArray[np.uint64],
    dw_slope: Array, dw_offset: Array, cw_slope: Array, cw_offset: Array,
    times: Array, lats: Array, lons: Array, field: NDArray[np.float32],
    t: float, dt: float, jibe: float, lat0: float, lon0: float, m_per_deg_lon: float,
    stranded_s: Array, open_m: NDArray[np.float32], west: float, north: float, cell: float,
    rows: int, cols: int, near: bool,
) -> None:  # fmt: skip
    nt, ny, nx, _ = field.shape
    k = 0
    f = 0.0
    if nt > 1:
        while k < nt - 2 and times[k + 1] <= t:
            k += 1
        f = min(max((t - times[k]) / (times[k + 1] - times[k]), 0.0), 1.0)
    k1 = min(k + 1, nt - 1)
    constant = ny == 1 and nx == 1
    we = (1 - f) * field[k, 0, 0, 0] + f * field[k1, 0, 0, 0]
    wn = (1 - f) * field[k, 0, 0, 1] + f * field[k1, 0, 0, 1]
    ce = (1 - f) * field[k, 0, 0, 2] + f * field[k1, 0, 0, 2]
    cn = (1 - f) * field[k, 0, 0, 3] + f * field[k1, 0, 0, 3]
    # a particle's fractional row and column: affine in its metres (the axes are even)
    row_per_m = 0.0 if constant else (ny - 1) / (lats[-1] - lats[0]) / M_PER_DEG
    row_at_0 = 0.0 if constant else (lat0 - lats[0]) * (ny - 1) / (lats[-1] - lats[0])
    col_per_m = 0.0 if constant else (nx - 1) / (lons[-1] - lons[0]) / m_per_deg_lon
    col_at_0 = 0.0 if constant else (lon0 - lons[0]) * (nx - 1) / (lons[-1] - lons[0])
    per_cell = 1.0 / cell
    for i in range(x.size):
        if near and stranded_s[i] < math.inf:
            continue  # stranded: it stays on the shore
        if not constant:
            fy = min(max(row_at_0 + y[i] * row_per_m, 0.0), ny - 1.000001)
            fx = min(max(col_at_0 + x[i] * col_per_m, 0.0), nx - 1.000001)
            j = int(fy)
            c = int(fx)
            wy = fy - j
            wx = fx - c
            we = (1 - f) * _corners(field, k, j, c, wy, wx, 0) + f * _corners(field, k1, j, c, wy, wx, 0)
            wn = (1 - f) * _corners(field, k, j, c, wy, wx, 1) + f * _corners(field, k1, j, c, wy, wx, 1)
            ce = (1 - f) * _corners(field, k, j, c, wy, wx, 2) + f * _corners(field, k1, j, c, wy, wx, 2)
            cn = (1 - f) * _corners(field, k, j, c, wy, wx, 3) + f * _corners(field, k1, j, c, wy, wx, 3)
        speed = math.sqrt(we * we + wn * wn)
        side = 1 if left[i] else 0
        dw = (dw_slope[i] * speed + dw_offset[i]) * 0.01
        cw = (cw_slope[i, side] * speed + cw_offset[i, side]) * 0.01
        if speed > 0.0:
            sx = we / speed  # unit vector downwind
            sy = wn / speed
        else:
            sx = 0.0
            sy = 0.0
        # right of downwind is the downwind direction turned 90° clockwise: (sy, -sx)
        ve = dw * sx + cw * sy + ce
        vn = dw * sy - cw * sx + cn
        ex = ve * dt
        ey = vn * dt
        if near:
            # a step shorter than its cell's clearance meets no land; any other is walked cell by cell
            r0 = math.floor((north - y[i]) * per_cell)
            c0 = math.floor((x[i] - west) * per_cell)
            clear = open_m[r0 * cols + c0] if 0 <= r0 < rows and 0 <= c0 < cols else -1.0
            if clear <= 0.0 or ex * ex + ey * ey >= clear * clear:
                made = reach_fraction(open_m, west, north, cell, rows, cols, x[i], y[i], ex, ey)
                if made < 1.0:
                    ex *= made
                    ey *= made
                    stranded_s[i] = t + dt
        x[i] += ex
        y[i] += ey
        if (raw[i] >> np.uint64(11)) * (1.0 / 9007199254740992.0) < jibe:
            left[i] = not left[i]


def drift(
    rng: np.random.Generator,
    x0: Array,
    y0: Array,
    obj: LeewayObject,
    forcing: Forcing,
    frame: Frame,
    steps: int,
    step_s: float,
    jibe_per_hour: float = 0.04,
    record_every: int = 1,
    threads: int | None = None,
    coast: Coast | None = None,
) -> Track:
    """Drift the particles ``steps`` steps of ``step_s``; record every ``record_every`` steps.

    With a ``coast``, a particle whose step would enter land stops just short of it and stays there:
    the track's ``stranded_s`` says when (a particle that starts on land is stranded from the start;
    ``coast.to_water`` moves such starts to the sea first). Without one nothing strands."""
    checks.finite("x0", x0)
    checks.finite("y0", y0)
    checks.positive("step_s", step_s)
    checks.non_negative("jibe_per_hour", jibe_per_hour)
    for name in ("wind_east", "wind_north", "current_east", "current_north"):
        checks.finite(f"forcing.{name}", getattr(forcing, name))
    n = x0.size
    c = coefficients(rng, obj, n)
    x = np.ascontiguousarray(x0, dtype=np.float64).copy()
    y = np.ascontiguousarray(y0, dtype=np.float64).copy()
    left = c.left.copy()
    jibe = -math.expm1(-jibe_per_hour * step_s / 3600.0)  # per step, from the hourly rate
    m_lon = M_PER_DEG * max(0.01, math.cos(math.radians(frame.lat0)))
    times = np.asarray(forcing.times_s, dtype=np.float64)
    field = _packed(forcing)
    stranded_s = np.full(n, math.inf)
    sea_only = np.full(1, np.inf, dtype=np.float32)
    if coast is not None:
        land_sum = land_counts(coast)
        rows, cols = coast.shape
        west, north, cell = coast.west_m, coast.north_m, coast.cell_m
        stranded_s[coast.on_land(x, y)] = 0.0
        # no particle goes farther in a step than this: its own coefficients at the strongest wind,
        # and the strongest current (a stranded particle lies within a cell of the land)
        margin = _fastest(c, forcing) * step_s + 2 * cell
    else:
        land_sum = np.zeros((2, 2), dtype=np.int32)
        rows = cols = 1
        west = north = 0.0
        cell = 1.0
        margin = 0.0
    clearances: list[NDArray[np.float32]] = []
    lock = threading.Lock()

    def clearance() -> NDArray[np.float32]:
        """The coast as the kernel reads it, made the first time a cloud nears land."""
        assert coast is not None
        with lock:
            if not clearances:
                clearances.append(open_distance(coast))
            return clearances[0]

    def move(s: int, a: int, b: int, raw: NDArray[np.uint64]) -> None:
        # the coast is looked at only where there is land within a step (and two cells) of the
        # block's particles: a cloud out at sea moves as fast as with no coast at all
        near = coast is not None and land_near(land_sum, west, north, cell, x[a:b], y[a:b], margin)
        _step(
            x[a:b], y[a:b], left[a:b], raw, c.dw_slope[a:b], c.dw_offset[a:b], c.cw_slope[a:b],
            c.cw_offset[a:b], times, forcing.lats, forcing.lons, field, s * step_s, step_s, jibe,
            frame.lat0, frame.lon0, m_lon, stranded_s[a:b], clearance() if near else sea_only, west, north,
            cell, rows, cols, near,
        )  # fmt: skip

    track = run_blocks(rng, x, y, steps, step_s, move, record_every, threads)
    return replace(track, stranded_s=stranded_s) if coast is not None else track


def _fastest(c: Coefficients, forcing: Forcing) -> float:
    """The fastest any of these particles can drift (m/s): leeway is linear in the wind speed, so its
    largest downwind and crosswind parts lie at calm or at the strongest wind; the current adds."""
    wind = float(np.hypot(forcing.wind_east.astype(np.float64), forcing.wind_north).max())
    current = float(np.hypot(forcing.current_east.astype(np.float64), forcing.current_north).max())

    def most(slope: Array, offset: Array) -> float:
        return float(np.maximum(np.abs(offset), np.abs(slope * wind + offset)).max()) * 0.01

    downwind = most(c.dw_slope, c.dw_offset) if c.dw_slope.size else 0.0
    crosswind = most(c.cw_slope, c.cw_offset) if c.cw_slope.size else 0.0
    return math.hypot(downwind, crosswind) + current


def reach_m(obj: LeewayObject, forcing: Forcing, horizon_s: float, sigmas: float = 5.0) -> float:
    """How far any particle of ``obj`` can drift in ``horizon_s`` under ``forcing``: the strongest wind
    and current anywhere in it, with the coefficients ``sigmas`` standard errors above their means
    (a draw past 5 is about one particle in three million)."""
    wind = float(np.hypot(forcing.wind_east.astype(np.float64), forcing.wind_north).max())
    current = float(np.hypot(forcing.current_east.astype(np.float64), forcing.current_north).max())

    def most(slope: float, offset: float, std: float) -> float:
        return max(0.0, (abs(slope) + sigmas * std / 20) * wind + abs(offset) + sigmas * std / 2) * 0.01

    downwind = most(obj.dw_slope, obj.dw_offset, obj.dw_std)
    crosswind = max(
        most(obj.cwr_slope, obj.cwr_offset, obj.cwr_std), most(obj.cwl_slope, obj.cwl_offset, obj.cwl_std)
    )
    return (math.hypot(downwind, crosswind) + current) * horizon_s
