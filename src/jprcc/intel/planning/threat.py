"""Threat fields and route risk over a region, one field per way of moving.

A ``Grid`` covers a region in geographic cells of about ``cell_m`` metres. Threats come in as
``Envelope`` (an air-defence system: ranges, altitude band, probability of engagement falling
with range) and ``Zone`` (a polygon of enemy forces, hostile populace or mines, with a
severity). The threat of a cell to a mode is the probability that at least one source engages,
``1 - Π(1 - w_i p_i)``, where ``w_i`` weighs the source by its confidence and by how much its
kind threatens that mode (``AREA_EFFECT``, the altitude band for envelopes).

Route risk: the cost of a cell is its travel time (seconds, from the mode's speed and, on the
ground, the slope) times ``1 + risk_weight · threat``; ``routes`` runs the one-to-all router
from the isolated person outward and reports, for each destination, the travel time, the
exposure (threat-seconds) and the worst threat on the way, and the path.

Ranges are geodesics on the WGS-84 ellipsoid (``pyproj.Geod``; on a raster, Lambert's formula in a
compiled kernel, within two millionths of it), zones are tested with ``shapely`` over their own box;
both libraries are imported when first used. Grid cells are sized on the mean-radius sphere
(``M_PER_DEG``): a cell is a unit of resolution, not a measured distance.

Arrays are (rows, cols), row 0 at the north; angles in degrees, distances in metres.
"""

from __future__ import annotations

import enum
import functools
import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np
from numpy.typing import NDArray

from jprcc.intel.planning.routes import LENGTHS, STEPS, RouteField, route_field

if TYPE_CHECKING:
    from pyproj import Geod

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180


class Mode(enum.StrEnum):
    ROTARY_WING_LOW = "rotary_wing_low"
    FIXED_WING_MEDIUM = "fixed_wing_medium"
    GROUND_VEHICLE = "ground_vehicle"
    DISMOUNTED = "dismounted"


#: flight altitude of the airborne modes (m above ground): low-level helicopter, medium-altitude jet
MODE_ALTITUDE_M = {Mode.ROTARY_WING_LOW: 60.0, Mode.FIXED_WING_MEDIUM: 4500.0}
#: planning speeds on flat ground (km/h); configurable per call
MODE_SPEED_KMH = {
    Mode.ROTARY_WING_LOW: 250.0,
    Mode.FIXED_WING_MEDIUM: 700.0,
    Mode.GROUND_VEHICLE: 40.0,
    Mode.DISMOUNTED: 3.2,
}
#: how much an area threat of each kind threatens each mode (0-1)
AREA_EFFECT = {
    "enemy_ground_forces": {
        Mode.ROTARY_WING_LOW: 0.6,
        Mode.FIXED_WING_MEDIUM: 0.0,
        Mode.GROUND_VEHICLE: 1.0,
        Mode.DISMOUNTED: 1.0,
    },
    "hostile_populace": {
        Mode.ROTARY_WING_LOW: 0.2,
        Mode.FIXED_WING_MEDIUM: 0.0,
        Mode.GROUND_VEHICLE: 0.6,
        Mode.DISMOUNTED: 0.8,
    },
    "mined_area": {
        Mode.ROTARY_WING_LOW: 0.0,
        Mode.FIXED_WING_MEDIUM: 0.0,
        Mode.GROUND_VEHICLE: 1.0,
        Mode.DISMOUNTED: 0.9,
    },
}
#: small arms reach helicopters and people on the ground; air defence reaches what flies in its band
SMALL_ARMS = "small_arms"


@dataclass(frozen=True)
class Grid:
    """Geographic cells over [south, north] x [west, east]; row 0 is the northern edge."""

    south: float
    west: float
    north: float
    east: float
    rows: int
    cols: int

    @classmethod
    def around(cls, lat: float, lon: float, radius_m: float, cell_m: float) -> Grid:
        dlat = radius_m / M_PER_DEG
        dlon = radius_m / (M_PER_DEG * max(0.05, math.cos(math.radians(lat))))
        n = max(2, math.ceil(2 * radius_m / cell_m))
        return cls(lat - dlat, lon - dlon, lat + dlat, lon + dlon, n, n)

    @property
    def cell_height_m(self) -> float:
        return (self.north - self.south) / self.rows * M_PER_DEG

    @property
    def cell_width_m(self) -> float:
        mid = math.radians((self.north + self.south) / 2)
        return (self.east - self.west) / self.cols * M_PER_DEG * math.cos(mid)

    @property
    def cell_m(self) -> float:
        """Side of a (nearly square) cell, for travel times: the mean of its height and width."""
        return (self.cell_height_m + self.cell_width_m) / 2

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Latitude and longitude of every cell centre, each (rows, cols)."""
        lats = self.north - (np.arange(self.rows) + 0.5) * (self.north - self.south) / self.rows
        lons = self.west + (np.arange(self.cols) + 0.5) * (self.east - self.west) / self.cols
        return np.meshgrid(lats, lons, indexing="ij")

    def contains(self, lat: float, lon: float) -> bool:
        """Whether ``cell_of`` finds a cell: the north and west edges are in, the south and east out."""
        return self.south < lat <= self.north and self.west <= lon < self.east

    def cell_of(self, lat: float, lon: float) -> tuple[int, int]:
        row = math.floor((self.north - lat) / (self.north - self.south) * self.rows)
        col = math.floor((lon - self.west) / (self.east - self.west) * self.cols)
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise ValueError(f"({lat}, {lon}) lies outside the grid")
        return row, col

    def centre_of(self, cell: tuple[int, int]) -> tuple[float, float]:
        row, col = cell
        return (
            self.north - (row + 0.5) * (self.north - self.south) / self.rows,
            self.west + (col + 0.5) * (self.east - self.west) / self.cols,
        )


@dataclass(frozen=True)
class Envelope:
    lat: float
    lon: float
    category: str
    min_range_m: float
    max_range_m: float
    min_altitude_m: float
    max_altitude_m: float
    pk: float
    falloff: float = 1.0
    weight: float = 1.0


@dataclass(frozen=True)
class Zone:
    polygon: Sequence[tuple[float, float]]  # (lat, lon) corners
    category: str
    severity: float
    weight: float = 1.0


def ground_range_m(
    lat0: float, lon0: float, lats: NDArray[np.float64], lons: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distance from (lat0, lon0) to each point (metres, the shape of ``lats``) along the geodesic
    on the WGS-84 ellipsoid: ``pyproj.Geod.inv`` (Karney, *Algorithms for geodesics*, J. Geodesy 87,
    2013), exact to nanometres where a sphere is off by up to 0.5 %."""
    lats, lons = np.broadcast_arrays(np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64))
    if lats.size == 0:
        return np.zeros(lats.shape)
    # pyproj takes longitude before latitude
    _, _, metres = _geod().inv(np.full(lats.shape, lon0), np.full(lats.shape, lat0), lons, lats)
    return np.asarray(metres, dtype=np.float64).reshape(lats.shape)


@functools.cache
def _geod() -> Geod:
    from pyproj import Geod  # imported here: the command line's start-up does not pay for it

    return Geod(ellps="WGS84")


def within_reach(
    lat0: float, lon0: float, reach_m: float, lats: NDArray[np.float64], lons: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """The points that may lie within ``reach_m`` of (lat0, lon0): a box that never leaves one out.

    On the ellipsoid a degree of latitude is at least 110,574 m (at the equator) and a path of
    length r stays within r / 110,574 degrees of latitude of its start; along it a degree of
    longitude is at least 111,319 m · cos(the highest latitude it reaches). The box uses 110,000
    and 111,000 m, a margin to spare. Points outside it are certainly farther than ``reach_m``;
    those inside need ``ground_range_m``."""
    dlat = reach_m / 110_000.0
    highest = abs(lat0) + dlat
    if highest >= 89.9:
        return np.asarray(np.abs(lats - lat0) <= dlat)
    dlon = reach_m / (111_000.0 * math.cos(math.radians(highest)))
    apart = np.abs(lons - lon0)
    east = np.minimum(apart, 360.0 - apart)  # across the 180th meridian too
    return np.asarray((np.abs(lats - lat0) <= dlat) & (east <= dlon))


def engagement_probability(envelope: Envelope, ranges_m: NDArray[np.float64]) -> NDArray[np.float64]:
    """pk · ((max - r) / (max - min))^falloff inside [min, max], zero outside."""
    span = envelope.max_range_m - envelope.min_range_m
    inside = (ranges_m >= envelope.min_range_m) & (ranges_m <= envelope.max_range_m)
    scaled = np.clip((envelope.max_range_m - ranges_m) / span, 0.0, 1.0) ** envelope.falloff
    return np.asarray(np.where(inside, envelope.pk * scaled, 0.0), dtype=np.float64)


def inside_polygon(
    polygon: Sequence[tuple[float, float]], lats: NDArray[np.float64], lons: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Which points (shape of ``lats``) lie inside a polygon of (lat, lon) corners: ``shapely``'s
    vectorised ``contains_xy`` on the prepared polygon (GEOS), with x = longitude and y = latitude.
    Points on the boundary are outside.

    A ring that crosses itself, as a hand-drawn area may, is read as the even-odd rule reads it
    (``make_valid``'s linework method: a figure of eight is its two loops, a loop drawn twice round
    a square leaves the square's middle out); what collapses to lines holds nothing."""
    import shapely  # imported here: the command line's start-up does not pay for it

    if len(polygon) < 3:
        return np.zeros(np.shape(lats), dtype=bool)
    ring = shapely.Polygon([(lon, lat) for lat, lon in polygon])
    area: shapely.Polygon | shapely.MultiPolygon = ring
    if not ring.is_valid:
        parts = shapely.get_parts(shapely.make_valid(ring))
        area = shapely.MultiPolygon([part for part in parts if isinstance(part, shapely.Polygon)])
    shapely.prepare(area)
    return np.asarray(shapely.contains_xy(area, lons, lats), dtype=bool)


def _mode_weight(envelope: Envelope, mode: Mode) -> float:
    if envelope.category == SMALL_ARMS:
        return 1.0 if mode in (Mode.ROTARY_WING_LOW, Mode.DISMOUNTED, Mode.GROUND_VEHICLE) else 0.0
    altitude = MODE_ALTITUDE_M.get(mode)
    if altitude is None:
        return 0.0  # air defence does not engage what moves on the ground
    return 1.0 if envelope.min_altitude_m <= altitude <= envelope.max_altitude_m else 0.0


#: WGS-84 semi-major axis (m) and flattening
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563


@numba.njit(cache=True, nogil=True)
def _envelope_survival(
    lats: NDArray[np.float64], lons: NDArray[np.float64], sources: NDArray[np.float64],
    survive: NDArray[np.float64],
) -> None:  # fmt: skip
    """Multiply ``survive`` (rows of ``lats``, columns of ``lons``) by 1 − w·p of each envelope.

    ``sources`` rows: lat, lon, min range, max range, pk, falloff, weight, box half-height (°),
    box half-width (°) (``within_reach``'s box: cells outside it are farther than the max range).
    The range to a cell is Lambert's formula on the WGS-84 ellipsoid (Lambert 1942: the central
    angle between the reduced latitudes, corrected to first order in the flattening): within 1.5
    millionths of the exact geodesic (``pyproj.Geod``; 0.15 m at 100 km, 0.6 m at 400 km), far
    inside any air defence system's known range; the reduced latitudes' terms are per row, the
    longitude's per column."""
    rows = lats.size
    cols = lons.size
    b = 1.0 - WGS84_F
    half_dlon_sq = np.empty(cols)
    in_box = np.empty(cols, dtype=np.bool_)
    for e in range(sources.shape[0]):
        lat0, lon0, lo, hi, pk, falloff, w, dlat, dlon = sources[e]
        span = hi - lo
        beta1 = math.atan(b * math.tan(math.radians(lat0)))
        cos1 = math.cos(beta1)
        for c in range(cols):
            apart = abs(lons[c] - lon0) % 360.0
            east = min(apart, 360.0 - apart)
            in_box[c] = east <= dlon
            half_dlon_sq[c] = math.sin(math.radians(east) / 2) ** 2
        for r in range(rows):
            if abs(lats[r] - lat0) > dlat:
                continue
            beta2 = math.atan(b * math.tan(math.radians(lats[r])))
            cos12 = cos1 * math.cos(beta2)
            p = (beta1 + beta2) / 2
            q = (beta2 - beta1) / 2
            sin_q_sq = math.sin(q) ** 2
            x_term = math.sin(p) ** 2 * (1 - sin_q_sq)  # sin²P cos²Q
            y_term = math.cos(p) ** 2 * sin_q_sq  # cos²P sin²Q
            for c in range(cols):
                if not in_box[c]:
                    continue
                h = sin_q_sq + cos12 * half_dlon_sq[c]  # sin²(σ/2), the haversine
                if h <= 0.0:
                    d = 0.0
                else:
                    h = min(h, 1.0)
                    sigma = 2 * math.asin(math.sqrt(h))
                    sin_sigma = math.sin(sigma)
                    x = (sigma - sin_sigma) * x_term / max(1.0 - h, 1e-300)
                    y = (sigma + sin_sigma) * y_term / h
                    d = WGS84_A * (sigma - WGS84_F / 2 * (x + y))
                if lo <= d <= hi:
                    scaled = min(max((hi - d) / span, 0.0), 1.0) ** falloff
                    survive[r, c] *= 1 - w * pk * scaled


def _zone_window(grid: Grid, polygon: Sequence[tuple[float, float]]) -> tuple[slice, slice]:
    """The rows and columns of ``grid`` whose centres may lie inside the polygon (its bounding box,
    a cell to spare); a polygon across the 180th meridian takes every column."""
    lats = [lat for lat, _ in polygon]
    lons = [lon for _, lon in polygon]
    dlat = (grid.north - grid.south) / grid.rows
    dlon = (grid.east - grid.west) / grid.cols
    top = max(0, math.floor((grid.north - max(lats)) / dlat) - 1)
    bottom = min(grid.rows, math.ceil((grid.north - min(lats)) / dlat) + 1)
    if max(lons) - min(lons) > 180:
        return slice(top, max(top, bottom)), slice(0, grid.cols)
    left = max(0, math.floor((min(lons) - grid.west) / dlon) - 1)
    right = min(grid.cols, math.ceil((max(lons) - grid.west) / dlon) + 1)
    return slice(top, max(top, bottom)), slice(left, max(left, right))


def threat_field(
    grid: Grid, envelopes: Sequence[Envelope], zones: Sequence[Zone], mode: Mode
) -> NDArray[np.float64]:
    """Probability (0-1) that a ``mode`` mover in each cell is engaged by at least one source.

    The envelopes are ranged in a compiled kernel (``_envelope_survival``) over the rows split
    between the cores; each zone is tested only over its bounding box."""
    lats = grid.north - (np.arange(grid.rows) + 0.5) * (grid.north - grid.south) / grid.rows
    lons = grid.west + (np.arange(grid.cols) + 0.5) * (grid.east - grid.west) / grid.cols
    survive = np.ones((grid.rows, grid.cols))
    sources = []
    for envelope in envelopes:
        weight = envelope.weight * _mode_weight(envelope, mode)
        if weight > 0 and envelope.max_range_m > envelope.min_range_m:
            dlat = envelope.max_range_m / 110_000.0
            highest = abs(envelope.lat) + dlat
            dlon = (
                180.0
                if highest >= 89.9
                else envelope.max_range_m / (111_000.0 * math.cos(math.radians(highest)))
            )
            sources.append(
                (envelope.lat, envelope.lon, envelope.min_range_m, envelope.max_range_m, envelope.pk,
                 envelope.falloff, weight, dlat, dlon)
            )  # fmt: skip
    if sources:
        table = np.array(sources, dtype=np.float64)
        bands = np.linspace(0, grid.rows, min(_THREADS, grid.rows) + 1).astype(int)
        if len(bands) <= 2:
            _envelope_survival(lats, lons, table, survive)
        else:
            from concurrent.futures import ThreadPoolExecutor

            def band(k: int) -> None:
                a, b = bands[k], bands[k + 1]
                _envelope_survival(lats[a:b], lons, table, survive[a:b])

            with ThreadPoolExecutor(len(bands) - 1) as pool:
                list(pool.map(band, range(len(bands) - 1)))
    for zone in zones:
        weight = zone.weight * zone.severity * AREA_EFFECT.get(zone.category, {}).get(mode, 0.0)
        if weight > 0 and len(zone.polygon) >= 3:
            rows, cols = _zone_window(grid, zone.polygon)
            block_lats, block_lons = np.meshgrid(lats[rows], lons[cols], indexing="ij")
            inside = inside_polygon(zone.polygon, block_lats, block_lons)
            survive[rows, cols] *= np.where(inside, 1 - weight, 1.0)
    return 1 - survive


#: threads the envelope kernel runs on
_THREADS = max(1, os.cpu_count() or 1)


def tobler_kmh(slope: NDArray[np.float64]) -> NDArray[np.float64]:
    """Walking speed on a slope (rise over run), Tobler's hiking function (Tobler 1993)."""
    return 6.0 * np.exp(-3.5 * np.abs(slope + 0.05))


def travel_seconds(
    grid: Grid,
    mode: Mode,
    speed_kmh: float | None = None,
    slope: NDArray[np.float64] | None = None,
    water: NDArray[np.bool_] | None = None,
) -> NDArray[np.float64]:
    """Seconds to cross each cell: flat speed for the air, slope-dependent on the ground (walking by
    Tobler, scaled to ``speed_kmh`` on the flat; vehicles slowed with slope and stopped above 30°);
    water is impassable on the ground."""
    speed = speed_kmh or MODE_SPEED_KMH[mode]
    seconds = np.full((grid.rows, grid.cols), grid.cell_m / (speed / 3.6))
    if mode in (Mode.GROUND_VEHICLE, Mode.DISMOUNTED):
        if slope is not None:
            if mode is Mode.DISMOUNTED:
                # the slope has no direction here: walk it at the mean of Tobler up and down
                both_ways = (tobler_kmh(slope) + tobler_kmh(-slope)) / 2
                seconds = seconds * tobler_kmh(np.zeros(1))[0] / both_ways
            else:
                steep = np.abs(slope)
                seconds = np.where(
                    steep > math.tan(math.radians(30)), np.inf, seconds / np.maximum(0.1, 1 - 1.5 * steep)
                )
        if water is not None:
            seconds = np.where(water, np.inf, seconds)
    return seconds


@dataclass(frozen=True)
class RouteRisk:
    """The least-cost route to one destination: time, exposure, worst threat, and its cells."""

    destination: tuple[float, float]
    reachable: bool
    seconds: float
    exposure: float
    worst_threat: float
    path: list[tuple[float, float]]


@dataclass(frozen=True)
class RiskField:
    grid: Grid
    threat: NDArray[np.float64]
    seconds: NDArray[np.float64]
    field: RouteField

    def to(self, lat: float, lon: float) -> RouteRisk:
        try:
            cell = self.grid.cell_of(lat, lon)
            cells = self.field.path_to(cell)
        except ValueError:
            return RouteRisk((lat, lon), False, math.inf, math.inf, 1.0, [])
        time = exposure = 0.0
        for a, b in itertools.pairwise(cells):
            step = (self.seconds[a] + self.seconds[b]) / 2 * math.dist(a, b)
            time += step
            exposure += step * (self.threat[a] + self.threat[b]) / 2
        # the worst threat on the way, not counting where the person already is (that is the
        # threat at the person); a destination in the person's own cell has no way to speak of
        worst = float(max((self.threat[c] for c in cells[1:]), default=0.0))
        return RouteRisk((lat, lon), True, time, exposure, worst, [self.grid.centre_of(c) for c in cells])

    def along_paths(
        self, cells: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Travel seconds, exposure (threat-seconds) and worst threat of the routes to many
        cells at once ((n, 2) row/col array): the same sums as ``to``, compiled. Unreached cells
        get infinite time and exposure and a worst threat of 1."""
        return _walk_paths(
            self.field.came_from, self.field.cumulative, self.seconds, self.threat, cells, STEPS, LENGTHS
        )


@numba.njit(cache=True, nogil=True)
def _walk_paths(
    came_from: NDArray[np.int8],
    cumulative: NDArray[np.float64],
    seconds: NDArray[np.float64],
    threat: NDArray[np.float64],
    cells: NDArray[np.int64],
    steps: NDArray[np.int64],
    lengths: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    n = cells.shape[0]
    time, exposure, worst = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        r, c = cells[i, 0], cells[i, 1]
        if not np.isfinite(cumulative[r, c]):
            time[i], exposure[i], worst[i] = np.inf, np.inf, 1.0
            continue
        t = e = w = 0.0
        k = came_from[r, c]
        while k >= 0:
            pr, pc = r - steps[k, 0], c - steps[k, 1]
            step = (seconds[r, c] + seconds[pr, pc]) / 2 * lengths[k]
            t += step
            e += step * (threat[r, c] + threat[pr, pc]) / 2
            w = max(w, threat[r, c])  # every cell but the start, as in ``to``
            r, c = pr, pc
            k = came_from[r, c]
        time[i], exposure[i], worst[i] = t, e, w
    return time, exposure, worst


def routes(
    grid: Grid,
    threat: NDArray[np.float64],
    seconds: NDArray[np.float64],
    origin: tuple[float, float],
    risk_weight: float = 10.0,
    limit: float = math.inf,
) -> RiskField:
    """Least-cost routes from ``origin`` (the isolated person) to every cell, cost = travel time times
    (1 + risk_weight · threat).

    The person is already in their own cell, so it is never impassable to them: a survivor in the
    water or on a cliff ledge can still leave it, wherever the neighbouring cells allow."""
    start = grid.cell_of(*origin)
    seconds = seconds.copy()
    if not math.isfinite(seconds[start]):
        finite = seconds[np.isfinite(seconds)]
        seconds[start] = float(finite.min()) if finite.size else grid.cell_m
    cost = seconds * (1 + risk_weight * threat)
    return RiskField(grid, threat, seconds, route_field(cost, start, limit))


def along(
    grid: Grid,
    threat: NDArray[np.float64],
    points: Sequence[tuple[float, float]],
    samples_per_cell: float = 2.0,
) -> tuple[float, float]:
    """Mean and worst threat along a drawn route (lat, lon vertices), sampled about twice a cell."""
    values: list[float] = []
    for (a_lat, a_lon), (b_lat, b_lon) in itertools.pairwise(points):
        length = float(ground_range_m(a_lat, a_lon, np.array([b_lat]), np.array([b_lon]))[0])
        n = max(2, int(length / grid.cell_m * samples_per_cell))
        for t in np.linspace(0, 1, n):
            try:
                values.append(
                    float(threat[grid.cell_of(a_lat + t * (b_lat - a_lat), a_lon + t * (b_lon - a_lon))])
                )
            except ValueError:
                continue
    if not values:
        raise ValueError("the route lies outside the grid")
    return float(np.mean(values)), float(np.max(values))
