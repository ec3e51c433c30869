"""Where to spend search effort: the optimal allocation, and the search areas that carry it out.

Detection follows the random-search (exponential) law: effort ``z`` (area swept, m²) spread over a
cell of area ``a`` detects a person in it with probability ``1 − exp(−z/a)``. For one kind of
effort the allocation that maximises the probability of success is the Charnes–Cooper / Stone
"water-filling" solution (Stone, *Theory of Optimal Search*, 1975, §2.2; Charnes & Cooper 1958):
there is a level λ such that every searched cell is searched until its posterior density is λ,
and no unsearched cell has a density above λ:

    z_j = a · max(0, ln(d_j / λ)),   d_j = p_j / a,   Σ z_j = Z.

``level`` finds ln λ by Newton's method on the convex, piecewise-linear function
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
def _compact(
    probability: NDArray[np.float64], gain: NDArray[np.float64], weight: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The cells worth searching: index, ln of the marginal gain at zero effort, and the effort
    per unit of coverage there (flattened)."""
    p = probability.ravel()
    g = gain.ravel()  # one value serves every cell
    w = weight.ravel()
    one = g.size == 1
    n = 0
    for j in range(p.size):
        if p[j] > 0.0 and g[0 if one else j] > 0.0:
            n += 1
    index = np.empty(n, np.int64)
    log_gain = np.empty(n, np.float64)
    weights = np.empty(n, np.float64)
    k = 0
    for j in range(p.size):
        jj = 0 if one else j
        if p[j] > 0.0 and g[jj] > 0.0:
            index[k] = j
            log_gain[k] = math.log(p[j] * g[jj])
            weights[k] = w[jj]
            k += 1
    return index, log_gain, weights


@numba.njit(cache=True, nogil=True, fastmath=True)
def level(log_gain: NDArray[np.float64], weights: NDArray[np.float64], effort: float) -> float:
    """ln λ such that Σ_{g_j > L} w_j (g_j − L) = effort (see the module docstring)."""
    n = log_gain.size
    total_w = 0.0
    total = 0.0
    for j in range(n):
        total_w += weights[j]
        total += weights[j] * log_gain[j]
    lv = (total - effort) / total_w  # over every cell: f(lv) >= 0
    for _ in range(200):
        s = 0.0
        w_active = 0.0
        for j in range(n):
            if log_gain[j] > lv:
                s += weights[j] * (log_gain[j] - lv)
                w_active += weights[j]
        f = s - effort
        if f <= 1e-12 * max(effort, 1.0) or w_active == 0.0:
            break
        step = f / w_active
        lv += step
        if step <= 1e-15 * max(1.0, abs(lv)):
            break
    return lv


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
    index, log_gain, weights = _compact(p, gain, weight)
    out = np.zeros(p.size, dtype=np.float64)
    if index.size:
        lv = level(log_gain, weights, float(effort_m2))
        out[index] = weights * np.maximum(0.0, log_gain - lv)
    return out.reshape(p.shape)


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
) -> Allocation:
    """Optimal allocation of several assets' effort (block-coordinate ascent of water-fills)."""
    checks.probability("probability", probability)
    checks.non_negative("efforts_m2", efforts_m2)
    checks.positive("cell_area_m2", cell_area_m2)
    for e in effectiveness or []:
        if e is not None:
            checks.probability("effectiveness", e)
    m = len(efforts_m2)
    shape = probability.shape
    eff = [
        np.ones(shape) if e is None else np.asarray(e, dtype=np.float64)
        for e in (effectiveness or [None] * m)
    ]
    z = np.zeros((m, *shape))
    cov = np.zeros(shape)
    best = 0.0
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        for i in range(m):
            cov -= eff[i] * z[i] / cell_area_m2
            left = probability * np.exp(-cov)
            z[i] = water_fill(left, efforts_m2[i], cell_area_m2, eff[i])
            cov += eff[i] * z[i] / cell_area_m2
        now = success(probability, cov)
        if m == 1 or now - best <= tolerance:
            best = max(best, now)
            break
        best = now
    return Allocation(z, cov, best, rounds)
