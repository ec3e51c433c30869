"""The packaged coastline: GSHHG's shoreline at full resolution (Wessel & Smith 1996, version 2.3.7,
level 1: land against the ocean; lakes count as land), as shipped inside the ``roaring-landmask``
package, the one OpenDrift strands its elements on. Nothing is fetched at run time.

The polygons (about 9.5 million points) are read once per process, on the first drift that needs
them (two to three seconds), and kept as float32 longitude/latitude rings (about 80 MB);
``land_on`` rasterises those near a grid in milliseconds.
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.typing import NDArray

from jprcc.intel.planning.threat import Grid
from jprcc.locate.planning.coast import Rings, fill, rings_from_wkb

NAME = "the packaged coastline (GSHHG, full resolution)"

_lock = threading.Lock()
_rings: list[Rings | None] = []


def rings() -> Rings | None:
    """GSHHG's land polygons, read on first use; None where the package is not installed."""
    with _lock:
        if not _rings:
            try:
                import roaring_landmask
            except ImportError:
                _rings.append(None)
            else:
                data = roaring_landmask.Shapes.wkb(roaring_landmask.LandmaskProvider.Gshhg)
                _rings.append(rings_from_wkb(data))
        return _rings[0]


def land_on(grid: Grid) -> NDArray[np.bool_] | None:
    """Land at each cell centre of ``grid`` by the packaged coastline; None if there is none."""
    found = rings()
    if found is None:
        return None
    return fill(found, grid.south, grid.west, grid.north, grid.east, grid.rows, grid.cols)
