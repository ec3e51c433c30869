"""Terrain for ground movement: an elevation raster resampled onto a planning grid, its slope, and
water. Without one, the ground is flat and all land.

``Elevation`` holds metres above sea level on a regular geographic raster (row 0 at the north
edge). ``on_grid`` samples it at the grid's cell centres (nearest neighbour); ``slope`` is rise
over run from central differences in metres; cells at or below sea level count as water unless a
separate mask says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jprcc.planning.threat import Grid


@dataclass(frozen=True)
class Elevation:
    metres: NDArray[np.float64]
    south: float
    west: float
    north: float
    east: float

    def on_grid(self, grid: Grid) -> NDArray[np.float64]:
        """Elevation at each cell centre of ``grid``; NaN outside the raster."""
        lats, lons = grid.centres()
        rows, cols = self.metres.shape
        r = np.floor((self.north - lats) / (self.north - self.south) * rows).astype(np.int64)
        c = np.floor((lons - self.west) / (self.east - self.west) * cols).astype(np.int64)
        inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        out = np.full(lats.shape, np.nan)
        out[inside] = self.metres[r[inside], c[inside]]
        return out


def slope(grid: Grid, elevation: NDArray[np.float64]) -> NDArray[np.float64]:
    """Steepest rise over run at each cell (dimensionless), from central differences."""
    filled = np.nan_to_num(elevation, nan=0.0)
    d_row, d_col = np.gradient(filled, grid.cell_height_m, grid.cell_width_m)
    return np.asarray(np.hypot(d_row, d_col), dtype=np.float64)


def water(elevation: NDArray[np.float64], mask: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
    """Water: the given mask, else every cell at or below sea level (unknown cells count as land)."""
    if mask is not None:
        return mask
    return np.asarray(np.nan_to_num(elevation, nan=1.0) <= 0.0)
