"""Projector tables: how a capability's events update its read models, run by the
unit of work in the transaction that appends them, and by a rebuild from the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from jprcc.core import events as ev

# --- projector tables

Projector = Callable[[Connection, Any], None]
ProjectorTable = dict[type[ev.Event], Projector]


def projects(table: ProjectorTable, event_type: type[ev.Event]) -> Callable[[Projector], Projector]:
    """Put the decorated projector for ``event_type`` into ``table`` (a capability's own)."""

    def put(fn: Projector) -> Projector:
        table[event_type] = fn
        return fn

    return put
