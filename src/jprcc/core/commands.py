"""Commands: what a user (or the clock) asks a node to do, in imperative names.

Each capability declares its own commands (``<capability>.commands``), subclasses of ``Command``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Command:
    pass
