"""The smallest regions that hold a given share of a probability map: what a search planner calls
the 50 % and 90 % containment areas, drawn on ATAK as polygons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from shapely import box, unary_union
from shapely.geometry import MultiPolygon


def threshold(probability: NDArray[np.float64], share: float) -> float:
    """The lowest cell value of the fewest cells that together hold ``share`` of the map's total."""
    flat = np.sort(probability.ravel())[::-1]
    total = float(flat.sum())
    if total <= 0:
        return float("inf")
    cumulative = np.cumsum(flat) / total
    index = int(np.searchsorted(cumulative, share, side="left"))
    return float(flat[min(index, flat.size - 1)])


def regions(
    probability: NDArray[np.float64],
    bounds: tuple[float, float, float, float],
    share: float,
) -> list[list[tuple[float, float]]]:
    """Outer rings (lat, lon) of the regions holding ``share`` of the probability.

    ``probability`` is (rows, cols) with row 0 the northern edge; ``bounds`` is (south, west,
    north, east). Cells are merged row by row into runs, then into polygons; holes are dropped
    (a search area is searched whole)."""
    south, west, north, east = bounds
    rows, cols = probability.shape
    level = threshold(probability, share)
    inside = probability >= level
    dlat, dlon = (north - south) / rows, (east - west) / cols
    boxes = []
    for r in range(rows):
        line = inside[r]
        if not line.any():
            continue
        edges = np.flatnonzero(np.diff(np.concatenate(([0], line.astype(np.int8), [0]))))
        top = north - r * dlat
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            boxes.append(box(west + start * dlon, top - dlat, west + end * dlon, top))
    if not boxes:
        return []
    merged = unary_union(boxes)
    shapes: Sequence[Any] = list(merged.geoms) if isinstance(merged, MultiPolygon) else [merged]
    out = []
    for shape in shapes:
        ring = shape.exterior.simplify(min(dlat, dlon) / 2)
        out.append([(lat, lon) for lon, lat in ring.coords])
    return out
