"""Least-cost routes from one cell to every other cell of a cost raster, in one pass.

The graph is the raster's 8-connected grid. Moving from cell ``a`` to a neighbour ``b`` costs the
mean of their costs times the step length (1 for a side, √2 for a diagonal, in cells), the
"geometric" model of scikit-image's ``MCP_Geometric`` (the benchmark's anchor) and of the
minimum-cumulative-cost path literature (e.g. Douglas 1994, *Least-cost path in GIS using an
accumulated cost surface and slopelines*, Cartographica 31(3)). Cells whose cost is infinite, NaN
or negative are impassable.

``route_field`` runs Dijkstra's algorithm (Dijkstra 1959) with an indexed 4-ary heap whose keys
live in the heap itself, so that sifting reads contiguous memory; it is compiled with numba.
``route_field_reference`` is the plain version, kept as the specification the fast one is tested
against.

Shapes: ``cost`` is (rows, cols) float64, in cost units per cell of travel (e.g. seconds per
cell). Results are (rows, cols): the cumulative cost from the start, and for each cell the
direction code (0-7, into ``STEPS``) of the step that reached it, -1 for the start and for cells
never reached.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

#: the 8 moves (row, col) and their lengths in cells
STEPS = np.array([(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)], dtype=np.int64)
LENGTHS = np.array([math.sqrt(dr * dr + dc * dc) for dr, dc in STEPS], dtype=np.float64)


@dataclass(frozen=True)
class RouteField:
    """Cumulative cost from ``start`` to every cell, and how each cell was reached."""

    start: tuple[int, int]
    cumulative: NDArray[np.float64]
    came_from: NDArray[np.int8]

    def cost_to(self, cell: tuple[int, int]) -> float:
        return float(self.cumulative[cell])

    def path_to(self, cell: tuple[int, int]) -> list[tuple[int, int]]:
        """The cells of the least-cost route from the start to ``cell``, both included."""
        r, c = cell
        if not math.isfinite(self.cumulative[r, c]):
            raise ValueError(f"cell {cell} cannot be reached from {self.start}")
        path = [(r, c)]
        while (r, c) != self.start:
            k = int(self.came_from[r, c])
            r, c = r - int(STEPS[k, 0]), c - int(STEPS[k, 1])
            path.append((r, c))
        path.reverse()
        return path


def _check(cost: NDArray[np.float64], start: tuple[int, int]) -> NDArray[np.float64]:
    grid = np.ascontiguousarray(cost, dtype=np.float64)
    if grid.ndim != 2 or grid.size == 0:
        raise ValueError("cost must be a non-empty 2-D raster")
    r, c = start
    if not (0 <= r < grid.shape[0] and 0 <= c < grid.shape[1]):
        raise ValueError(f"start {start} is outside the raster {grid.shape}")
    if not (math.isfinite(grid[r, c]) and grid[r, c] >= 0):
        raise ValueError(f"start {start} is on an impassable cell")
    return grid


def route_field(cost: NDArray[np.float64], start: tuple[int, int], limit: float = math.inf) -> RouteField:
    """Least-cost routes from ``start`` to every cell (compiled; see the module docstring).

    ``limit``: stop once every cell within that cumulative cost is settled; cells beyond it are
    left unreached (infinite), as if the search had been cut off by range or endurance."""
    grid = _check(cost, start)
    cumulative = np.empty(grid.shape, dtype=np.float64)
    came_from = np.empty(grid.shape, dtype=np.int8)
    _dijkstra(grid, start[0], start[1], STEPS, LENGTHS, cumulative, came_from, float(limit))
    return RouteField((int(start[0]), int(start[1])), cumulative, came_from)


def route_field_reference(
    cost: NDArray[np.float64], start: tuple[int, int], limit: float = math.inf
) -> RouteField:
    """The same field by a plain heapq Dijkstra: slow, obvious, the specification."""
    grid = _check(cost, start)
    rows, cols = grid.shape
    cumulative = np.full(grid.shape, np.inf)
    came_from = np.full(grid.shape, -1, dtype=np.int8)
    cumulative[start] = 0.0
    queue = [(0.0, start[0], start[1])]
    done = np.zeros(grid.shape, dtype=bool)
    while queue:
        d, r, c = heapq.heappop(queue)
        if done[r, c]:
            continue
        if d > limit:
            break
        done[r, c] = True
        for k in range(8):
            nr, nc = r + int(STEPS[k, 0]), c + int(STEPS[k, 1])
            if not (0 <= nr < rows and 0 <= nc < cols) or done[nr, nc]:
                continue
            here = grid[nr, nc]
            if not (here >= 0 and math.isfinite(here)):
                continue
            nd = d + (grid[r, c] + here) * 0.5 * LENGTHS[k]
            if nd < cumulative[nr, nc]:
                cumulative[nr, nc] = nd
                came_from[nr, nc] = k
                heapq.heappush(queue, (nd, nr, nc))
    unsettled = ~done & np.isfinite(cumulative)
    cumulative[unsettled], came_from[unsettled] = np.inf, -1
    return RouteField((int(start[0]), int(start[1])), cumulative, came_from)


@numba.njit(cache=True, nogil=True)
def _sift_up(keys: NDArray[np.float64], nodes: NDArray[np.int32], where: NDArray[np.int32], i: int) -> None:
    key, node = keys[i], nodes[i]
    while i > 0:
        parent = (i - 1) >> 2
        if keys[parent] <= key:
            break
        keys[i], nodes[i] = keys[parent], nodes[parent]
        where[nodes[i]] = i
        i = parent
    keys[i], nodes[i] = key, node
    where[node] = i


@numba.njit(cache=True, nogil=True)
def _sift_down(
    keys: NDArray[np.float64], nodes: NDArray[np.int32], where: NDArray[np.int32], size: int
) -> None:
    key, node = keys[0], nodes[0]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        best, best_key = first, keys[first]
        last = min(first + 4, size)
        for child in range(first + 1, last):
            if keys[child] < best_key:
                best, best_key = child, keys[child]
        if best_key >= key:
            break
        keys[i], nodes[i] = best_key, nodes[best]
        where[nodes[i]] = i
        i = best
    keys[i], nodes[i] = key, node
    where[node] = i


@numba.njit(cache=True, nogil=True)
def _dijkstra(
    cost: NDArray[np.float64],
    start_r: int,
    start_c: int,
    steps: NDArray[np.int64],
    lengths: NDArray[np.float64],
    cumulative: NDArray[np.float64],
    came_from: NDArray[np.int8],
    limit: float,
) -> None:
    rows, cols = cost.shape
    n = rows * cols
    flat_cost = cost.ravel()
    dist = cumulative.ravel()
    came = came_from.ravel()
    dist[:] = np.inf
    came[:] = -1
    # where[v]: position in the heap; -1 never queued; -2 settled (impassable cells start settled)
    where = np.full(n, -1, dtype=np.int32)
    for v in range(n):
        c = flat_cost[v]
        if not (c >= 0.0 and c < np.inf):
            where[v] = -2
    keys = np.empty(n, dtype=np.float64)
    nodes = np.empty(n, dtype=np.int32)
    start = start_r * cols + start_c
    dist[start] = 0.0
    keys[0], nodes[0], where[start], size = 0.0, start, 0, 1
    offsets = steps[:, 0] * cols + steps[:, 1]
    while size > 0:
        u = nodes[0]
        du = keys[0]
        if du > limit:
            break
        where[u] = -2
        size -= 1
        if size > 0:
            keys[0], nodes[0] = keys[size], nodes[size]
            _sift_down(keys, nodes, where, size)
        ur = u // cols
        uc = u - ur * cols
        cu = flat_cost[u]
        edge = ur == 0 or ur == rows - 1 or uc == 0 or uc == cols - 1
        for k in range(8):
            if edge:
                vr = ur + steps[k, 0]
                vc = uc + steps[k, 1]
                if vr < 0 or vr >= rows or vc < 0 or vc >= cols:
                    continue
            v = u + offsets[k]
            state = where[v]
            if state == -2:
                continue
            nd = du + (cu + flat_cost[v]) * 0.5 * lengths[k]
            if nd < dist[v]:
                dist[v] = nd
                came[v] = k
                if state == -1:
                    keys[size], nodes[size] = nd, v
                    size += 1
                    _sift_up(keys, nodes, where, size - 1)
                else:
                    keys[state] = nd
                    _sift_up(keys, nodes, where, state)
    # cut off by the limit: what is still queued holds tentative costs, not least costs
    for i in range(size):
        dist[nodes[i]] = np.inf
        came[nodes[i]] = -1
