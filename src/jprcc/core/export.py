"""Threat maps as files: a PNG to look at, a GeoTIFF for GIS tools.

PNG (ISO/IEC 15948): 8-bit RGBA, one IDAT chunk, filter 0 on every row, written here. The colour
ramp runs from transparent (no threat) through yellow to red (certain engagement).
GeoTIFF (OGC 19-008): one float32 band on the grid's WGS-84 latitude/longitude raster
(EPSG:4326, pixel-is-area, row 0 at the north edge), written by rasterio (GDAL's GTiff driver),
which keeps the georeference (ModelPixelScale, ModelTiepoint, GeoKeyDirectory) right; rasterio is
imported only when a GeoTIFF is written.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from numpy.typing import NDArray

from jprcc.intel.planning.threat import Grid


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def colour(threat: NDArray[np.float64]) -> NDArray[np.uint8]:
    """RGBA: 0 transparent; rising through yellow (0.15) and orange to red (1), ever more opaque."""
    t = np.clip(np.nan_to_num(threat, nan=0.0), 0, 1)
    rgba = np.zeros((*t.shape, 4), dtype=np.uint8)
    rgba[..., 0] = 255
    rgba[..., 1] = (220 * (1 - t)).astype(np.uint8)
    rgba[..., 2] = 0
    rgba[..., 3] = np.where(t > 0.01, (80 + 160 * t).astype(np.uint8), 0)
    return rgba


def probability_colour(probability: NDArray[np.float64]) -> NDArray[np.uint8]:
    """RGBA for a probability map, scaled to its peak cell: empty cells transparent, rising
    through blue and violet to white-hot magenta at the peak."""
    p = np.nan_to_num(probability, nan=0.0)
    t = np.clip(p / max(float(p.max()), 1e-300), 0, 1) ** 0.5  # a square root shows the tails
    rgba = np.zeros((*t.shape, 4), dtype=np.uint8)
    rgba[..., 0] = (60 + 195 * t).astype(np.uint8)
    rgba[..., 1] = (40 + 60 * t**3).astype(np.uint8)
    rgba[..., 2] = (200 + 55 * t).astype(np.uint8)
    rgba[..., 3] = np.where(p > 0, (60 + 180 * t).astype(np.uint8), 0)
    return rgba


def png(threat: NDArray[np.float64], rgba: NDArray[np.uint8] | None = None) -> bytes:
    """A PNG of the threat ramp, or of ``rgba`` (rows, cols, 4) when given."""
    rgba = colour(threat) if rgba is None else rgba
    height, width = rgba.shape[:2]
    raw = b"".join(b"\x00" + rgba[row].tobytes() for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def geotiff(grid: Grid, values: NDArray[np.float64]) -> bytes:
    """One float32 band of the values given (threat, or probability per cell), (rows, cols) on
    ``grid``, as the bytes of a GeoTIFF file."""
    from affine import Affine
    from rasterio.io import MemoryFile

    # x is longitude (columns, eastward from the west edge), y latitude (rows, southward from the north)
    width_deg = (grid.east - grid.west) / grid.cols
    height_deg = (grid.north - grid.south) / grid.rows
    transform = Affine(width_deg, 0.0, grid.west, 0.0, -height_deg, grid.north)
    profile = {
        "driver": "GTiff",
        "width": grid.cols,
        "height": grid.rows,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": transform,
    }
    with MemoryFile() as memory:
        with memory.open(**profile) as band:
            band.write(values.astype(np.float32), 1)
        return bytes(memory.read())
