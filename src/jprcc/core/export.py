"""Threat maps as files: a PNG to look at, a GeoTIFF for GIS tools. Written here, no imaging library.

PNG (ISO/IEC 15948): 8-bit RGBA, one IDAT chunk, filter 0 on every row. The colour ramp runs from
transparent (no threat) through yellow to red (certain engagement).
GeoTIFF (OGC 19-008): one float32 band, WGS-84 geographic (EPSG:4326), pixel-is-area, with the
ModelPixelScale, ModelTiepoint and GeoKeyDirectory tags; written with ``tifffile``.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import tifffile
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


def geotiff(grid: Grid, threat: NDArray[np.float64]) -> bytes:
    """One float32 band of the values given (threat, or probability per cell) on ``grid``."""
    width_deg = (grid.east - grid.west) / grid.cols
    height_deg = (grid.north - grid.south) / grid.rows
    geokeys = (
        1,
        1,
        0,
        3,  # version 1.1.0, three keys follow
        1024,
        0,
        1,
        2,  # GTModelTypeGeoKey = geographic
        1025,
        0,
        1,
        1,  # GTRasterTypeGeoKey = pixel is area
        2048,
        0,
        1,
        4326,
    )  # GeographicTypeGeoKey = WGS 84
    extratags = [
        (33550, "d", 3, (width_deg, height_deg, 0.0), False),
        (33922, "d", 6, (0.0, 0.0, 0.0, grid.west, grid.north, 0.0), False),
        (34735, "H", len(geokeys), geokeys, False),
    ]
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, threat.astype(np.float32), extratags=extratags, photometric="minisblack")
    return buffer.getvalue()
