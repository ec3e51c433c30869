"""Reading an incident's case narrative: pages of its entries, and the latest page kept in memory.

Every answer to a command on an incident carries the latest ``NARRATIVE_SHOWN`` entries of its
narrative. Entries are only ever appended, each with its ordinal (``PR-RAVEN21/L7`` is the 7th),
and never change once written, so the process keeps each incident's latest page and, for the
next answer, reads only the entries written since: one row after a narrative entry, none after
any other command; an entry this process commits is added to the page it follows as the bus
publishes it, so its own answer reads nothing. An answer asks for the page up to the count of
entries its own state has, so it shows exactly its own command's narrative, not an entry another
writer committed after it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select

from jprcc.brokering.events import NarrativeEntryAdded
from jprcc.brokering.incident import NarrativeEntry, narrative_ordinal
from jprcc.core.ports import RecordedEvent
from jprcc.core.store.codec import utc
from jprcc.core.store.tables import incident_narrative

_N = incident_narrative.c
_PAGE = (
    select(_N.entry_id, _N.author, _N.at, _N.text)
    .where(_N.incident_id == bindparam("iid"), _N.n < bindparam("before"), _N.at <= bindparam("until"))
    .order_by(_N.n.desc())
    .limit(bindparam("limit"))
)
NARRATIVE_SHOWN = 100
"""Narrative entries an incident's page and answers carry: the latest; the rest on request."""
NEWEST = 2**31 - 1
"""``before`` for the newest entries (the ordinal is a 32-bit INTEGER on PostgreSQL)."""
_EVER = datetime.max.replace(tzinfo=UTC)


def read_page(
    conn: Any,
    incident_id: str,
    *,
    before: int = NEWEST,
    limit: int = NARRATIVE_SHOWN,
    until: datetime | None = None,
) -> list[NarrativeEntry]:
    """The latest ``limit`` entries before the ``before``-th (written by ``until``), oldest first."""
    found = conn.execute(
        _PAGE, {"iid": incident_id, "before": before, "until": until or _EVER, "limit": limit}
    )
    return [NarrativeEntry(r.entry_id, r.author, utc(r.at), r.text) for r in found][::-1]


class LatestPages:
    """Each incident's latest page of entries as this process last read it (bounded: the
    incidents least recently answered go first)."""

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[str, tuple[int, tuple[NarrativeEntry, ...]]] = OrderedDict()
        self._lock = threading.Lock()
        self.rows_read = 0

    def __call__(self, recorded: list[RecordedEvent]) -> None:
        """The bus's subscriber: entries this process just committed extend the pages they
        follow, so that the command's own answer reads nothing."""
        for r in recorded:
            e = r.event
            if not isinstance(e, NarrativeEntryAdded):
                continue
            n = narrative_ordinal(e.entry_id)
            with self._lock:
                kept = self._pages.get(e.incident_id)
                if kept is not None and kept[0] == n - 1:
                    entry = NarrativeEntry(e.entry_id, e.author, e.at, e.text)
                    self._pages[e.incident_id] = (n, (*kept[1], entry)[-NARRATIVE_SHOWN:])

    def latest(
        self, read: Callable[[], AbstractContextManager[Any]], incident_id: str, count: int
    ) -> list[NarrativeEntry]:
        """The latest ``NARRATIVE_SHOWN`` of the incident's first ``count`` entries, oldest first;
        ``read`` opens a read transaction, only when there are entries to read."""
        with self._lock:
            kept = self._pages.get(incident_id)
        if kept is not None and kept[0] == count:
            return list(kept[1])
        with read() as conn:
            if kept is not None and kept[0] < count and count - kept[0] <= NARRATIVE_SHOWN:
                new = read_page(conn, incident_id, before=count + 1, limit=count - kept[0])
                page = (kept[1] + tuple(new))[-NARRATIVE_SHOWN:]
            else:
                new = read_page(conn, incident_id, before=count + 1)
                page = tuple(new)
        self.rows_read += len(new)
        with self._lock:
            now = self._pages.get(incident_id)
            if now is None or now[0] <= count:  # (an answer of an older count keeps the newer page)
                self._pages[incident_id] = (count, page)
                self._pages.move_to_end(incident_id)
                while len(self._pages) > self.capacity:
                    self._pages.popitem(last=False)
        return list(page)
