"""Geometry, geodesy and light from libraries, on the sizes the service uses, beside the
hand-written code they replaced and the compiled kernel that was not kept.

* Point in polygon (``threat.inside_polygon``: shapely's ``contains_xy`` on a prepared polygon):
  a 12-corner zone over the recovery-options planning grid (1200 x 1200 cell centres: 150 km
  about the person in 250 m cells), and a 5-corner searched area over 1,000,000 particles
  (``cloud.inside_polygon_xy``). Anchors: a numba even-odd kernel (what keeping a compiled kernel
  would buy) and the numpy even-odd ray casting the module carried before. All three must agree
  on every point. The rule (docs/STYLE.md: compile only where a benchmark says so): a kernel is
  kept only where it is at least 3x faster than shapely on these sizes.
* Ranges: ``threat_field`` of one surface-to-air envelope reaching 30 km, on that grid: geodesics
  on the WGS-84 ellipsoid (``pyproj.Geod.inv``) for the cells that can be within reach, against
  the spherical haversine over every cell that it replaced; and the sphere's error against the
  ellipsoid over the envelope.
* Light (PyEphem): darkness at the 96 steps of a 24-hour land search, darkness windows over the
  36 hours that recovery options look ahead (433 times), one day's sunrise, sunset and
  twilights, and the Sun's elevation at 100,000 places at one time. Anchors: Skyfield with JPL's
  DE421 (the tests' reference, a test-only dependency: without it those rows are skipped),
  vectorised over times; PyEphem from each place in turn for the many places. Accuracy: the
  Sun's elevation against Skyfield every 7 hours for a month, at six places.

Every timing is the median of ``--repeats`` runs after one untimed run (numba compiles, libraries
load). Results: bench/results/geometry.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

import numba
import numpy as np
from rich.console import Console
from rich.table import Table

from bench.common import Row, row, write

console = Console()
CENTRE = (39.2, 9.1)
RADIUS_M, CELL_M = 150_000.0, 250.0
PARTICLES = 1_000_000
PLACES = 100_000
KERNEL_RULE = 3.0  # a compiled kernel is kept only at least this many times faster than shapely


def _median_ms(run: Callable[[], Any], repeats: int) -> float:
    run()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


# --- point in polygon ----------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _even_odd_kernel(
    corner_y: np.ndarray, corner_x: np.ndarray, y: np.ndarray, x: np.ndarray, out: np.ndarray
) -> None:
    """Even-odd ray casting, compiled: the kernel that could have been kept."""
    n = corner_y.size
    for i in range(y.size):
        yi, xi = y.flat[i], x.flat[i]
        inside = False
        j = n - 1
        for k in range(n):
            if (corner_y[k] > yi) != (corner_y[j] > yi):
                x_at = corner_x[k] + (yi - corner_y[k]) * (corner_x[j] - corner_x[k]) / (
                    corner_y[j] - corner_y[k]
                )
                if xi < x_at:
                    inside = not inside
            j = k
        out.flat[i] = inside


def _even_odd_numpy(polygon: list[tuple[float, float]], y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The numpy even-odd ray casting ``threat.inside_polygon`` used to be ((y, x) corners)."""
    inside = np.zeros(y.shape, dtype=bool)
    for (y1, x1), (y2, x2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        inside ^= crosses & (x < x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    return inside


def _zone() -> list[tuple[float, float]]:
    """A 12-corner star-shaped zone of (lat, lon) corners, 30-90 km from the person."""
    rng = np.random.default_rng(11)
    angles, radii = np.sort(rng.uniform(0, 2 * math.pi, 12)), rng.uniform(0.3, 0.8, 12)
    return [
        (CENTRE[0] + r * math.sin(a), CENTRE[1] + 1.3 * r * math.cos(a))
        for a, r in zip(angles, radii, strict=True)
    ]


def _pip_rows(
    what: str,
    ours: Callable[[], np.ndarray],
    polygon: list[tuple[float, float]],
    y: np.ndarray,
    x: np.ndarray,
    repeats: int,
) -> list[Row]:
    corner_y = np.array([p[0] for p in polygon])
    corner_x = np.array([p[1] for p in polygon])
    compiled = np.empty(y.shape, dtype=bool)
    _even_odd_kernel(corner_y, corner_x, y, x, compiled)
    reference = ours()
    plain = _even_odd_numpy(polygon, y, x)
    if not (np.array_equal(reference, compiled) and np.array_equal(reference, plain)):
        raise SystemExit(f"{what}: shapely and the even-odd tests disagree")
    t_ours = _median_ms(ours, repeats)
    t_kernel = _median_ms(lambda: _even_odd_kernel(corner_y, corner_x, y, x, compiled), repeats)
    t_numpy = _median_ms(lambda: _even_odd_numpy(polygon, y, x), repeats)
    keep = t_ours / t_kernel >= KERNEL_RULE
    console.print(
        f"{what}: numba kernel {t_ours / t_kernel:.1f}x shapely: {'keep it' if keep else 'shapely only'}"
    )
    return [
        row(
            f"point in polygon, {what}: shapely.contains_xy",
            "ms",
            t_ours,
            "numba even-odd kernel (not kept), same points, same answers",
            t_kernel,
            higher_is_better=False,
            target=f"kernel kept only if >= {KERNEL_RULE:g}x shapely (ratio <= {1 / KERNEL_RULE:.2f})",
            meets=not keep,
        ),
        row(
            f"point in polygon, {what}: shapely.contains_xy against the former code",
            "ms",
            t_ours,
            "numpy even-odd ray casting (the replaced code), same answers",
            t_numpy,
            higher_is_better=False,
        ),
    ]


def bench_point_in_polygon(repeats: int) -> list[Row]:
    from jprcc.intel.planning.threat import Grid, inside_polygon
    from jprcc.locate.planning.cloud import inside_polygon_xy

    grid = Grid.around(*CENTRE, RADIUS_M, CELL_M)
    lats, lons = grid.centres()
    zone = _zone()
    rows = _pip_rows(
        f"12-corner zone, {grid.rows} x {grid.cols} grid",
        lambda: inside_polygon(zone, lats, lons),
        zone,
        lats,
        lons,
        repeats,
    )
    rng = np.random.default_rng(12)
    x, y = rng.normal(0.0, 3000.0, PARTICLES), rng.normal(0.0, 3000.0, PARTICLES)
    area = [(-1500.0, -800.0), (900.0, -1800.0), (2200.0, 300.0), (400.0, 1900.0), (-1700.0, 1200.0)]
    rows += _pip_rows(
        f"5-corner searched area, {PARTICLES:,} particles",
        lambda: inside_polygon_xy(area, x, y),
        [(py, px) for px, py in area],
        y,
        x,
        repeats,
    )
    return rows


# --- ranges --------------------------------------------------------------------------------------


def _haversine_m(lat0: float, lon0: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """The spherical great-circle distance ``threat.ground_range_m`` used to be (mean radius)."""
    p0, p = math.radians(lat0), np.radians(lats)
    h = np.sin((p - p0) / 2) ** 2 + math.cos(p0) * np.cos(p) * np.sin(np.radians(lons - lon0) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def bench_ranges(repeats: int) -> list[Row]:
    from jprcc.intel.planning.threat import (
        Envelope,
        Grid,
        Mode,
        engagement_probability,
        ground_range_m,
        threat_field,
    )

    grid = Grid.around(*CENTRE, RADIUS_M, CELL_M)
    lats, lons = grid.centres()
    sam = Envelope(39.3, 9.0, "surface_to_air_missile", 1_500, 30_000, 25, 5_000, 0.6)

    def spherical() -> np.ndarray:
        return 1 - (1 - engagement_probability(sam, _haversine_m(sam.lat, sam.lon, lats, lons)))

    ours = threat_field(grid, [sam], [], Mode.FIXED_WING_MEDIUM)
    t_ours = _median_ms(lambda: threat_field(grid, [sam], [], Mode.FIXED_WING_MEDIUM), repeats)
    t_sphere = _median_ms(spherical, repeats)
    near = _haversine_m(sam.lat, sam.lon, lats, lons) <= sam.max_range_m
    sphere = _haversine_m(sam.lat, sam.lon, lats[near], lons[near])
    ellipsoid = ground_range_m(sam.lat, sam.lon, lats[near], lons[near])
    off_m, off_pct = (
        float(np.abs(sphere - ellipsoid).max()),
        float(np.abs(sphere / ellipsoid - 1).max()) * 100,
    )
    worst = float(np.abs(spherical() - ours).max())
    return [
        row(
            f"threat field of a 30 km envelope, {grid.rows} x {grid.cols} grid, WGS-84 geodesics (pyproj)",
            "ms",
            t_ours,
            f"haversine on the sphere over every cell (the replaced code): off by up to {off_m:.0f} m "
            f"({off_pct:.2f} %) inside the envelope, threat by up to {worst:.4f}",
            t_sphere,
            higher_is_better=False,
            target="<= 1.25x the sphere's time",
            meets=bool(t_ours <= 1.25 * t_sphere),
        ),
    ]


# --- light ---------------------------------------------------------------------------------------


class _Skyfield:
    def __init__(self) -> None:
        from skyfield.api import load, load_file

        self.ts = load.timescale(builtin=True)
        self.eph = load_file(str(files("skyfield_data") / "data" / "de421.bsp"))

    def elevations(self, lat: float, lon: float, when: list[datetime]) -> np.ndarray:
        from skyfield.api import wgs84

        seen = (self.eph["earth"] + wgs84.latlon(lat, lon)).at(self.ts.from_datetimes(when))
        return np.asarray(seen.observe(self.eph["sun"]).apparent().altaz()[0].degrees)

    def day(self, lat: float, lon: float, start: datetime) -> Any:
        from skyfield import almanac
        from skyfield.api import wgs84
        from skyfield.searchlib import find_discrete

        f = almanac.dark_twilight_day(self.eph, wgs84.latlon(lat, lon))
        return find_discrete(
            self.ts.from_datetime(start), self.ts.from_datetime(start + timedelta(days=1)), f
        )


def bench_light(repeats: int) -> list[Row]:
    import ephem

    from jprcc.intel.planning import light

    lat, lon = 39.22, 9.12
    start = datetime(2026, 11, 25, 3, 10, tzinfo=UTC)
    steps = [start + timedelta(minutes=15 * (s + 0.5)) for s in range(96)]
    windows = [start + timedelta(minutes=5 * k) for k in range(433)]
    jd_steps = [light.julian_day(t) for t in steps]
    jd_windows = [light.julian_day(t) for t in windows]
    rows: list[Row] = []
    sky = (
        _Skyfield()
        if importlib.util.find_spec("skyfield") and importlib.util.find_spec("skyfield_data")
        else None
    )
    vectorised = "Skyfield + DE421, the same times in one vectorised call"
    cases: list[tuple[str, Callable[[], Any], str, Callable[[], Any] | None]] = [
        (
            "darkness at the 96 steps of a 24 h land search (one call)",
            lambda: light.sun_position(lat, lon, jd_steps)[0] < light.CIVIL,
            vectorised,
            (lambda: sky.elevations(lat, lon, steps) < light.CIVIL) if sky else None,
        ),
        (
            "darkness windows over 36 h, every 5 minutes (433 times, one call)",
            lambda: light.sun_position(lat, lon, jd_windows)[0] < light.CIVIL,
            vectorised,
            (lambda: sky.elevations(lat, lon, windows) < light.CIVIL) if sky else None,
        ),
        (
            "the day's sunrise, sunset and six twilights",
            lambda: light.sun_events(lat, lon, start),
            "Skyfield + DE421, almanac.dark_twilight_day searched with find_discrete",
            (lambda: sky.day(lat, lon, start - timedelta(hours=lon / 15))) if sky else None,
        ),
    ]
    for what, ours, anchor, theirs in cases:
        t_ours = _median_ms(ours, repeats)
        if theirs is None:
            console.print(
                f"{what}: ours {t_ours:.2f} ms; [yellow]Skyfield is not installed, anchor skipped[/]"
            )
            continue
        t_theirs = _median_ms(theirs, repeats)
        rows.append(
            row(
                f"light, {what}: PyEphem",
                "ms",
                t_ours,
                anchor,
                t_theirs,
                higher_is_better=False,
            )
        )

    rng = np.random.default_rng(13)
    lats, lons = rng.uniform(38.0, 41.0, PLACES), rng.uniform(8.0, 11.0, PLACES)
    jd = light.julian_day(start)

    def place_by_place(count: int) -> np.ndarray:
        out = np.empty(count)
        sun = ephem.Sun()
        for i in range(count):
            observer = ephem.Observer()
            observer.lat, observer.lon, observer.pressure = math.radians(lats[i]), math.radians(lons[i]), 0.0
            observer.date = ephem.Date(jd - 2415020.0)
            sun.compute(observer)
            out[i] = math.degrees(sun.alt)
        return out

    ours_elevation = light.sun_position(lats, lons, jd)[0]
    sample = PLACES // 10
    offset = float(np.abs(ours_elevation[:sample] - place_by_place(sample)).max())
    t_ours = _median_ms(lambda: light.sun_position(lats, lons, jd), repeats)
    t_loop = _median_ms(lambda: place_by_place(sample), max(1, repeats // 2)) * 10
    rows.append(
        row(
            f"light, the Sun's elevation at {PLACES:,} places at one time (PyEphem once, numpy per place)",
            "ms",
            t_ours,
            f"PyEphem from each place in turn (timed on {sample:,}, times 10; "
            f"elevations within {offset:.4f}°)",
            t_loop,
            higher_is_better=False,
        )
    )
    if sky is not None:
        worst = 0.0
        month = [datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 30 * 24, 7)]
        for place in [
            (39.22, 9.12),
            (38.89, -77.04),
            (51.48, 0.0),
            (-33.87, 151.21),
            (-0.18, -78.47),
            (64.15, -21.94),
        ]:
            ours_month = light.sun_position(*place, [light.julian_day(t) for t in month])[0]
            worst = max(worst, float(np.abs(ours_month - sky.elevations(*place, month)).max()))
        rows.append(
            row(
                "light, the Sun's elevation against JPL DE421, six places, a month every 7 h (worst)",
                "degrees",
                worst,
                "target: 0.01° (2.4 s of sunrise)",
                0.01,
                higher_is_better=False,
                target="<= 0.01°",
                meets=bool(worst <= 0.01),
            )
        )
        sky.eph.close()
    return rows


def show(rows: list[Row]) -> None:
    table = Table("metric", "ours", "anchor", "ratio", "peak MB", "target", title="geometry")
    for r in rows:
        verdict = (
            "" if r.meets_target is None else (" [green]met[/]" if r.meets_target else " [red]MISSED[/]")
        )
        table.add_row(
            r.metric,
            f"{r.ours:,.3f} {r.unit}",
            f"{r.anchor_value:,.3f} {r.unit}",
            f"{r.ratio:.2f}x",
            f"{r.peak_mb:.0f}",
            r.target + verdict,
        )
    console.print(table)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        prog="python -m bench geometry",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (median)")
    args, _ = parser.parse_known_args(argv or [])
    rows = bench_point_in_polygon(args.repeats) + bench_ranges(args.repeats) + bench_light(args.repeats)
    show(rows)
    console.print(f"written to {write('geometry', rows)}")
    return rows


if __name__ == "__main__":
    main()
