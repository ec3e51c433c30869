"""Reading terrain from GeoTIFF files: ``JPRCC_TERRAIN_ELEVATION`` and ``JPRCC_TERRAIN_WATER``.

Read with rasterio (GDAL): any coordinate reference system the file declares. A file already on
a north-up WGS-84 latitude/longitude raster (EPSG:4326, as SRTM tiles are) is taken as it is; any
other (UTM, a national grid, another datum) is warped onto a WGS-84 raster of about the same
resolution (``rasterio.warp.calculate_default_transform`` and ``reproject``): bilinear for
elevation, nearest neighbour for a water mask, so that a mask stays a mask. Voids (the file's
nodata value) and whatever lies outside the file's footprint become NaN: unknown.

rasterio is imported when a file is read, never when the command line starts.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from jprcc.intel.planning.terrain import Raster, Terrain

if TYPE_CHECKING:
    from affine import Affine
    from rasterio.io import DatasetReader

Resampling = Literal["bilinear", "nearest"]
WGS84 = "EPSG:4326"


class TerrainError(ValueError):
    """A terrain file that cannot be used; the message says why."""


@cache
def read_raster(path: Path, resampling: Resampling = "bilinear") -> Raster:
    """A single-band GeoTIFF in any coordinate reference system, on a WGS-84 latitude/longitude
    raster (row 0 at the north edge), with NaN where the file says nothing."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioError

    try:
        with warnings.catch_warnings():
            # a plain TIFF opens with a warning: it is refused below, by name
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            # rasterio 1.4 composes transforms with ``*``, which affine 3 marks for deprecation
            warnings.filterwarnings("ignore", "Use `@` matmul", PendingDeprecationWarning)
            with rasterio.open(path) as source:
                _check(path, source)
                if _is_wgs84_north_up(source):
                    values, transform = _read(source), source.transform
                else:
                    values, transform = _warp(source, resampling)
    except RasterioError as exc:
        raise TerrainError(f"{path}: not a georeferenced GeoTIFF ({exc})") from exc
    rows, cols = values.shape
    west, north = transform.c, transform.f
    east, south = west + transform.a * cols, north + transform.e * rows
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise TerrainError(f"{path}: the georeference is not in degrees of latitude and longitude")
    return Raster(values, float(south), float(west), float(north), float(east))


def _check(path: Path, source: DatasetReader) -> None:
    if source.count != 1:
        raise TerrainError(f"{path}: one band expected, found {source.count}")
    if source.crs is None or source.transform.is_identity:
        raise TerrainError(f"{path}: not a georeferenced GeoTIFF (no coordinate reference system)")


def _is_wgs84_north_up(source: DatasetReader) -> bool:
    t = source.transform
    return bool(source.crs.to_epsg() == 4326 and t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0)


def _read(source: DatasetReader) -> NDArray[np.float64]:
    data = source.read(1, masked=True).astype(np.float64)  # the nodata value (SRTM's voids) masked
    return np.asarray(data.filled(np.nan), dtype=np.float64)


def _warp(source: DatasetReader, resampling: Resampling) -> tuple[NDArray[np.float64], Affine]:
    """The band warped onto a north-up WGS-84 raster of about the source's resolution."""
    from rasterio.warp import Resampling as Method
    from rasterio.warp import calculate_default_transform, reproject

    transform, width, height = calculate_default_transform(
        source.crs, WGS84, source.width, source.height, *source.bounds
    )
    values = np.full((height, width), np.nan)
    reproject(
        source=source.read(1).astype(np.float64),
        destination=values,
        src_transform=source.transform,
        src_crs=source.crs,
        src_nodata=source.nodata,
        dst_transform=transform,
        dst_crs=WGS84,
        dst_nodata=np.nan,
        resampling=Method[resampling],
    )
    return values, transform


def read_terrain(elevation: Path | None, water: Path | None) -> Terrain:
    """The terrain from its files, either optional; a file that cannot be used raises ``TerrainError``."""
    return Terrain(
        read_raster(elevation) if elevation is not None else None,
        read_raster(water, "nearest") if water is not None else None,
    )
