"""The relief layer of the map: hillshade tiles of the configured elevation (``JPRCC_TERRAIN_ELEVATION``).

The elevation file is read and shaded once per process; each tile is then a lookup, encoded as PNG
and kept (the most recent few thousand)."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from jprcc.core import export
from jprcc.intel.planning import hillshade
from jprcc.intel.terrain_files import read_raster

_LOCK = threading.Lock()
_SHADED: dict[Path, tuple[NDArray[np.float64], tuple[float, float, float, float]] | Exception] = {}


def _lit(path: Path) -> tuple[NDArray[np.float64], tuple[float, float, float, float]]:
    """The shade of the elevation file, made once: the first tiles asked for at once wait for the
    one that shades it (a raster of millions of cells is not shaded twenty times over). A file
    that cannot be read is remembered as such."""
    with _LOCK:
        found = _SHADED.get(path)
        if found is None:
            try:
                raster = read_raster(path)
                lit = hillshade.shade_raster(
                    raster.values, raster.south, raster.north, raster.west, raster.east, hillshade.Z_FACTOR
                )
                found = (lit, (raster.south, raster.west, raster.north, raster.east))
            except Exception as exc:  # remembered, and raised again for each tile
                found = exc
            _SHADED[path] = found
    if isinstance(found, Exception):
        raise found
    return found


@functools.lru_cache(maxsize=4096)
def tile_png(path: Path, z: int, x: int, y: int) -> bytes | None:
    """The hillshade tile at zoom ``z``, column ``x``, row ``y`` (XYZ), as PNG; None outside the
    elevation file."""
    lit, bounds = _lit(path)
    rgba = hillshade.tile_rgba(lit, bounds, z, x, y)
    return None if rgba is None else export.png(np.zeros(rgba.shape[:2]), rgba)
