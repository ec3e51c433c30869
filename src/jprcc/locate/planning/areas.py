"""From the optimal allocation to search areas an asset can fly, sail or walk: one rectangle per
asset, searched in parallel tracks at a spacing that spends its whole track length.

An asset with sweep width W and track length L (speed × time on task) searching a rectangle of
area A at track spacing S = A / L achieves coverage C = W / S = W·L / A; its probability of
detection there follows the chosen law (``pod_random`` or ``pod_inverse_cube``). For each asset
in turn (the largest effort first), candidate rectangles are read off its optimal allocation
(bounding boxes of the cells it is given above several levels) and around the peak of the
probability still undetected; the one that detects the most (probability inside × POD) is
chosen, and the probability inside it is reduced by the POD before the next asset is placed.
Sums over rectangles come from a summed-area table, so each candidate costs O(1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
PodLaw = Callable[[Array], Array]


@dataclass(frozen=True)
class Rectangle:
    """Cells [row0, row1) × [col0, col1) of the map grid."""

    row0: int
    row1: int
    col0: int
    col1: int

    @property
    def cells(self) -> int:
        return (self.row1 - self.row0) * (self.col1 - self.col0)


@dataclass(frozen=True)
class AreaPlan:
    rectangle: Rectangle
    width_m: float
    height_m: float
    track_spacing_m: float
    coverage: float
    probability_of_detection: float
    probability_of_containment: float  # probability still undetected inside, before this search


def _table(values: Array) -> Array:
    table = np.zeros((values.shape[0] + 1, values.shape[1] + 1))
    table[1:, 1:] = values.cumsum(0).cumsum(1)
    return table


def _sum(table: Array, r: Rectangle) -> float:
    return float(
        table[r.row1, r.col1] - table[r.row0, r.col1] - table[r.row1, r.col0] + table[r.row0, r.col0]
    )


def _box(mask: NDArray[np.bool_]) -> Rectangle | None:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return Rectangle(int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)


def _candidates(left: Array, effort: Array) -> list[Rectangle]:
    found: list[Rectangle] = []
    given = effort[effort > 0]
    if given.size:
        for q in (0.0, 0.25, 0.5, 0.75, 0.9):
            box = _box(effort > (np.quantile(given, q) if q else 0.0))
            if box is not None:
                found.append(box)
    rows, cols = left.shape
    peak_r, peak_c = np.unravel_index(int(np.argmax(left)), left.shape)
    side = 1
    while side <= 2 * max(rows, cols):
        for tall, wide in ((side, side), (side, 2 * side), (2 * side, side)):
            r0 = max(0, int(peak_r) - tall // 2)
            c0 = max(0, int(peak_c) - wide // 2)
            found.append(Rectangle(r0, min(rows, r0 + tall), c0, min(cols, c0 + wide)))
        side *= 2
    return found


def place(
    probability: Array,
    cell_width_m: float,
    cell_height_m: float,
    efforts: list[Array],
    sweep_widths_m: list[float],
    track_lengths_m: list[float],
    can_search: list[NDArray[np.bool_]],
    law: PodLaw,
    signal: list[float] | None = None,
) -> tuple[list[AreaPlan], Array]:
    """One rectangle per asset (in the order given); returns the plans and the probability left
    undetected in each cell if every search fails. ``signal``: for each asset, the chance the
    person transmits while it listens (1 for a search by sight): it multiplies the detection."""
    left = np.array(probability, dtype=np.float64)
    plans: list[AreaPlan] = []
    cell_area = cell_width_m * cell_height_m
    chances = signal if signal is not None else [1.0] * len(efforts)
    for effort, width, length, mask, chance in zip(
        efforts, sweep_widths_m, track_lengths_m, can_search, chances, strict=True
    ):
        table = _table(np.where(mask, left, 0.0))
        best: tuple[float, Rectangle, float] | None = None
        for rect in _candidates(np.where(mask, left, 0.0), effort):
            if rect.cells == 0:
                continue
            coverage = width * length / (rect.cells * cell_area)
            gain = _sum(table, rect) * chance * float(law(np.asarray(coverage)))
            if best is None or gain > best[0]:
                best = (gain, rect, coverage)
        assert best is not None
        _, rect, coverage = best
        pod = chance * float(law(np.asarray(coverage)))
        inside = _sum(table, rect)
        window = (slice(rect.row0, rect.row1), slice(rect.col0, rect.col1))
        left[window] = np.where(mask[window], left[window] * (1 - pod), left[window])
        w_m = (rect.col1 - rect.col0) * cell_width_m
        h_m = (rect.row1 - rect.row0) * cell_height_m
        plans.append(AreaPlan(rect, w_m, h_m, w_m * h_m / length, coverage, pod, inside))
    return plans, left
