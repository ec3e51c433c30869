"""Locate: leeway drift, the land evader and the search allocation, each beside its anchor.

* Leeway drift at sea: ``leeway.drift`` against OpenDrift's ``Leeway`` (bench/opendrift_leeway.py),
  100,000 PIW-1 particles x 96 steps of 900 s, constant 10 m/s wind toward the north-east and
  0.2 m/s current toward the east, seeded at 60N 5E with the same Gaussian spread (500 m standard
  deviation per axis). Throughput in particle-steps per second; agreement of the final clouds'
  mean displacement and standard deviation, east and north (OpenDrift's final positions taken to
  metres with our ``Frame.to_xy``). OpenDrift keeps only the start and the end (its default
  output here), ours records only the end (``record_every=96``).
* Leeway drift on gridded, time- and space-varying forcing (``bench/leeway_grid.py``): ours
  against the plain numba kernel of the same math and against OpenDrift on the same NetCDF file.
* Land evader: ``evader.evade``, 1,000,000 particles x 96 steps of 900 s (12 h dark, then 12 h
  light) on a synthetic 2000 x 2000 raster of 50 m cells (smooth walking speeds 0.2-1.5 m/s,
  lakes and a river with fords at 0, threat blobs up to 0.8), two destinations, default
  ``EvaderParameters``, ``record_every=4``. Anchor: a plain vectorised numpy random walk with the
  same raster look-ups (cell of every moving particle, speed there, a random heading, a step of
  speed x dt, held where the next cell is impassable or its threat turns it back), with the same
  night/day move gate, so that it does no more work per step than ours has to.
* Allocation: ``allocate.water_fill`` on a 1000 x 1000 grid (a mixture of three Gaussians holding
  0.95), against the same Newton iteration on ln(lambda) written in plain vectorised numpy; both
  must buy the same probability of success to 1e-6.

Each part runs ours and its anchor in fresh processes, so each peak resident memory (VmHWM) is
its own.
numba's compiled code is cached on disk; each of our processes warms it (a small run) before the
clock starts. OpenDrift is a benchmark-only dependency (``pip install -e ".[bench]"``); without it
the leeway rows are skipped.

The evader rows count only the work done: particle-steps that tried a move (a particle hiding
through a step, or arrived, costs a draw and nothing more, in ours and in the anchor alike). The
evader's first picture times what the user waits for after defining the model: the threat raster
(40 envelopes that engage a person on foot and 10 areas, on 1500²), 200,000 evaders for 48 h and
the map, against the same with the simplest raster (a pyproj geodesic to every cell, shapely over
every cell).

Targets: leeway >= 30x OpenDrift's particle-steps/s, mean displacement within 2 %, spread within
5 %, on constant and on gridded forcing, and within 1.5x of the plain numba kernel on the grid;
evader >= 40 million particle-steps/s drawn (the earlier target's count) and more than twice the
anchor on moving steps; first picture <= 2 s;
allocation <= 25 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.common import Row, own_peak_mb, row, spawn, write

console = Console()

LAT0, LON0 = 60.0, 5.0
LEEWAY_PARTICLES, LEEWAY_STEPS, STEP_S = 100_000, 96, 900.0
SEED_SIGMA_M = 500.0
WIND_MS, CURRENT_EAST_MS = 10.0, 0.2
EVADER_PARTICLES, EVADER_STEPS, CELLS, CELL_M = 1_000_000, 96, 2000, 50.0
GRID, CELL_AREA_M2, EFFORT_M2 = 1000, 100.0 * 100.0, 2.0e9
ROOT = Path(__file__).resolve().parent.parent


_peak = own_peak_mb


def _wind() -> tuple[float, float]:
    """10 m/s blowing toward the north-east (from the south-west)."""
    return WIND_MS * math.sin(math.radians(45.0)), WIND_MS * math.cos(math.radians(45.0))


def _spawn(target: str, *args: Any, module: str = "bench.locate") -> Any:
    """``target(*args)`` of ``module`` (this one by default) in a fresh interpreter."""
    return spawn(module, target, *args)


# --- leeway ---------------------------------------------------------------------------------------


def _leeway_ours(repeats: int) -> tuple[Any, ...]:
    import os

    from jprcc.locate.planning import leeway
    from jprcc.locate.planning.cloud import Frame

    frame = Frame(LAT0, LON0)
    forcing = leeway.Forcing.constant(*_wind(), CURRENT_EAST_MS, 0.0)
    piw = leeway.OBJECTS["PIW-1"]
    warm = 20_000 * (os.cpu_count() or 1)  # enough particles that every thread runs (the same slices)
    leeway.drift(np.random.default_rng(1), np.zeros(warm), np.zeros(warm), piw, forcing, frame, 2, STEP_S)
    seconds = []
    for _ in range(repeats):
        rng = np.random.default_rng(0)
        x0 = rng.normal(0.0, SEED_SIGMA_M, LEEWAY_PARTICLES)
        y0 = rng.normal(0.0, SEED_SIGMA_M, LEEWAY_PARTICLES)
        started = time.perf_counter()
        track = leeway.drift(
            rng, x0, y0, piw, forcing, frame, LEEWAY_STEPS, STEP_S, record_every=LEEWAY_STEPS
        )
        seconds.append(time.perf_counter() - started)
    x, y = track.x_m[-1].astype(np.float64), track.y_m[-1].astype(np.float64)
    return (statistics.median(seconds), x, y, _peak())


def _leeway_opendrift() -> tuple[Any, ...]:
    from bench.opendrift_leeway import run_opendrift_leeway
    from jprcc.locate.planning.cloud import Frame

    lats, lons, seconds = run_opendrift_leeway(
        LAT0,
        LON0,
        number=LEEWAY_PARTICLES,
        steps=LEEWAY_STEPS,
        time_step_s=STEP_S,
        wind_east_ms=_wind()[0],
        wind_north_ms=_wind()[1],
        current_east_ms=CURRENT_EAST_MS,
        current_north_ms=0.0,
        object_type=1,  # PIW-1
        radius_m=SEED_SIGMA_M,
        seed=0,
        start=datetime(2024, 1, 1, tzinfo=UTC),
    )
    x, y = Frame(LAT0, LON0).to_xy(lats, lons)
    return (seconds, x, y, _peak())


def _relative_pct(ours: float, theirs: float) -> float:
    return max(float(abs(ours - theirs) / abs(theirs)) * 100, 1e-6)


def bench_leeway(repeats: int) -> list[Row]:
    particle_steps = LEEWAY_PARTICLES * LEEWAY_STEPS
    seconds, x, y, ours_mb = _spawn("_leeway_ours", repeats)
    rate = particle_steps / seconds
    if importlib.util.find_spec("opendrift") is None:
        console.print(
            f"leeway: ours {rate / 1e6:,.1f} M particle-steps/s; [yellow]OpenDrift is not installed, "
            'so the anchor rows are skipped[/]: install it with .venv/bin/pip install -e ".\\[bench]" '
            "(or .venv/bin/pip install opendrift)"
        )
        return []
    from opendrift import __version__ as opendrift_version

    their_seconds, ox, oy, their_mb = _spawn("_leeway_opendrift")
    their_rate = particle_steps / their_seconds
    rows = [
        row(
            f"leeway drift, {LEEWAY_PARTICLES:,} PIW-1 particles x {LEEWAY_STEPS} steps of 900 s, "
            "constant wind and current",
            "particle-steps/s",
            rate,
            f"OpenDrift {opendrift_version} Leeway, same case, Leeway.run only ({their_mb:.0f} MB peak)",
            their_rate,
            higher_is_better=True,
            target=">= 30x OpenDrift",
            meets=bool(rate >= 30 * their_rate),
        )
    ]
    rows += _agreement("leeway", x, y, ox, oy)
    for r in rows:
        r.peak_mb = round(ours_mb, 1)
    return rows


def bench_leeway_grid(repeats: int) -> list[Row]:
    """The gridded case (bench/leeway_grid.py): ours, the plain numba kernel, OpenDrift."""
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-grid-") as tmp:
        from bench import leeway_grid as grid

        path = str(grid.write_forcing(Path(tmp) / "forcing.nc"))
        steps = grid.PARTICLES * grid.STEPS
        seconds, x, y, ours_mb = _spawn("ours", path, repeats, module="bench.leeway_grid")
        plain_seconds, _, _, plain_mb = _spawn("plain", path, repeats, module="bench.leeway_grid")
        rate, plain_rate = steps / seconds, steps / plain_seconds
        case = f"{grid.PARTICLES:,} PIW-1 particles x {grid.STEPS} steps of 900 s, gridded wind and current"
        rows = [
            row(
                f"leeway grid: {case}, against the plain numba kernel",
                "particle-steps/s",
                rate,
                f"plain numba kernel of the same math, prange on every core ({plain_mb:.0f} MB peak)",
                plain_rate,
                higher_is_better=True,
                target="within 1.5x of the plain kernel",
                meets=bool(rate * 1.5 >= plain_rate),
            )
        ]
        if importlib.util.find_spec("opendrift") is None:
            console.print("leeway grid: [yellow]OpenDrift is not installed, so its rows are skipped[/]")
        else:
            from opendrift import __version__ as opendrift_version

            their_seconds, ox, oy, their_mb = _spawn("opendrift", path, module="bench.leeway_grid")
            their_rate = steps / their_seconds
            rows.append(
                row(
                    f"leeway grid: {case}, against OpenDrift",
                    "particle-steps/s",
                    rate,
                    f"OpenDrift {opendrift_version} Leeway + reader_netCDF_CF_generic, same file, "
                    f"Leeway.run only ({their_mb:.0f} MB peak)",
                    their_rate,
                    higher_is_better=True,
                    target=">= 30x OpenDrift",
                    meets=bool(rate >= 30 * their_rate),
                )
            )
            rows += _agreement("leeway grid", x, y, ox, oy)
    for r in rows:
        r.peak_mb = round(ours_mb, 1)
    return rows


def _agreement(what: str, x: np.ndarray, y: np.ndarray, ox: np.ndarray, oy: np.ndarray) -> list[Row]:
    """The two final clouds' mean displacement (within 2 %) and spread (within 5 %), east and north."""
    rows = []
    for name, ours_v, theirs_v, limit in (
        ("mean east displacement", x.mean(), ox.mean(), 2.0),
        ("mean north displacement", y.mean(), oy.mean(), 2.0),
        ("standard deviation east", x.std(ddof=1), ox.std(ddof=1), 5.0),
        ("standard deviation north", y.std(ddof=1), oy.std(ddof=1), 5.0),
    ):
        diff = _relative_pct(ours_v, theirs_v)
        rows.append(
            row(
                f"{what} agreement with OpenDrift: {name}, relative difference",
                "%",
                diff,
                f"target: within {limit:g} % (ours {ours_v:,.0f} m, OpenDrift {theirs_v:,.0f} m)",
                limit,
                higher_is_better=False,
                target=f"<= {limit:g} %",
                meets=bool(diff <= limit),
            )
        )
    return rows


# --- evader ---------------------------------------------------------------------------------------


def _ground() -> Any:
    """A plausible 100 km square of 50 m cells about the origin, the same every time."""
    from scipy.ndimage import zoom

    from jprcc.locate.planning.evader import Ground

    rng = np.random.default_rng(20240601)
    n, half = CELLS, CELLS * CELL_M / 2
    coarse = rng.standard_normal((26, 26))
    smooth = zoom(coarse, n / 26, order=3)[:n, :n]
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min())
    speed = (0.2 + 1.3 * smooth).astype(np.float32)
    # cell centres, metres east and north of the origin
    east = (np.arange(n, dtype=np.float32) + 0.5) * CELL_M - half
    north = half - (np.arange(n, dtype=np.float32) + 0.5) * CELL_M
    ee, nn = east[None, :], north[:, None]
    for _ in range(7):  # lakes, clear of the start area
        while True:
            cx, cy = rng.uniform(-45_000, 45_000, 2)
            if math.hypot(cx, cy) > 10_000:
                break
        a, b = rng.uniform(800, 3_500, 2)
        speed[((ee - cx) / a) ** 2 + ((nn - cy) / b) ** 2 <= 1] = 0
    # a river winding north to south 15 km east of the start, 100 m wide, with a ford every ~8 km
    course = 15_000 + 3_000 * np.sin(north / 9_000)
    river = np.abs(ee - course[:, None]) <= 50
    river &= (np.mod(north, 8_000) > 150)[:, None]
    speed[river] = 0
    threat = np.zeros((n, n), dtype=np.float32)
    for _ in range(9):
        cx, cy = rng.uniform(-45_000, 45_000, 2)
        s, peak = rng.uniform(1_500, 5_000), rng.uniform(0.3, 0.8)
        blob = peak * np.exp(-(((ee - cx) ** 2 + (nn - cy) ** 2) / (2 * s * s)))
        np.maximum(threat, blob, out=threat)
    return Ground(-half, half, CELL_M, speed, np.minimum(threat, 0.8).astype(np.float32))


def _night() -> np.ndarray:
    return (np.arange(EVADER_STEPS) // 48) % 2 == 0  # 12 h dark, then 12 h light


def _start(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0.0, 1_500.0, n), rng.normal(0.0, 1_500.0, n)


DESTINATIONS = np.array([[-35_000.0, 10_000.0], [30_000.0, 25_000.0]])
DESTINATION_WEIGHTS = np.array([0.6, 0.4])


def _evader_ours(repeats: int) -> tuple[Any, ...]:
    import os

    from jprcc.locate.planning.evader import EvaderParameters, evade

    ground, night, params = _ground(), _night(), EvaderParameters()
    warm = 20_000 * (os.cpu_count() or 1)
    evade(np.random.default_rng(1), *_start(np.random.default_rng(2), warm), DESTINATIONS,
          DESTINATION_WEIGHTS, ground, night[:2], params)  # fmt: skip
    seconds, moved, work = [], 0.0, 0
    for _ in range(repeats):
        rng = np.random.default_rng(0)
        x0, y0 = _start(rng, EVADER_PARTICLES)
        tried: list[int] = []
        started = time.perf_counter()
        track = evade(
            rng, x0, y0, DESTINATIONS, DESTINATION_WEIGHTS, ground, night, params, record_every=4, work=tried
        )
        seconds.append(time.perf_counter() - started)
        moved = float(np.median(np.hypot(track.x_m[-1] - x0, track.y_m[-1] - y0)))
        work = sum(tried)
        del track
    return (statistics.median(seconds), moved, work, _peak())


def _evader_anchor(steps: int) -> tuple[Any, ...]:
    from jprcc.locate.planning.evader import EvaderParameters

    ground, night, params = _ground(), _night(), EvaderParameters()
    rows, cols = ground.speed_ms.shape
    speed, threat = ground.speed_ms.ravel(), ground.threat.ravel()
    rng = np.random.default_rng(0)
    x, y = _start(rng, EVADER_PARTICLES)
    x0 = x.copy()
    y0 = y.copy()
    work = 0

    def cells(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = np.floor((ground.north_m - py) / ground.cell_m).astype(np.int64)
        c = np.floor((px - ground.west_m) / ground.cell_m).astype(np.int64)
        ok = (r >= 0) & (c >= 0) & (r < rows) & (c < cols)
        return ok, np.where(ok, r * cols + c, 0)

    started = time.perf_counter()
    for s in range(steps):
        p_move = params.move_night if night[s] else params.move_day
        movers = np.flatnonzero(rng.random(EVADER_PARTICLES) < p_move)
        work += movers.size
        px, py = x[movers], y[movers]
        ok, here = cells(px, py)
        length = np.where(ok, speed[here], 0.0) * params.step_s
        heading = rng.uniform(0.0, 2 * math.pi, movers.size)
        nx, ny = px + length * np.sin(heading), py + length * np.cos(heading)
        ok, there = cells(nx, ny)
        go = ok & (speed[there] > 0) & (rng.random(movers.size) >= params.avoidance * threat[there])
        x[movers[go]] = nx[go]
        y[movers[go]] = ny[go]
    seconds = time.perf_counter() - started
    moved = float(np.median(np.hypot(x - x0, y - y0)))
    return (seconds, moved, work, _peak())


def bench_evader(repeats: int, anchor_steps: int) -> list[Row]:
    seconds, moved, work, ours_mb = _spawn("_evader_ours", repeats)
    their_seconds, their_moved, their_work, their_mb = _spawn("_evader_anchor", anchor_steps)
    rate, their_rate = work / seconds, their_work / their_seconds
    drawn = EVADER_PARTICLES * EVADER_STEPS / seconds
    console.print(
        f"evader: median distance from the start after 24 h, ours {moved / 1000:.1f} km, "
        f"random walk {their_moved / 1000:.1f} km ({anchor_steps} steps); moving particle-steps "
        f"ours {work / 1e6:.1f} M, random walk {their_work / 1e6:.1f} M "
        f"(of {EVADER_PARTICLES * EVADER_STEPS / 1e6:.0f} M drawn)"
    )
    r = row(
        f"land evader, {EVADER_PARTICLES:,} particles x {EVADER_STEPS} steps, {CELLS}² raster, "
        "moving particle-steps only",
        "particle-steps/s",
        rate,
        f"plain numpy random walk, same raster look-ups and move gate, {anchor_steps} steps, its moving "
        f"particle-steps only ({their_mb:.0f} MB peak)",
        their_rate,
        higher_is_better=True,
        # the earlier target (40 M) counted every particle-step drawn; it is kept, on that count
        target=f">= 40 M drawn particle-steps/s (here {drawn / 1e6:.0f} M) and > 2x anchor on moving steps",
        meets=bool(drawn >= 40e6 and rate > 2 * their_rate),
    )
    r.peak_mb = round(ours_mb, 1)
    return [r]


# --- the evader's first picture -------------------------------------------------------------------

PICTURE_CELLS, PICTURE_EVADERS, PICTURE_STEPS = 1500, 200_000, 192  # 48 h of 900 s


def _threats(lat0: float, lon0: float) -> tuple[list[Any], list[Any]]:
    """40 envelopes that engage a person on foot (heavy machine guns, cannon, ATGM teams; 1.5-6 km)
    and 10 areas (enemy forces, hostile villages, mines) across a 150 km square."""
    from jprcc.intel.planning.threat import SMALL_ARMS, Envelope, Zone

    rng = np.random.default_rng(11)
    envelopes = [
        Envelope(lat0 + rng.uniform(-0.6, 0.6), lon0 + rng.uniform(-0.8, 0.8), SMALL_ARMS, 0.0,
                 float(rng.uniform(1_500, 6_000)), 0.0, 3_000.0, float(rng.uniform(0.2, 0.6)))
        for _ in range(40)
    ]  # fmt: skip
    zones = []
    for k in range(10):
        la, lo = lat0 + rng.uniform(-0.5, 0.5), lon0 + rng.uniform(-0.6, 0.6)
        angles = np.sort(rng.uniform(0, 2 * math.pi, 24))
        radii = rng.uniform(0.03, 0.12, 24)
        corners = [(la + r * math.cos(a), lo + r * math.sin(a)) for a, r in zip(angles, radii, strict=True)]
        kind = ("enemy_ground_forces", "hostile_populace", "mined_area")[k % 3]
        zones.append(Zone(corners, kind, float(rng.uniform(0.3, 0.8))))
    return envelopes, zones


def _simple_raster(grid: Any, envelopes: list[Any], zones: list[Any]) -> np.ndarray:
    """The simplest honest rasterisation: a geodesic (pyproj) to every cell for each envelope, a
    shapely point-in-polygon over every cell for each zone."""
    from jprcc.intel.planning.threat import AREA_EFFECT, Mode, engagement_probability, ground_range_m
    from jprcc.intel.planning.threat import inside_polygon as inside

    lats, lons = grid.centres()
    survive = np.ones(lats.shape)
    for e in envelopes:
        survive *= 1 - e.weight * engagement_probability(e, ground_range_m(e.lat, e.lon, lats, lons))
    for z in zones:
        w = z.weight * z.severity * AREA_EFFECT[z.category][Mode.DISMOUNTED]
        survive *= np.where(inside(z.polygon, lats, lons), 1 - w, 1.0)
    return np.asarray(1 - survive)


def _first_picture(simple: bool) -> tuple[Any, ...]:
    """From threat sources to the evader's probability map: the steps of ``Locate._evader`` and
    ``Locate.picture`` (ground raster of 1500², threat raster, 200,000 evaders for 48 h, the map)."""
    from jprcc.intel.planning.threat import Grid, Mode, threat_field
    from jprcc.locate.planning.cloud import Frame, map_grid, probability_map
    from jprcc.locate.planning.evader import EvaderParameters, Ground, evade

    lat0, lon0 = 34.0, 44.0
    envelopes, zones = _threats(lat0, lon0)
    frame = Frame(lat0, lon0)
    reach_m = 75_000.0
    grid = Grid.around(lat0, lon0, reach_m, 2 * reach_m / PICTURE_CELLS)
    small = Grid.around(lat0, lon0, 5_000.0, 500.0)
    threat_field(small, envelopes, zones, Mode.DISMOUNTED)  # compiled code loaded before the clock
    evade(np.random.default_rng(1), np.zeros(2), np.zeros(2), DESTINATIONS, DESTINATION_WEIGHTS,
          Ground(-1e3, 1e3, 100.0, np.ones((20, 20), np.float32), np.zeros((20, 20), np.float32)),
          np.ones(2, bool), EvaderParameters())  # fmt: skip
    rng = np.random.default_rng(0)
    x0, y0 = _start(rng, PICTURE_EVADERS)
    night = (np.arange(PICTURE_STEPS) // 48) % 2 == 0
    started = time.perf_counter()
    raster_started = time.perf_counter()
    if simple:
        threat = _simple_raster(grid, envelopes, zones).astype(np.float32)
    else:
        threat = threat_field(grid, envelopes, zones, Mode.DISMOUNTED).astype(np.float32)
    raster_s = time.perf_counter() - raster_started
    # walking speed: 2 km/h on the flat with lakes, as the terrain gives it
    speed = np.full((grid.rows, grid.cols), 2.0 / 3.6, dtype=np.float32)
    speed[600:700, 300:900] = 0.0
    west, _ = frame.to_xy(lat0, grid.west)
    _, north = frame.to_xy(grid.north, lon0)
    ground = Ground(float(west), float(north), grid.cell_height_m, speed, threat)
    track = evade(rng, x0, y0, DESTINATIONS, DESTINATION_WEIGHTS, ground, night, EvaderParameters())
    x, y = track.at(track.horizon_s)
    weights = np.full(x.size, 1.0 / x.size)
    picture = probability_map(frame, x, y, weights, map_grid(frame, x, y, weights, 200), 1.5)
    seconds = time.perf_counter() - started
    return seconds, raster_s, float(picture.sum()), _peak()


def bench_first_picture() -> list[Row]:
    seconds, raster_s, mass, mb = _spawn("_first_picture", False)
    their_seconds, their_raster_s, their_mass, their_mb = _spawn("_first_picture", True)
    console.print(
        f"evader's first picture: ours {seconds:.2f} s (threat raster {raster_s:.2f} s), simplest "
        f"raster {their_seconds:.2f} s (raster {their_raster_s:.2f} s); "
        f"mass on the map {mass:.4f} / {their_mass:.4f}"
    )
    r = row(
        f"evader's time to first picture: threat raster (40 envelopes, 10 areas) on {PICTURE_CELLS}², "
        f"{PICTURE_EVADERS:,} evaders x 48 h, the map",
        "s",
        seconds,
        f"the same with the simplest raster: a pyproj geodesic to every cell per envelope, shapely over "
        f"every cell per area (raster {their_raster_s:.2f} s; {their_mb:.0f} MB peak)",
        their_seconds,
        higher_is_better=False,
        target="<= 2 s",
        meets=bool(seconds <= 2.0),
    )
    r.peak_mb = round(mb, 1)
    return [r]


# --- allocation -----------------------------------------------------------------------------------


def _probability() -> np.ndarray:
    """Three Gaussians over a 100 km square of 100 m cells, holding 0.95 between them."""
    rng = np.random.default_rng(7)
    centre = (np.arange(GRID) + 0.5) * 100.0 - GRID * 50.0
    ee, nn = centre[None, :], centre[:, None]
    p = np.zeros((GRID, GRID))
    for weight in (0.5, 0.3, 0.2):
        cx, cy = rng.uniform(-20_000, 20_000, 2)
        sx, sy = rng.uniform(3_000, 9_000, 2)
        p += weight * np.exp(-0.5 * (((ee - cx) / sx) ** 2 + ((nn - cy) / sy) ** 2))
    return p * (0.95 / p.sum())


def _newton(p: np.ndarray, effort: float, area: float) -> np.ndarray:
    """z = a·max(0, ln(d/λ)), d = p/a, with Σ z = Z: the same Newton iteration on ln λ as ours
    (start below every cell's level, step by f/f' on the piecewise-linear f), in plain numpy."""
    held = p > 0
    log_d = np.log(p[held] / area)
    lv = (area * log_d.sum() - effort) / (area * log_d.size)
    for _ in range(200):
        active = log_d > lv
        f = area * (log_d[active] - lv).sum() - effort
        slope = area * np.count_nonzero(active)
        if f <= 1e-12 * max(effort, 1.0) or slope == 0:
            break
        lv += f / slope
        if f / slope <= 1e-15 * max(1.0, abs(lv)):
            break
    z = np.zeros_like(p)
    z[held] = area * np.maximum(0.0, log_d - lv)
    return z


def _allocation(repeats: int) -> tuple[Any, ...]:
    from jprcc.locate.planning.allocate import success, water_fill

    water_fill(np.full((8, 8), 1 / 64), 1e4, 100.0)  # compiled code loaded before the clock starts
    p = _probability()
    ours, theirs = [], []
    z = water_fill(p, EFFORT_M2, CELL_AREA_M2)
    for _ in range(repeats):
        started = time.perf_counter()
        z = water_fill(p, EFFORT_M2, CELL_AREA_M2)
        ours.append(time.perf_counter() - started)
    w = _newton(p, EFFORT_M2, CELL_AREA_M2)
    for _ in range(max(3, repeats // 2)):
        started = time.perf_counter()
        w = _newton(p, EFFORT_M2, CELL_AREA_M2)
        theirs.append(time.perf_counter() - started)
    pos, their_pos = success(p, z / CELL_AREA_M2), success(p, w / CELL_AREA_M2)
    return (statistics.median(ours), statistics.median(theirs), pos, their_pos, float(z.sum()), _peak())


def bench_allocation(repeats: int) -> list[Row]:
    seconds, their_seconds, pos, their_pos, spent, mb = _spawn("_allocation", repeats)
    same = bool(abs(pos - their_pos) <= 1e-6)
    if not same:
        console.print(f"[red]allocation: POS {pos:.9f} against the numpy iteration's {their_pos:.9f}[/]")
    if abs(spent - EFFORT_M2) > 1e-6 * EFFORT_M2:
        console.print(f"[red]allocation: water_fill spent {spent:.6g} m² of {EFFORT_M2:.6g}[/]")
    r = row(
        f"water-fill allocation, {GRID}² grid (median of {repeats})",
        "ms",
        seconds * 1000,
        f"the same Newton iteration on ln λ in plain numpy; POS {pos:.6f} vs {their_pos:.6f} "
        f"({'equal' if same else 'DIFFERENT'} to 1e-6)",
        their_seconds * 1000,
        higher_is_better=False,
        target="<= 25 ms",
        meets=bool(seconds * 1000 <= 25 and same),
    )
    r.peak_mb = round(mb, 1)
    return [r]


# --- report ---------------------------------------------------------------------------------------


def show(rows: list[Row]) -> None:
    table = Table("metric", "ours", "anchor", "ratio", "peak MB", "target", title="locate")
    for r in rows:
        verdict = (
            "" if r.meets_target is None else (" [green]met[/]" if r.meets_target else " [red]MISSED[/]")
        )
        big = r.unit == "particle-steps/s"
        ours = f"{r.ours / 1e6:,.1f} M" if big else f"{r.ours:,.3f}"
        anchor = f"{r.anchor_value / 1e6:,.2f} M" if big else f"{r.anchor_value:,.3f}"
        table.add_row(
            r.metric,
            f"{ours} {r.unit}",
            f"{anchor} {r.unit}",
            f"{r.ratio:.2f}x",
            f"{r.peak_mb:.0f}",
            r.target + verdict,
        )
    console.print(table)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        prog="python -m bench locate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of ours (median)")
    parser.add_argument("--anchor-steps", type=int, default=EVADER_STEPS, help="steps of the numpy walk")
    parser.add_argument("--allocation-repeats", type=int, default=15)
    args, _ = parser.parse_known_args(argv or [])
    rows = bench_leeway(args.repeats)
    rows += bench_leeway_grid(args.repeats)
    rows += bench_evader(args.repeats, args.anchor_steps)
    rows += bench_first_picture()
    rows += bench_allocation(max(10, args.allocation_repeats))
    show(rows)
    console.print(f"written to {write('locate', rows)}")
    return rows


if __name__ == "__main__":
    main()
