"""The coast for drift at sea: where a drifting object strands.

A ``Coast`` is land and sea on a square metre raster in the drift's east/north frame (row 0 is the
northern edge), covering everywhere a particle can reach. It is made once per simulation from:

* the theater's terrain where it has data (its water mask, else its elevation at or below sea
  level), and
* a packaged coastline (GSHHG at full resolution, the shoreline OpenDrift strands on) where the
  terrain says nothing: ``fill`` rasterises its polygons (even-odd, at cell centres).

Water is sea only if it is connected to the edge of the raster or holds the last known position
(``sea``): a lake or a river pool inside the land is land to a raft from the sea (but a ditching in
a lake drifts in the lake). Where neither the terrain nor the coastline says anything, it is sea.

The drift (``jprcc.locate.planning.leeway``) stops a particle whose straight step enters a land cell
at the last point before that cell, and holds it there for the rest of the run: stranded, as
OpenDrift deactivates an element that hits the coast. ``first_land`` walks the step cell by cell
(Amanatides & Woo 1987), so a spit narrower than a step is not jumped; a step shorter than its
cell's clearance (the distance to the nearest land) skips the walk. A particle seeded on land (an
error circle over the shore) is moved to the nearest sea (``to_water``), as OpenDrift's
``seed:ocean_only`` does.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from jprcc.intel.planning.terrain import Terrain
from jprcc.intel.planning.threat import Grid
from jprcc.locate.planning.cloud import Frame, traversal

Array = NDArray[np.float64]
#: a stranded particle stops this fraction of a cell short of the land cell it would have entered
BACK_OFF = 0.01
#: ``first_land``'s answer for a step that meets no land
NO_LAND = 2.0


@dataclass(frozen=True)
class Coast:
    """Land on a square metre raster: cell (r, c) spans x in [west + c·cell, west + (c+1)·cell) and
    y in (north − (r+1)·cell, north − r·cell]."""

    west_m: float
    north_m: float
    cell_m: float
    land: NDArray[np.bool_]  # (rows, cols)
    source: str  # what it was made from, in words

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.land.shape
        return int(rows), int(cols)

    def cells(self, x: Array, y: Array) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
        """Row and column of each point, and whether it lies on the raster."""
        rows, cols = self.shape
        r = np.floor((self.north_m - np.asarray(y, dtype=np.float64)) / self.cell_m).astype(np.int64)
        c = np.floor((np.asarray(x, dtype=np.float64) - self.west_m) / self.cell_m).astype(np.int64)
        return r, c, (r >= 0) & (r < rows) & (c >= 0) & (c < cols)

    def on_land(self, x: Array, y: Array) -> NDArray[np.bool_]:
        """Whether each point lies on a land cell (off the raster: no)."""
        r, c, inside = self.cells(x, y)
        out = np.zeros(np.shape(x), dtype=bool)
        out[inside] = self.land[r[inside], c[inside]]
        return out


def open_distance(coast: Coast) -> NDArray[np.float32]:
    """The raster as the drift reads it, flattened: for a sea cell the distance (m) a step from
    anywhere in it may go without meeting land, for a land cell a negative number.

    Any point of a cell lies at least (d − 1) cells from any point of a cell d cells away in the
    chessboard metric, so a shorter step from the cell meets no land. Off the raster is sea."""
    d = _chessboard(coast.land)
    return np.ascontiguousarray(((d - 1) * np.float32(coast.cell_m)).ravel(), dtype=np.float32)


@numba.njit(cache=True, nogil=True)
def _chessboard(land: NDArray[np.bool_]) -> NDArray[np.float32]:
    """Each cell's chessboard distance in cells to the nearest land cell (0 on land; a large number
    with no land at all): two passes, forward and back (Rosenfeld & Pfaltz 1966)."""
    rows, cols = land.shape
    far = np.float32(rows + cols + 1)
    d = np.empty((rows, cols), dtype=np.float32)
    for r in range(rows):
        for c in range(cols):
            v = np.float32(0.0) if land[r, c] else far
            if r > 0:
                v = min(v, d[r - 1, c] + 1)
                if c > 0:
                    v = min(v, d[r - 1, c - 1] + 1)
                if c < cols - 1:
                    v = min(v, d[r - 1, c + 1] + 1)
            if c > 0:
                v = min(v, d[r, c - 1] + 1)
            d[r, c] = v
    for r in range(rows - 1, -1, -1):
        for c in range(cols - 1, -1, -1):
            v = d[r, c]
            if r < rows - 1:
                v = min(v, d[r + 1, c] + 1)
                if c > 0:
                    v = min(v, d[r + 1, c - 1] + 1)
                if c < cols - 1:
                    v = min(v, d[r + 1, c + 1] + 1)
            if c < cols - 1:
                v = min(v, d[r, c + 1] + 1)
            d[r, c] = v
    return d


def land_counts(coast: Coast) -> NDArray[np.int32]:
    """The land cells' summed-area table, (rows + 1, cols + 1): the land in any box of cells in four
    reads (``land_near``)."""
    return _summed(coast.land)


@numba.njit(cache=True, nogil=True)
def _summed(land: NDArray[np.bool_]) -> NDArray[np.int32]:
    rows, cols = land.shape
    table = np.zeros((rows + 1, cols + 1), dtype=np.int32)
    for r in range(rows):
        run = 0
        for c in range(cols):
            run += 1 if land[r, c] else 0
            table[r + 1, c + 1] = table[r, c + 1] + run
    return table


@numba.njit(cache=True, nogil=True)
def land_near(
    land_sum: NDArray[np.int32], west: float, north: float, cell: float, x: Array, y: Array, margin: float
) -> bool:
    """Whether any land lies within ``margin`` of the box around the points (``land_sum`` from
    ``land_counts``)."""
    if x.size == 0:
        return False
    x_min = x[0]
    x_max = x[0]
    y_min = y[0]
    y_max = y[0]
    for i in range(1, x.size):
        x_min = min(x_min, x[i])
        x_max = max(x_max, x[i])
        y_min = min(y_min, y[i])
        y_max = max(y_max, y[i])
    rows = land_sum.shape[0] - 1
    cols = land_sum.shape[1] - 1
    r0 = min(max(math.floor((north - (y_max + margin)) / cell), 0), rows)
    r1 = min(max(math.floor((north - (y_min - margin)) / cell) + 1, 0), rows)
    c0 = min(max(math.floor((x_min - margin - west) / cell), 0), cols)
    c1 = min(max(math.floor((x_max + margin - west) / cell) + 1, 0), cols)
    if r0 >= r1 or c0 >= c1:
        return False
    return bool(land_sum[r1, c1] - land_sum[r0, c1] - land_sum[r1, c0] + land_sum[r0, c0] > 0)


@numba.njit(cache=True, nogil=True)
def first_land(
    open_m: NDArray[np.float32],
    west: float,
    north: float,
    cell: float,
    rows: int,
    cols: int,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
) -> float:
    """The fraction of the straight step from (x0, y0) to (x1, y1) at which it enters its first land
    cell (0 if it starts on one), or ``NO_LAND``. Cells off the raster are sea."""
    c, r, cells, step_c, step_r, t_max_c, t_delta_c, t_max_r, t_delta_r = traversal(
        west, north, cell, x0, y0, x1, y1
    )
    entered = 0.0
    for _ in range(cells):
        if 0 <= r < rows and 0 <= c < cols and open_m[r * cols + c] < 0.0:
            return min(entered, 1.0)
        if t_max_c < t_max_r:
            entered = t_max_c
            c += step_c
            t_max_c += t_delta_c
        else:
            entered = t_max_r
            r += step_r
            t_max_r += t_delta_r
    return NO_LAND


@numba.njit(cache=True, nogil=True)
def reach_fraction(
    open_m: NDArray[np.float32],
    west: float,
    north: float,
    cell: float,
    rows: int,
    cols: int,
    x0: float,
    y0: float,
    dx: float,
    dy: float,
) -> float:
    """How much of the step (dx, dy) from (x0, y0) a drifting object makes: 1 if the way is clear,
    else the fraction that stops it ``BACK_OFF`` of a cell short of the first land cell (less than
    1: it strands there). The drift checks the clearance of the cell it starts in before asking."""
    t = first_land(open_m, west, north, cell, rows, cols, x0, y0, x0 + dx, y0 + dy)
    if t > 1.0:
        return 1.0
    length = math.sqrt(dx * dx + dy * dy)
    if length > 0.0:
        t -= BACK_OFF * cell / length
    return min(max(t, 0.0), 0.999999)


# --- making the raster ----------------------------------------------------------------------------


def sea(wet: NDArray[np.bool_], home: tuple[int, int] | None) -> NDArray[np.bool_]:
    """The water connected (side by side) to the raster's edge or to the ``home`` cell (the last
    known position): open sea, or the lake a person ditched in. Other water is enclosed by land."""
    from scipy.ndimage import label

    labels, count = label(wet)
    if count == 0:
        return np.zeros_like(wet, dtype=bool)
    keep = np.zeros(count + 1, dtype=bool)
    for edge in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        keep[edge] = True
    if home is not None:
        keep[labels[home]] = True
    keep[0] = False
    return np.asarray(keep[labels], dtype=bool)


def to_water(
    coast: Coast, x: Array, y: Array, rng: np.random.Generator
) -> tuple[Array, Array, int, NDArray[np.bool_]]:
    """Each point on land moved to a random point in the nearest sea cell: the new positions, how
    many were moved, and which could not be (no sea on the raster at all)."""
    on_land = coast.on_land(x, y)
    moved = int(on_land.sum())
    if moved == 0:
        return x, y, 0, np.zeros_like(on_land)
    if coast.land.all():
        return x, y, 0, on_land
    from scipy.ndimage import distance_transform_edt

    _, (near_r, near_c) = distance_transform_edt(coast.land, return_indices=True)
    r, c, _ = coast.cells(x[on_land], y[on_land])
    rr, cc = near_r[r, c], near_c[r, c]
    x, y = x.copy(), y.copy()
    x[on_land] = coast.west_m + (cc + rng.uniform(0.05, 0.95, moved)) * coast.cell_m
    y[on_land] = coast.north_m - (rr + rng.uniform(0.05, 0.95, moved)) * coast.cell_m
    return x, y, moved, np.zeros_like(on_land)


# --- the packaged coastline's polygons --------------------------------------------------------------


@dataclass(frozen=True)
class Rings:
    """Polygon rings in longitude/latitude (float32), one after the other; ring k is
    ``lonlat[start[k]:stop[k]]``, closed (its last point is its first), with its bounding box."""

    lonlat: NDArray[np.float32]  # (points, 2)
    start: NDArray[np.int64]
    stop: NDArray[np.int64]
    west: NDArray[np.float32]
    south: NDArray[np.float32]
    east: NDArray[np.float32]
    north: NDArray[np.float32]


def rings_from_wkb(data: bytes) -> Rings:
    """The rings of a little-endian WKB Polygon or MultiPolygon (GSHHG's land, as packaged)."""
    offset = 0

    def unpack(fmt: str) -> tuple[int, ...]:
        nonlocal offset
        values = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return values

    order, kind = unpack("<BI")
    if order != 1 or kind not in (3, 6):
        raise ValueError("expected a little-endian WKB Polygon or MultiPolygon")
    polygons = unpack("<I")[0] if kind == 6 else 1
    where: list[tuple[int, int]] = []  # each ring's byte offset and point count
    for _ in range(polygons):
        if kind == 6:
            order, part = unpack("<BI")
            if order != 1 or part != 3:
                raise ValueError("expected little-endian WKB polygons")
        for _ in range(unpack("<I")[0]):
            n = unpack("<I")[0]
            where.append((offset, n))
            offset += 16 * n
    counts = np.array([n for _, n in where], dtype=np.int64)
    stop = np.cumsum(counts)
    start = stop - counts
    lonlat = np.empty((int(stop[-1]) if len(stop) else 0, 2), dtype=np.float32)
    for (at, n), a in zip(where, start, strict=True):
        lonlat[a : a + n] = np.frombuffer(data, "<f8", 2 * n, at).reshape(n, 2)
    keep = counts > 0
    start, stop = start[keep], stop[keep]
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    return Rings(
        lonlat,
        start,
        stop,
        np.minimum.reduceat(lon, start),
        np.minimum.reduceat(lat, start),
        np.maximum.reduceat(lon, start),
        np.maximum.reduceat(lat, start),
    )


@numba.njit(cache=True, nogil=True)
def _fill(
    lonlat: NDArray[np.float32],
    start: NDArray[np.int64],
    stop: NDArray[np.int64],
    south: float,
    west: float,
    north: float,
    east: float,
    out: NDArray[np.uint8],
) -> None:
    rows, cols = out.shape
    dlat = (north - south) / rows
    dlon = (east - west) / cols
    for k in range(start.size):
        for p in range(start[k], stop[k] - 1):
            x0 = float(lonlat[p, 0])
            y0 = float(lonlat[p, 1])
            x1 = float(lonlat[p + 1, 0])
            y1 = float(lonlat[p + 1, 1])
            if y0 == y1:
                continue
            low = min(y0, y1)
            high = max(y0, y1)
            # the rows whose centre latitude lies in [low, high): a row more each way, then the exact
            # test (a vertex on a row's centre must count once, whatever the division rounds to)
            first = max(0, math.floor((north - high) / dlat - 0.5))
            last = min(rows - 1, math.floor((north - low) / dlat - 0.5) + 1)
            for r in range(first, last + 1):
                lat = north - (r + 0.5) * dlat
                if not low <= lat < high:
                    continue
                x = x0 + (lat - y0) * (x1 - x0) / (y1 - y0)
                # the crossing turns over every cell whose centre lies east of it
                c = max(0, math.floor((x - west) / dlon - 0.5) + 1)
                if c < cols:
                    out[r, c] ^= 1


def fill(
    rings: Rings, south: float, west: float, north: float, east: float, rows: int, cols: int
) -> NDArray[np.bool_]:
    """Which cell centres of a (rows, cols) latitude/longitude grid lie inside the rings (even-odd:
    rings must not overlap, as GSHHG's land polygons do not). Row 0 is the north."""
    near = (rings.east >= west) & (rings.west <= east) & (rings.north >= south) & (rings.south <= north)
    toggles = np.zeros((rows, cols), dtype=np.uint8)
    _fill(rings.lonlat, rings.start[near], rings.stop[near], south, west, north, east, toggles)
    return np.asarray(np.bitwise_xor.accumulate(toggles, axis=1), dtype=bool)


# --- where each kind of asset can search ------------------------------------------------------------


def searchable(coast: Coast, frame: Frame, grid: Grid) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """For each cell of a map ``grid``: whether it holds sea, and whether it holds land, by the coast's
    raster cells whose centres fall in it and the raster cell at its own centre (a map finer than the
    raster). A cell on the shore holds both: a boat searches its water, a team on foot its beach.
    Off the raster is sea."""
    rows, cols = coast.shape
    centres = np.arange(max(rows, cols), dtype=np.float64) + 0.5
    lat, _ = frame.to_latlon(0.0, coast.north_m - centres[:rows] * coast.cell_m)
    _, lon = frame.to_latlon(coast.west_m + centres[:cols] * coast.cell_m, 0.0)
    map_row = np.floor((grid.north - lat) / (grid.north - grid.south) * grid.rows).astype(np.int64)
    map_col = np.floor((lon - grid.west) / (grid.east - grid.west) * grid.cols).astype(np.int64)
    in_rows = np.flatnonzero((map_row >= 0) & (map_row < grid.rows))
    in_cols = np.flatnonzero((map_col >= 0) & (map_col < grid.cols))
    size = grid.rows * grid.cols
    has_land = np.zeros(size, dtype=bool)
    has_sea = np.zeros(size, dtype=bool)
    if in_rows.size and in_cols.size:
        r0, r1, c0, c1 = in_rows[0], in_rows[-1] + 1, in_cols[0], in_cols[-1] + 1
        flat = (map_row[r0:r1, None] * grid.cols + map_col[None, c0:c1]).ravel()
        land = coast.land[r0:r1, c0:c1].ravel()
        has_land |= np.bincount(flat[land], minlength=size) > 0
        has_sea |= np.bincount(flat[~land], minlength=size) > 0
    centre_lat, centre_lon = grid.centres()
    x, y = frame.to_xy(centre_lat.ravel(), centre_lon.ravel())
    at_centre = coast.on_land(x, y)
    has_land |= at_centre
    has_sea |= ~at_centre
    return has_sea.reshape(grid.rows, grid.cols), has_land.reshape(grid.rows, grid.cols)


# --- the coast of a drift ----------------------------------------------------------------------------


def build(
    frame: Frame,
    reach_m: float,
    cell_m: float,
    terrain: Terrain,
    packaged: Callable[[Grid], NDArray[np.bool_] | None],
    packaged_name: str,
) -> tuple[Coast | None, str]:
    """The coast within ``reach_m`` of the frame's origin on cells of about ``cell_m``: the
    terrain's water where it has data, the ``packaged`` coastline's elsewhere, only the water
    connected to the edge or to the origin counted as sea. None if there is no land in reach; and
    what it was made from, in words."""
    grid = Grid.around(frame.lat0, frame.lon0, reach_m, cell_m)
    wet, known = terrain.water_known(grid)
    if wet is None or known is None:
        wet = np.zeros((grid.rows, grid.cols), dtype=bool)
        known = np.zeros_like(wet)
    sources = ["the theater's terrain"] if known.any() else []
    if not known.all():
        land = packaged(grid)
        if land is not None:
            wet = np.where(known, wet, ~land)
            sources.append(packaged_name)
        else:  # nothing says there is land there: a drift is not stopped by what nobody knows
            wet = np.where(known, wet, True)
    if not sources:
        return None, "no terrain and no coastline: nothing strands"
    source = " and ".join(sources)
    home = grid.cell_of(frame.lat0, frame.lon0) if grid.contains(frame.lat0, frame.lon0) else None
    water = sea(wet, home)
    if water.all():
        return None, f"no land within the drift's reach ({source})"
    west, _ = frame.to_xy(frame.lat0, grid.west)
    _, north = frame.to_xy(grid.north, frame.lon0)
    return Coast(float(west), float(north), grid.cell_height_m, ~water, source), source
