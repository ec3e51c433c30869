"""Where to spend search effort: the optimal allocation, and the search areas that carry it out.

Detection follows the random-search (exponential) law: effort ``z`` (area swept, m²) spread over a
cell of area ``a`` detects a person in it with probability ``1 − exp(−z/a)``. For one kind of
effort the allocation that maximises the probability of success is the Charnes–Cooper / Stone
"water-filling" solution (Stone, *Theory of Optimal Search*, 1975, §2.2; Charnes & Cooper 1958):
there is a level λ such that every searched cell is searched until its posterior density is λ,
and no unsearched cell has a density above λ:

    z_j = a · max(0, ln(d_j / λ)),   d_j = p_j / a,   Σ z_j = Z.

``_fill`` finds ln λ by Newton's method on the convex, piecewise-linear function
f(L) = Σ_{ln d_j > L} w_j (ln d_j − L) − Z, started from a point where f ≥ 0, so it climbs to the
root monotonically and stops exactly on the right piece (usually in under ten passes).

Several kinds of effort (assets whose sweep width differs from cell to cell, down to 0 where an
asset cannot search at all: a ship over land) are allocated by block-coordinate ascent: each
asset in turn is water-filled against the probability left by the others' current allocation,
until the probability of success stops rising (the objective is concave, so this converges to
the optimum; the Karush–Kuhn–Tucker conditions are checked in the tests).

Arrays are (rows, cols) grids of cells of equal area ``cell_area_m2``; probabilities need not
sum to one (the rest is outside the grid, or the rest of the world).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from jprcc.locate.planning import checks

Grid = NDArray[np.float64]


def pod_random(coverage: float | NDArray[np.float64]) -> NDArray[np.float64]:
    """Random-search (exponential) law: POD = 1 − e^(−C) (Koopman 1946)."""
    checks.non_negative("coverage", coverage)
    return -np.expm1(-np.asarray(coverage, dtype=np.float64))


def pod_inverse_cube(coverage: float | NDArray[np.float64]) -> NDArray[np.float64]:
    """Inverse-cube law for parallel sweeps: POD = erf(√π·C/2) (Koopman 1946, IAMSAR "ideal")."""
    from scipy.special import erf

    checks.non_negative("coverage", coverage)
    return np.asarray(erf(math.sqrt(math.pi) * np.asarray(coverage, dtype=np.float64) / 2), dtype=np.float64)


def stone_optimum(effort_m2: float, sigma_m: float) -> float:
    """Best probability of success with effort Z on a circular normal target of standard deviation
    σ per axis: P* = 1 − (1 + U)·e^(−U), U = sqrt(Z / (π σ²)) (Stone 1975, example 2.2.8)."""
    checks.non_negative("effort_m2", effort_m2)
    checks.positive("sigma_m", sigma_m)
    u = math.sqrt(effort_m2 / (math.pi * sigma_m**2))
    return 1.0 - (1.0 + u) * math.exp(-u)


@numba.njit(cache=True, nogil=True, fastmath=True)
def _fill(
    worth: NDArray[np.bool_],
    log_p: NDArray[np.float64],
    gain: NDArray[np.float64],
    weight: NDArray[np.float64],
    effort: float,
) -> NDArray[np.float64]:
    """The water-fill: gather the cells worth searching (index, ln of the marginal gain at zero
    effort, effort per unit of coverage), find the level, scatter the effort. ``log_p`` comes in
    from numpy, whose vectorised ``log`` is several times faster than a compiled loop's; with one
    sweep width everywhere (``gain`` and ``weight`` of one value) no per-cell weight is kept.

    The level is Newton's iteration from below (see the module docstring): it only ever rises, so a
    cell below the current level stays out of the search, and each pass keeps only the cells still
    above it: later passes read a shrinking list, not the whole grid."""
    size = log_p.size
    one = weight.size == 1
    w0 = weight[0]
    log_g0 = math.log(gain[0]) if gain[0] > 0.0 else 0.0
    index = np.empty(size, np.int64)
    log_gain = np.empty(size, np.float64)
    weights = np.empty(1 if one else size, np.float64)
    n = 0
    total_w = 0.0
    total = 0.0
    for j in range(size):
        if worth[j]:
            index[n] = j
            if one:
                lg = log_p[j] + log_g0
                total += lg
            else:
                lg = log_p[j] + math.log(gain[j])
                weights[n] = weight[j]
                total_w += weight[j]
                total += weight[j] * lg
            log_gain[n] = lg
            n += 1
    out = np.zeros(size, np.float64)
    if n == 0:
        return out
    if one:
        total_w = w0 * n
        total *= w0
    lv = (total - effort) / total_w  # over every cell: f(lv) >= 0
    m = n
    for _ in range(200):
        s = 0.0
        w_active = 0.0
        k = 0
        for j in range(m):
            if log_gain[j] > lv:
                wj = w0 if one else weights[j]
                s += wj * (log_gain[j] - lv)
                w_active += wj
                index[k] = index[j]
                log_gain[k] = log_gain[j]
                if not one:
                    weights[k] = weights[j]
                k += 1
        m = k
        f = s - effort
        if f <= 1e-12 * max(effort, 1.0) or w_active == 0.0:
            break
        step = f / w_active
        lv += step
        if step <= 1e-15 * max(1.0, abs(lv)):
            break
    for j in range(m):
        if log_gain[j] > lv:
            out[index[j]] = (w0 if one else weights[j]) * (log_gain[j] - lv)
    return out


def water_fill(
    probability: Grid, effort_m2: float, cell_area_m2: float, effectiveness: Grid | None = None
) -> Grid:
    """Optimal effort (m² swept) per cell for one kind of effort, exponential detection.

    ``effectiveness`` (0..1 per cell, default 1) scales the asset's sweep width in each cell:
    effort z there gives coverage e·z/a.
    """
    if effort_m2 <= 0:
        return np.zeros_like(probability, dtype=np.float64)
    p = np.ascontiguousarray(probability, dtype=np.float64)
    e = np.ones(1) if effectiveness is None else np.ascontiguousarray(effectiveness, dtype=np.float64)
    gain = e / cell_area_m2  # marginal detection per m² of effort at zero effort, per unit probability
    weight = np.divide(cell_area_m2, e, out=np.full_like(e, np.inf), where=e > 0)
    held = p > 0
    worth = held & (gain > 0)
    log_p = np.log(p, out=np.empty(p.shape), where=held)  # read only where held
    z = _fill(worth.ravel(), log_p.ravel(), gain.ravel(), weight.ravel(), float(effort_m2))
    return z.reshape(p.shape)


@dataclass(frozen=True)
class Allocation:
    """Effort per asset and cell (m² swept), and what it buys."""

    effort_m2: NDArray[np.float64]  # (assets, rows, cols)
    coverage: Grid  # Σ_i e_ij z_ij / a: the total coverage of each cell
    probability_of_success: float
    rounds: int


def success(probability: Grid, coverage: Grid) -> float:
    """Probability of success of searching ``coverage`` with exponential detection."""
    return float(np.sum(probability * -np.expm1(-coverage)))


def allocate(
    probability: Grid,
    efforts_m2: list[float],
    cell_area_m2: float,
    effectiveness: list[Grid | None] | None = None,
    tolerance: float = 1e-10,
    max_rounds: int = 200,
    signal: list[float] | None = None,
) -> Allocation:
    """Optimal allocation of several assets' effort (block-coordinate ascent of water-fills).

    ``signal``: for each asset, the chance the person transmits while it listens (a listening
    search hears only a transmitting person; 1, the default, for a search by sight). An asset
    detects with probability s·(1 − e^(−c)); each asset is water-filled against the probability
    the others leave, Π (1 − s_k·POD_k), and the success is Σ p·(1 − Π (1 − s_k·POD_k)). With
    every s = 1 this is the exponential law's own objective (the coverages add)."""
    checks.probability("probability", probability)
    checks.non_negative("efforts_m2", efforts_m2)
    checks.positive("cell_area_m2", cell_area_m2)
    for e in effectiveness or []:
        if e is not None:
            checks.probability("effectiveness", e)
    m = len(efforts_m2)
    chances = [1.0] * m if signal is None else [float(v) for v in signal]
    if len(chances) != m or not all(math.isfinite(v) and 0 < v <= 1 for v in chances):
        raise ValueError("signal: one probability over 0 and at most 1 for each asset")
    shape = probability.shape
    eff = [
        np.ones(shape) if e is None else np.asarray(e, dtype=np.float64)
        for e in (effectiveness or [None] * m)
    ]
    z = np.zeros((m, *shape))
    miss = [np.ones(shape) for _ in range(m)]  # 1 − s_i·POD_i: what asset i leaves undetected
    best = 0.0
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        for i in range(m):
            others = np.ones(shape)
            for k in range(m):
                if k != i:
                    others *= miss[k]
            z[i] = water_fill(probability * others, efforts_m2[i], cell_area_m2, eff[i])
            miss[i] = 1 - chances[i] * -np.expm1(-eff[i] * z[i] / cell_area_m2)
        left = np.ones(shape)
        for k in range(m):
            left *= miss[k]
        now = float(np.sum(probability * (1 - left)))
        if m == 1 or now - best <= tolerance:
            best = max(best, now)
            break
        best = now
    cov = np.sum([eff[i] * z[i] / cell_area_m2 for i in range(m)], axis=0) if m else np.zeros(shape)
    return Allocation(z, cov, best, rounds)
