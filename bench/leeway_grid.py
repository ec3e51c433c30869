"""Leeway drift on gridded forcing: the case a user runs, beside OpenDrift and a plain numba kernel.

The forcing is a NetCDF file written here (CF names, the names OpenDrift's generic reader and our
``jprcc.locate.forcing`` both read): 10 m wind and surface current on a 0.02° latitude/longitude
grid over 59.5-60.7N, 4.0-7.0E, hourly for 26 hours. Both vary in space and time: the wind veers
and strengthens across the area and through the day (6-15 m/s), the current runs east with
meanders and a tidal northward part (up to 0.35 m/s). 100,000 PIW-1 particles are seeded at
60N 5E (500 m standard deviation per axis) and drift 96 steps of 900 s.

Three runs of the same case, each in its own process (peak memory is each one's own VmHWM):

* ours: ``read_forcing`` then ``leeway.drift`` (the read is not timed; the numba compile is warmed
  before the clock starts), recording only the end;
* OpenDrift's ``Leeway`` with ``reader_netCDF_CF_generic`` on the same file, ``Leeway.run`` only;
* the simplest numba kernel of the same math a competent engineer would write in an hour: one
  ``prange`` over the particles inside the step loop, bilinear in space and linear in time on the
  file's arrays as read, the same per-particle coefficients, jibes drawn with numba's own
  generator, on every core.

Agreement with OpenDrift (mean displacement and spread, east and north) checks the three read the
same forcing the same way. Targets: ours >= 30x OpenDrift and within 1.5x of the plain kernel.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numba
import numpy as np

from bench.common import own_peak_mb as _peak

LAT0, LON0 = 60.0, 5.0
PARTICLES, STEPS, STEP_S = 100_000, 96, 900.0
SEED_SIGMA_M = 500.0
START = datetime(2024, 1, 1, tzinfo=UTC)
HOURS = 26
LATS = np.round(np.arange(59.5, 60.7 + 1e-9, 0.02), 6)
LONS = np.round(np.arange(4.0, 7.0 + 1e-9, 0.02), 6)


def write_forcing(path: Path) -> Path:
    """The gridded, time- and space-varying wind and current, as a CF NetCDF file."""
    import xarray as xr

    hours = np.arange(HOURS, dtype=np.float64)
    t = hours[:, None, None]
    lat = LATS[None, :, None]
    lon = LONS[None, None, :]
    # wind: 6-15 m/s, toward the north-east veering to the east across the area and the day
    speed = 10.5 + 3.0 * np.sin(2 * np.pi * t / 13.0) + 1.5 * np.sin((lon - 4.0) * 2.1 + (lat - 59.5) * 3.0)
    toward = np.radians(45.0 + 25.0 * np.sin((lat - 59.5) * 2.6 + t / 9.0) + 10.0 * (lon - 5.0))
    wind_e, wind_n = speed * np.sin(toward), speed * np.cos(toward)
    # current: eastward with meanders, and a tidal (12.42 h) northward part
    cur_e = 0.18 + 0.08 * np.sin((lat - 59.5) * 9.0 + (lon - 4.0) * 1.3) + 0 * t
    cur_n = 0.12 * np.cos(2 * np.pi * t / 12.42 + (lon - 4.0) * 1.7) + 0.04 * np.sin((lat - 59.5) * 5.0)
    origin = np.datetime64(START.replace(tzinfo=None), "ns")
    times = np.array([origin + np.timedelta64(int(h), "h") for h in hours])
    shape = (HOURS, LATS.size, LONS.size)

    def var(values: np.ndarray, standard_name: str) -> Any:
        return (
            ("time", "lat", "lon"),
            np.broadcast_to(values, shape).astype(np.float32),
            {"standard_name": standard_name, "units": "m s-1"},
        )

    ds = xr.Dataset(
        {
            "x_wind": var(wind_e, "x_wind"),
            "y_wind": var(wind_n, "y_wind"),
            "x_sea_water_velocity": var(cur_e, "x_sea_water_velocity"),
            "y_sea_water_velocity": var(cur_n, "y_sea_water_velocity"),
        },
        coords={
            "time": ("time", times, {"standard_name": "time"}),
            "lat": ("lat", LATS, {"standard_name": "latitude", "units": "degrees_north"}),
            "lon": ("lon", LONS, {"standard_name": "longitude", "units": "degrees_east"}),
        },
    )
    ds.to_netcdf(path, engine="netcdf4")
    return path


def _start() -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(0)
    return rng.normal(0.0, SEED_SIGMA_M, PARTICLES), rng.normal(0.0, SEED_SIGMA_M, PARTICLES), rng


def ours(path: str, repeats: int) -> tuple[Any, ...]:
    from jprcc.locate.forcing import read_forcing
    from jprcc.locate.planning import leeway
    from jprcc.locate.planning.cloud import Frame

    frame = Frame(LAT0, LON0)
    forcing = read_forcing(Path(path), START)
    piw = leeway.OBJECTS["PIW-1"]
    warm = 20_000 * (os.cpu_count() or 1)
    leeway.drift(np.random.default_rng(1), np.zeros(warm), np.zeros(warm), piw, forcing, frame, 2, STEP_S)
    seconds = []
    x = y = np.zeros(0)
    for _ in range(repeats):
        x0, y0, rng = _start()
        started = time.perf_counter()
        track = leeway.drift(rng, x0, y0, piw, forcing, frame, STEPS, STEP_S, record_every=STEPS)
        seconds.append(time.perf_counter() - started)
        x, y = track.x_m[-1].astype(np.float64), track.y_m[-1].astype(np.float64)
    return statistics.median(seconds), x, y, _peak()


@numba.njit(parallel=True, cache=True)
def _plain(
    x, y, left, dw_slope, dw_offset, cw_slope, cw_offset, times, lats, lons,
    wind_e, wind_n, cur_e, cur_n, steps, dt, jibe, lat0, lon0, m_lat, m_lon,
):  # type: ignore[no-untyped-def]  # fmt: skip
    nt, ny, nx = wind_e.shape
    dlat = lats[1] - lats[0]
    dlon = lons[1] - lons[0]
    for s in range(steps):
        t = s * dt
        k = 0
        while k < nt - 2 and times[k + 1] <= t:
            k += 1
        f = min(max((t - times[k]) / (times[k + 1] - times[k]), 0.0), 1.0)
        for i in numba.prange(x.size):
            fy = min(max((lat0 + y[i] / m_lat - lats[0]) / dlat, 0.0), ny - 1.000001)
            fx = min(max((lon0 + x[i] / m_lon - lons[0]) / dlon, 0.0), nx - 1.000001)
            j = int(fy)
            c = int(fx)
            wy = fy - j
            wx = fx - c
            v = np.empty(4)
            for q in range(4):
                a = wind_e if q == 0 else wind_n if q == 1 else cur_e if q == 2 else cur_n
                now = (1 - wy) * ((1 - wx) * a[k, j, c] + wx * a[k, j, c + 1]) + wy * (
                    (1 - wx) * a[k, j + 1, c] + wx * a[k, j + 1, c + 1]
                )
                later = (1 - wy) * ((1 - wx) * a[k + 1, j, c] + wx * a[k + 1, j, c + 1]) + wy * (
                    (1 - wx) * a[k + 1, j + 1, c] + wx * a[k + 1, j + 1, c + 1]
                )
                v[q] = (1 - f) * now + f * later
            speed = math.sqrt(v[0] * v[0] + v[1] * v[1])
            side = 1 if left[i] else 0
            dw = (dw_slope[i] * speed + dw_offset[i]) * 0.01
            cw = (cw_slope[i, side] * speed + cw_offset[i, side]) * 0.01
            sx = v[0] / speed if speed > 0 else 0.0
            sy = v[1] / speed if speed > 0 else 0.0
            x[i] += (dw * sx + cw * sy + v[2]) * dt
            y[i] += (dw * sy - cw * sx + v[3]) * dt
            if np.random.random() < jibe:
                left[i] = not left[i]


def plain(path: str, repeats: int) -> tuple[Any, ...]:
    from jprcc.intel.planning.threat import M_PER_DEG
    from jprcc.locate.forcing import read_forcing
    from jprcc.locate.planning import leeway

    forcing = read_forcing(Path(path), START)
    piw = leeway.OBJECTS["PIW-1"]
    m_lon = M_PER_DEG * math.cos(math.radians(LAT0))
    jibe = -math.expm1(-0.04 * STEP_S / 3600.0)
    seconds = []
    x = y = np.zeros(0)
    for attempt in range(repeats + 1):  # the first run compiles (or loads) the kernel: not counted
        x0, y0, rng = _start()
        c = leeway.coefficients(rng, piw, PARTICLES)
        x, y, left = x0.copy(), y0.copy(), c.left.copy()
        started = time.perf_counter()
        _plain(
            x, y, left, c.dw_slope, c.dw_offset, c.cw_slope, c.cw_offset, forcing.times_s,
            forcing.lats, forcing.lons, forcing.wind_east, forcing.wind_north, forcing.current_east,
            forcing.current_north, STEPS if attempt else 1, STEP_S, jibe, LAT0, LON0, M_PER_DEG, m_lon,
        )  # fmt: skip
        if attempt:
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), x, y, _peak()


def opendrift(path: str) -> tuple[Any, ...]:
    from bench.opendrift_leeway import run_opendrift_leeway
    from jprcc.locate.planning.cloud import Frame

    lats, lons, seconds = run_opendrift_leeway(
        LAT0, LON0, number=PARTICLES, steps=STEPS, time_step_s=STEP_S, object_type=1,
        radius_m=SEED_SIGMA_M, seed=0, start=START, forcing_file=path,
    )  # fmt: skip
    x, y = Frame(LAT0, LON0).to_xy(lats, lons)
    return seconds, x, y, _peak()
