"""The packaged coastline: GSHHG's shoreline at full resolution (Wessel & Smith 1996, version 2.3.7,
level 1: land against the ocean; lakes count as land), as shipped inside the ``roaring-landmask``
package, the one OpenDrift strands its elements on. Nothing is fetched at run time.

The polygons (about 9.5 million points) are read once per process, on the first drift that needs
them, and kept as float32 longitude/latitude rings (about 80 MB); ``land_on`` rasterises those
near a grid in milliseconds. Reading them from the package takes three to four seconds (it writes
out 150 MB of WKB), so the rings are also kept in this user's cache folder
(``JPRCC_CACHE_DIR``, by default ``~/.cache/jprcc`` on Linux), one file per version of the
package, and read from there in a tenth of a second by every later process. A cache that cannot
be written or read is done without: the rings are read from the package as before.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from dataclasses import fields
from importlib import metadata
from pathlib import Path

import numpy as np
import platformdirs
from numpy.typing import NDArray

from jprcc.intel.planning.threat import Grid
from jprcc.locate.planning.coast import Rings, fill, rings_from_wkb

log = logging.getLogger(__name__)

NAME = "the packaged coastline (GSHHG, full resolution)"
_FORM = 1  # the cache file's layout: a new layout is a new file

_lock = threading.Lock()
_rings: list[Rings | None] = []


def rings() -> Rings | None:
    """GSHHG's land polygons, read on first use; None where the package is not installed."""
    with _lock:
        if not _rings:
            _rings.append(_read())
        return _rings[0]


def _read() -> Rings | None:
    try:
        import roaring_landmask
    except ImportError:
        return None
    path = cache_path()
    found = _from_cache(path)
    if found is not None:
        return found
    made = rings_from_wkb(roaring_landmask.Shapes.wkb(roaring_landmask.LandmaskProvider.Gshhg))
    _to_cache(path, made)
    return made


def cache_path() -> Path:
    """Where the rings of the installed package are kept."""
    folder = os.environ.get("JPRCC_CACHE_DIR") or platformdirs.user_cache_path("jprcc", appauthor=False)
    version = metadata.version("roaring-landmask")
    return Path(folder) / f"gshhg-rings-{version}-{_FORM}.npz"


def _from_cache(path: Path) -> Rings | None:
    """The rings kept at ``path``; None if there are none, or they cannot be read whole."""
    try:
        with path.open("rb") as file, np.load(file, allow_pickle=False) as kept:
            found = Rings(**{f.name: kept[f.name] for f in fields(Rings)})
    except FileNotFoundError:
        return None
    except Exception as e:  # (a torn or foreign file: read from the package, and kept again)
        log.warning("the cached coastline %s could not be read (%s): reading the package's", path, e)
        return None
    if not _whole(found):
        log.warning("the cached coastline %s does not hold whole rings: reading the package's", path)
        return None
    return found


def _whole(r: Rings) -> bool:
    """Rings that index their points and boxes consistently (what a torn file would not)."""
    n = r.start.size
    return (
        r.lonlat.dtype == np.float32
        and r.lonlat.ndim == 2
        and r.lonlat.shape[1] == 2
        and all(a.size == n for a in (r.stop, r.west, r.south, r.east, r.north))
        and bool(np.all(r.start < r.stop))
        and (n == 0 or int(r.stop[-1]) <= r.lonlat.shape[0])
    )


def _to_cache(path: Path, r: Rings) -> None:
    """Keep ``r`` at ``path``: written whole under a name of its own, then renamed into place (a
    process reading it meanwhile finds the old file or none, never part of one)."""
    part: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f"{path.stem}.", suffix=".part")
        part = Path(name)
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **{f.name: getattr(r, f.name) for f in fields(Rings)})
        os.replace(part, path)
    except OSError as e:
        log.info("the coastline could not be kept in %s (%s): each process reads the package's", path, e)
        if part is not None:
            part.unlink(missing_ok=True)


def land_on(grid: Grid) -> NDArray[np.bool_] | None:
    """Land at each cell centre of ``grid`` by the packaged coastline; None if there is none."""
    found = rings()
    if found is None:
        return None
    return fill(found, grid.south, grid.west, grid.north, grid.east, grid.rows, grid.cols)
