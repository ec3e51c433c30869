"""What this process last wrote of a read model, by key and stream version, once committed.

A projection that rewrites rows derived from one stream's state alone (an incident's turns, the
components it involves, its relationships' ends) would otherwise read those rows back, or delete
and insert them, on every command, to find out whether they changed. It asks here first: "the
rows of ``model`` for ``key`` as they stood at version ``v``", where ``v`` is the version the
stream had before this command's events. A remembered value is trusted only

- for the very version asked for: another process's commit moves the stream's version, and what
  this process remembers of an older one is then never used;
- once its transaction committed: what a transaction remembers is pending on its connection
  until the unit of work commits, and dropped when it rolls back.

The rows at a version are the same whoever wrote them, so a rebuild changes nothing that is
remembered. Connections outside a unit of work (the rebuild, the check, migrations) have nothing
attached, so their projections always read and write the rows themselves. The values remembered
are immutable (tuples, frozensets); the memory is bounded (least recently used keys go first).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import Connection

_MEMORY = "jprcc.written"
_PENDING = "jprcc.written.pending"


class Written:
    """The process's memory of committed read-model rows (one per store)."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._known: OrderedDict[tuple[str, str], tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def attach(self, conn: Connection) -> None:
        """A unit of work begins on ``conn``: its projections may ask and tell."""
        info = conn.info
        info[_MEMORY] = self
        info[_PENDING] = {}

    def detach(self, conn: Connection, *, committed: bool) -> None:
        """The unit of work on ``conn`` ends: what it told is known now if it committed."""
        info = conn.info
        pending: dict[tuple[str, str], tuple[int, Any]] = info.pop(_PENDING, {})
        info.pop(_MEMORY, None)
        if not committed or not pending:
            return
        with self._lock:
            for key, value in pending.items():
                self._known[key] = value
                self._known.move_to_end(key)
            while len(self._known) > self.capacity:
                self._known.popitem(last=False)

    def forget(self) -> None:
        with self._lock:
            self._known.clear()

    def _get(self, key: tuple[str, str]) -> tuple[int, Any] | None:
        return self._known.get(key)


def recall(conn: Connection, model: str, key: str, version: int) -> Any | None:
    """The rows of ``model`` for ``key`` as they stood at stream version ``version``, if this
    process wrote them (in a committed transaction, or earlier in this one); None if unknown."""
    info = conn.info
    memory: Written | None = info.get(_MEMORY)
    if memory is None:
        return None
    found = info[_PENDING].get((model, key)) or memory._get((model, key))
    if found is not None and found[0] == version:
        memory.hits += 1
        return found[1]
    memory.misses += 1
    return None


def remember(conn: Connection, model: str, key: str, version: int, value: Any) -> None:
    """The rows of ``model`` for ``key`` are ``value`` at ``version`` (an immutable value), once
    this transaction commits."""
    info = conn.info
    if _MEMORY in info:
        info[_PENDING][(model, key)] = (version, value)


class States:
    """The states of streams as this process's units of work committed them, each handed to the
    next unit of work on its stream, which then folds nothing and decodes no stored document.

    A state is mutable: the unit of work that takes one applies its new events to it in place. So
    a state is handed over only

    - for the version the store holds: the unit of work reads the stream's stored version first,
      and a state kept at another (another process wrote since) is dropped;
    - to one unit of work, and only while nothing else holds it: a command's answer is built from
      the same object, and a state some caller still holds is left to that caller (the unit of work
      decodes its own copy instead);
    - once committed: a unit of work takes back what it keeps here before it applies new events,
      and keeps it again only when its transaction commits; a rollback leaves nothing here.
    """

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def keep(self, stream_id: str, version: int, state: Any) -> None:
        """``state`` is the stream's state at ``version``, committed."""
        with self._lock:
            self._kept[stream_id] = (version, state)
            self._kept.move_to_end(stream_id)
            while len(self._kept) > self.capacity:
                self._kept.popitem(last=False)

    def take(self, stream_id: str, version: int) -> Any | None:
        """The stream's state at ``version``, now the caller's alone; None if this process keeps
        none at that version, or some caller still holds the one it kept."""
        with self._lock:
            kept = self._kept.pop(stream_id, None)
        # (the popped pair's reference and getrefcount's own argument: no one else's)
        if kept is None or kept[0] != version or sys.getrefcount(kept[1]) > 2:
            self.misses += 1
            return None
        self.hits += 1
        return kept[1]

    def release(self, stream_id: str, state: Any) -> None:
        """``state`` is about to change uncommitted: it is no longer kept for others to take."""
        with self._lock:
            kept = self._kept.get(stream_id)
            if kept is not None and kept[1] is state:
                del self._kept[stream_id]
