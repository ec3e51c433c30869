"""Terrain for ground movement: an elevation raster and a land/water mask resampled onto a planning
grid, slope from the elevation, and water. Both are optional: without them the ground is flat and
all land.

A ``Raster`` holds values on a regular geographic raster (row 0 at the north edge); ``on_grid``
samples it at a grid's cell centres (nearest neighbour), NaN outside it. ``slope`` is rise over run
from central differences in metres. Water is the mask's non-zero cells where there is a mask, else
every cell at or below sea level. ``water_known`` also says where the terrain has data at all (a
drift at sea takes a packaged coastline where it has none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jprcc.intel.planning.threat import Grid


@dataclass(frozen=True)
class Raster:
    values: NDArray[np.float64]
    south: float
    west: float
    north: float
    east: float

    def on_grid(self, grid: Grid) -> NDArray[np.float64]:
        """The value at each cell centre of ``grid``; NaN outside the raster."""
        lats, lons = grid.centres()
        rows, cols = self.values.shape
        r = np.floor((self.north - lats) / (self.north - self.south) * rows).astype(np.int64)
        c = np.floor((lons - self.west) / (self.east - self.west) * cols).astype(np.int64)
        inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        out = np.full(lats.shape, np.nan)
        out[inside] = self.values[r[inside], c[inside]]
        return out


@dataclass(frozen=True)
class Terrain:
    """Elevation in metres above sea level and a water mask (non-zero = water), either optional."""

    elevation: Raster | None = None
    water: Raster | None = None

    def on_grid(self, grid: Grid) -> tuple[NDArray[np.float64] | None, NDArray[np.bool_] | None]:
        """Slope and water on ``grid``; None where the terrain says nothing."""
        heights = self.elevation.on_grid(grid) if self.elevation is not None else None
        mask = self.water.on_grid(grid) if self.water is not None else None
        wet = water(heights, None if mask is None else np.nan_to_num(mask, nan=0.0) != 0)
        return (None if heights is None else slope(grid, heights)), wet

    def water_known(self, grid: Grid) -> tuple[NDArray[np.bool_] | None, NDArray[np.bool_] | None]:
        """Water on ``grid`` and where the terrain knows it: the water mask's cells where it has
        data, else the elevation's (at or below sea level is water). ``on_grid`` counts an unknown
        cell as land, which is right for a walker and wrong for a raft: here it is left to the
        caller. None, None without terrain."""
        if self.water is None and self.elevation is None:
            return None, None
        wet = np.zeros((grid.rows, grid.cols), dtype=bool)
        known = np.zeros((grid.rows, grid.cols), dtype=bool)
        if self.water is not None:
            mask = self.water.on_grid(grid)
            known = np.isfinite(mask)
            wet = known & (np.nan_to_num(mask, nan=0.0) != 0)
        if self.elevation is not None and not known.all():
            heights = self.elevation.on_grid(grid)
            fill = ~known & np.isfinite(heights)
            wet |= fill & (np.nan_to_num(heights, nan=1.0) <= 0.0)
            known |= fill
        return wet, known


def slope(grid: Grid, elevation: NDArray[np.float64]) -> NDArray[np.float64]:
    """Steepest rise over run at each cell (dimensionless), from central differences. Where a
    neighbour's height is unknown (off the raster, a void in it) the ground counts as flat: the
    edge of a file is not a cliff."""
    d_row, d_col = np.gradient(elevation, grid.cell_height_m, grid.cell_width_m)
    return np.asarray(np.nan_to_num(np.hypot(d_row, d_col), nan=0.0), dtype=np.float64)


def water(
    elevation: NDArray[np.float64] | None, mask: NDArray[np.bool_] | None = None
) -> NDArray[np.bool_] | None:
    """Water: the given mask, else every cell at or below sea level (unknown cells count as land)."""
    if mask is not None:
        return mask
    if elevation is None:
        return None
    return np.asarray(np.nan_to_num(elevation, nan=1.0) <= 0.0)
