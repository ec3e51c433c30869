"""Argument checks for the search numerics: a NaN or an infinity in, or a probability outside
[0, 1], is refused with the argument's name, instead of coming out as a NaN or a POS of 0.

Each raises ``ValueError`` (the numerics know nothing of the service's errors; the service turns
it into a refusal that names the field).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def finite(name: str, value: Any) -> None:
    """Every value finite."""
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite numbers (got {_first_bad(array)})")


def non_negative(name: str, value: Any) -> None:
    """Every value finite and at least 0."""
    finite(name, value)
    if np.any(np.asarray(value, dtype=np.float64) < 0):
        raise ValueError(f"{name} must not be negative")


def positive(name: str, value: Any) -> None:
    """Every value finite and above 0."""
    finite(name, value)
    if np.any(np.asarray(value, dtype=np.float64) <= 0):
        raise ValueError(f"{name} must be positive")


def probability(name: str, value: Any) -> None:
    """Every value a probability: finite, in [0, 1]."""
    finite(name, value)
    array = np.asarray(value, dtype=np.float64)
    if np.any((array < 0) | (array > 1)):
        raise ValueError(f"{name} must lie in [0, 1]")


def _first_bad(array: np.ndarray) -> str:
    flat = array.ravel()
    bad = flat[~np.isfinite(flat)]
    return str(bad[0]) if bad.size else "?"
