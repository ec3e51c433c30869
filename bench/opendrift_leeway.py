"""Benchmark anchor: OpenDrift's Leeway model with constant wind and current.

OpenDrift is *not* a dependency of ``jprcc``; install it only for benchmarking::

    .venv/bin/pip install -e ".[bench]"      # or: .venv/bin/pip install opendrift (1.14.x)

The import of ``opendrift`` happens inside :func:`run_opendrift_leeway`, so this module
imports without it.

Run ``python bench/opendrift_leeway.py [--number N] [--steps S]`` for the reference case
(100,000 particles x 96 steps of 900 s at 60N 5E, 10 m/s wind from the south-west,
0.2 m/s current toward east, PIW-1).
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from datetime import UTC, datetime, timedelta

import numpy as np

#: WGS84 ellipsoid (the ellipsoid OpenDrift moves particles on via ``pyproj.Geod``).
_WGS84_A = 6378137.0
_WGS84_F = 1.0 / 298.257223563
_WGS84_E2 = _WGS84_F * (2.0 - _WGS84_F)


def run_opendrift_leeway(
    lat: float,
    lon: float,
    *,
    number: int,
    steps: int,
    time_step_s: float,
    wind_east_ms: float = 0.0,
    wind_north_ms: float = 0.0,
    current_east_ms: float = 0.0,
    current_north_ms: float = 0.0,
    object_type: int,
    radius_m: float,
    seed: int,
    start: datetime,
    radius_type: str = "gaussian",
    time_step_output_s: float | None = None,
    forcing_file: str | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Run OpenDrift's Leeway model; return final positions and run time.

    Seeds ``number`` particles at (``lat``, ``lon``) spread over ``radius_m`` and runs ``steps``
    steps of ``time_step_s`` with constant wind and current, supplied through OpenDrift's
    ``environment:constant:*`` settings (which OpenDrift turns into a ``reader_constant``), or,
    given ``forcing_file``, gridded wind and current read from that CF NetCDF file by OpenDrift's
    ``reader_netCDF_CF_generic`` (the constants are then not used).
    Land is switched off: ``general:use_auto_landmask`` is False and ``land_binary_mask`` is the
    constant 0. No output file is written. The stochastic parts are OpenDrift's defaults
    (per-particle leeway-coefficient perturbations drawn once at seeding, jibing at
    ``seed:jibe_probability`` = 0.04 per hour; no horizontal diffusion, no wind/current
    uncertainty, no Stokes drift, no capsizing).

    Args:
        lat, lon: seeding centre in degrees.
        number: particle count.
        steps: number of model time steps.
        time_step_s: model time step in seconds.
        wind_east_ms, wind_north_ms: 10 m wind components (m/s), the direction the wind blows
            toward (OpenDrift ``x_wind``/``y_wind``).
        current_east_ms, current_north_ms: surface current components (m/s).
        object_type: OpenDrift Leeway object id, 1-based row of ``OBJECTPROP.DAT`` (1 = PIW-1).
        radius_m: seeding radius in metres. With OpenDrift's default ``radius_type="gaussian"``
            this is the standard deviation of the east and north offsets; with ``"uniform"``
            particles are uniform over the disc of this radius.
        seed: seeds numpy's global random state (OpenDrift draws all its random numbers from
            ``np.random``; its constructor calls ``np.random.seed(seed)``).
        start: simulation (and seeding) start time.
        radius_type: passed to ``seed_elements`` (``"gaussian"`` or ``"uniform"``).
        time_step_output_s: output (history buffer) interval; default is the whole run, so only
            the initial and final states are stored. It must be a multiple of ``time_step_s``.

    Returns:
        ``(lats, lons, run_seconds)``: final latitudes and longitudes in degrees, ordered by
        particle ID, including any particle deactivated during the run (at the position where
        it was deactivated), and the wall-clock seconds of ``Leeway.run`` alone (excluding the
        import, model construction, configuration and seeding).
    """
    from opendrift.models.leeway import Leeway  # type: ignore[import-untyped,import-not-found,unused-ignore]

    np.random.seed(seed)
    model = Leeway(loglevel=logging.CRITICAL, seed=seed)
    model.set_config("general:use_auto_landmask", False)
    model.set_config("environment:constant:land_binary_mask", 0)
    if forcing_file is None:
        model.set_config("environment:constant:x_wind", float(wind_east_ms))
        model.set_config("environment:constant:y_wind", float(wind_north_ms))
        model.set_config("environment:constant:x_sea_water_velocity", float(current_east_ms))
        model.set_config("environment:constant:y_sea_water_velocity", float(current_north_ms))
    else:
        from opendrift.readers import reader_netCDF_CF_generic  # type: ignore[import-untyped,import-not-found,unused-ignore]

        model.add_reader(reader_netCDF_CF_generic.Reader(forcing_file))

    if start.tzinfo is not None:  # OpenDrift works in naive UTC
        start = start.astimezone(UTC).replace(tzinfo=None)
    model.seed_elements(
        lon=lon,
        lat=lat,
        radius=radius_m,
        radius_type=radius_type,
        number=number,
        time=start,
        object_type=object_type,
    )

    dt = timedelta(seconds=time_step_s)
    output = timedelta(seconds=time_step_s * steps if time_step_output_s is None else time_step_output_s)
    t0 = time.perf_counter()
    model.run(time_step=dt, time_step_output=output, steps=steps, outfile=None)
    run_seconds = time.perf_counter() - t0

    ids = np.concatenate([np.atleast_1d(model.elements.ID), np.atleast_1d(model.elements_deactivated.ID)])
    lats = np.concatenate([np.atleast_1d(model.elements.lat), np.atleast_1d(model.elements_deactivated.lat)])
    lons = np.concatenate([np.atleast_1d(model.elements.lon), np.atleast_1d(model.elements_deactivated.lon)])
    order = np.argsort(ids, kind="stable")
    return lats[order].astype(np.float64), lons[order].astype(np.float64), run_seconds


def local_east_north_m(
    lat0: float, lon0: float, lats: np.ndarray, lons: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """East/north offsets (m) of points from (lat0, lon0), local WGS84 radii at lat0."""
    phi = math.radians(lat0)
    w = math.sqrt(1.0 - _WGS84_E2 * math.sin(phi) ** 2)
    r_meridian = _WGS84_A * (1.0 - _WGS84_E2) / w**3
    r_prime = _WGS84_A / w
    east = np.radians(lons - lon0) * r_prime * math.cos(phi)
    north = np.radians(lats - lat0) * r_meridian
    return east, north


def _main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--number", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=96)
    parser.add_argument("--dt", type=float, default=900.0)
    parser.add_argument("--object-type", type=int, default=1)
    parser.add_argument("--radius", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    lat0, lon0 = 60.0, 5.0
    wind_speed = 10.0
    # "From the south-west": blowing toward the north-east (azimuth 45 degrees).
    wind_e = wind_speed * math.sin(math.radians(45.0))
    wind_n = wind_speed * math.cos(math.radians(45.0))
    cur_e, cur_n = 0.2, 0.0

    lats, lons, seconds = run_opendrift_leeway(
        lat0,
        lon0,
        number=args.number,
        steps=args.steps,
        time_step_s=args.dt,
        wind_east_ms=wind_e,
        wind_north_ms=wind_n,
        current_east_ms=cur_e,
        current_north_ms=cur_n,
        object_type=args.object_type,
        radius_m=args.radius,
        seed=args.seed,
        start=datetime(2024, 1, 1, tzinfo=UTC),
    )
    east, north = local_east_north_m(lat0, lon0, lats, lons)
    duration = args.steps * args.dt
    print(f"particles={args.number} steps={args.steps} dt={args.dt:g}s object_type={args.object_type}")
    print(f"run seconds: {seconds:.3f}")
    print(f"particle-steps per second: {args.number * args.steps / seconds:,.0f}")
    print(f"mean displacement east:  {east.mean():10.1f} m   std {east.std(ddof=1):8.1f} m")
    print(f"mean displacement north: {north.mean():10.1f} m   std {north.std(ddof=1):8.1f} m")
    # Decompose into downwind / crosswind (unit downwind = (sin 45, cos 45); crosswind positive
    # to the right of downwind).
    rel_e = east - cur_e * duration
    rel_n = north - cur_n * duration
    s = math.sin(math.radians(45.0))
    c = math.cos(math.radians(45.0))
    dw = rel_e * s + rel_n * c
    cw_right = rel_e * c - rel_n * s
    print(f"leeway-only downwind:    mean {dw.mean():10.1f} m   std {dw.std(ddof=1):8.1f} m")
    print(
        f"leeway-only crosswind (+ = right of downwind): mean {cw_right.mean():8.1f} m   "
        f"std {cw_right.std(ddof=1):8.1f} m   mean|.| {np.abs(cw_right).mean():8.1f} m"
    )


if __name__ == "__main__":
    _main()
