"""Reading terrain from GeoTIFF files (WGS-84 geographic rasters): ``JPRCC_TERRAIN_ELEVATION`` and
``JPRCC_TERRAIN_WATER``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import tifffile

from jprcc.intel.planning.terrain import Raster, Terrain


class TerrainError(ValueError):
    """A terrain file that cannot be used; the message says why."""


@cache
def read_raster(path: Path) -> Raster:
    """A single-band GeoTIFF with ModelPixelScale and ModelTiepoint tags in degrees (EPSG:4326)."""
    try:
        with tifffile.TiffFile(path) as tiff:
            page = tiff.pages.first
            data = page.asarray().astype(np.float64)
            scale = page.tags["ModelPixelScaleTag"].value
            tie = page.tags["ModelTiepointTag"].value
            nodata = page.tags.get("GDAL_NODATA")  # SRTM and most DEMs mark voids this way
    except (OSError, KeyError, ValueError) as exc:
        raise TerrainError(f"{path}: not a georeferenced GeoTIFF ({exc})") from exc
    if nodata is not None:
        try:
            data[data == float(str(nodata.value).strip("\x00 "))] = np.nan
        except ValueError as exc:
            raise TerrainError(f"{path}: GDAL_NODATA {nodata.value!r} is not a number") from exc
    if data.ndim != 2:
        raise TerrainError(f"{path}: one band expected, found shape {data.shape}")
    west, north = float(tie[3]), float(tie[4])
    east, south = west + scale[0] * data.shape[1], north - scale[1] * data.shape[0]
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise TerrainError(f"{path}: the georeference is not in degrees of latitude and longitude")
    return Raster(data, south, west, north, east)


def read_terrain(elevation: Path | None, water: Path | None) -> Terrain:
    """The terrain from its files, either optional; a file that cannot be used raises ``TerrainError``."""
    return Terrain(
        read_raster(elevation) if elevation is not None else None,
        read_raster(water) if water is not None else None,
    )
