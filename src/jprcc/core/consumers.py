"""Durable consumers of the event log: adapters (TAK out, federation, publishing) and projections
that live outside the write transaction.

A consumer has a **name** and a **cursor** — the sequence number of the last event it has handled
— stored in the ``consumer_cursors`` table. The ``Dispatcher`` runs every consumer of the node:

- after each commit (the bus calls it as a subscriber), it wakes its worker thread, which hands
  each consumer the events after its cursor, in log order, in batches, then moves the cursor;
- at start-up it catches every consumer up from its cursor (a new consumer starts at the
  beginning of the log, or at its end if it says ``start="end"``);
- a consumer is held by one process at a time through a lease on its cursor row (compare and
  set), so that several server processes on PostgreSQL do not deliver twice over each other.

Delivery is **at least once**: a process killed between handling a batch and moving the cursor
hands that batch over again when it comes back. Consumers are therefore idempotent **by event
id** (an upsert keyed by it, or a check against what they already sent). A consumer that only
writes to this store may set ``transactional=True``: its batch and its cursor then commit
together, in one write transaction, and nothing is ever handed over twice.

A consumer that raises is retried on the next wake-up from the same cursor, with a back-off;
it never stops the others, and never undoes a command that was committed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from jprcc.core.contract import ConsumerSpec
from jprcc.core.ports import RecordedEvent
from jprcc.core.store.database import Database
from jprcc.core.store.event_log import EventLog
from jprcc.core.store.tables import consumer_cursors, events

log = logging.getLogger("jprcc.consumers")

LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class Cursor:
    name: str
    seq: int
    owner: str | None
    lease_until: datetime | None
    updated_at: datetime


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Dispatcher:
    """Runs a node's durable consumers: after commit, at start-up, and when told to ``drain``."""

    def __init__(
        self,
        database: Database,
        event_types: Any,
        consumers: Sequence[ConsumerSpec],
        *,
        owner: str | None = None,
        retry_s: float = 2.0,
        lease_s: float = LEASE.total_seconds(),
        gather_s: float = 0.2,
    ) -> None:
        self.database = database
        self.event_types = event_types
        self.consumers = list(consumers)
        self.owner = owner or f"{uuid.uuid4()}"
        self.retry_s = retry_s
        self._leased = False  # whether this dispatcher ever took a lease (then it hands them back)
        self.lease = timedelta(seconds=lease_s)
        self.gather_s = gather_s
        self._last_pass = 0.0
        # the cursors this process holds, as it last left them: (seq, lease until); a lease with
        # more than half its time left is used without asking the store again
        self._held: dict[str, tuple[int, datetime]] = {}
        # the consumers another process held when last asked: not asked for again before this
        # (monotonic) time, however many commits wake this one meanwhile
        self._elsewhere: dict[str, float] = {}
        self.recheck_s = min(retry_s, lease_s / 4)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one pass at a time in this process
        self._thread: threading.Thread | None = None
        self._failed_at: dict[str, float] = {}

    def add(self, consumer: ConsumerSpec) -> None:
        """A consumer a service brings when it is configured (an adapter with somewhere to send),
        added before ``start``."""
        if any(c.name == consumer.name for c in self.consumers):
            raise ValueError(f"consumer {consumer.name} is added twice")
        self.consumers.append(consumer)

    # --- the bus's subscriber ---------------------------------------------------------------

    def __call__(self, recorded: list[RecordedEvent]) -> None:
        """Called after every commit: wake the worker (never run consumers in the command's thread)."""
        if not self._wake.is_set():  # (set, its pass is still to come, and reads this commit: the
            self._wake.set()  # flag is cleared before the log is read; setting it again would
            # take its lock and notify no one)

    def wake(self) -> None:
        """Look at the log now (another process committed)."""
        self._wake.set()

    # --- running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Catch every consumer up, then keep them up in a background thread."""
        if not self.consumers or self._thread is not None:
            return
        self._stop.clear()
        self._wake.set()
        self._thread = threading.Thread(target=self._run, name="jprcc-consumers", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._release_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._wake.wait(timeout=self.retry_s) and self.gather_s:
                # a commit after a quiet spell is handed over at once; under load, passes come at
                # most every ``gather_s``, so that a burst of commands costs the consumers one read
                # and one cursor move per pass, not one each
                self._stop.wait(self._last_pass + self.gather_s - time.monotonic())
            self._wake.clear()
            self._last_pass = time.monotonic()
            if self._stop.is_set():
                break
            try:
                if self.drain():
                    self._wake.set()  # more to do (a batch limit was reached)
            except Exception:  # the store is down: try again later
                log.exception("consumer pass failed")

    def drain(self, max_batches: int | None = None) -> bool:
        """Hand every consumer what it has not had yet; True if some were stopped by the limit."""
        self._leased = True
        more = False
        with self._lock:
            for spec in self.consumers:
                if self._stop.is_set() and self._thread is not None:
                    break
                if time.monotonic() - self._failed_at.get(spec.name, -1e9) < self.retry_s:
                    more = True
                    continue
                try:
                    more |= self._catch_up(spec, max_batches)
                    self._failed_at.pop(spec.name, None)
                except Exception:
                    self._failed_at[spec.name] = time.monotonic()
                    log.exception(
                        "consumer failed; it will be retried from its cursor", extra={"consumer": spec.name}
                    )
        return more

    def _catch_up(self, spec: ConsumerSpec, max_batches: int | None) -> bool:
        cursor = self._claim(spec)
        if cursor is None:
            return False  # another process holds it
        seq, batches = cursor.seq, 0
        names = None if spec.event_types is None else sorted({t.type_name for t in spec.event_types})
        while max_batches is None or batches < max_batches:
            found, last = self._next_batch(spec, seq, names)
            if last <= seq:
                return False
            self._moved(spec.name, None)  # until this batch's cursor move is committed
            if spec.transactional:  # its batch writes read models: in a command's turn
                with self.database.write() as conn:
                    if found:
                        spec.handle(found, conn)
                    if not self._advance(conn, spec.name, seq, last):
                        conn.rollback()
                        return False
                    conn.commit()
            else:
                if found:
                    spec.handle(found, None)
                with self.database.write(chain=False) as conn:
                    moved = self._advance(conn, spec.name, seq, last)
                    conn.commit()
                if not moved:
                    return False
            self._moved(spec.name, last)
            seq, batches = last, batches + 1
            if len(found) < spec.batch:
                # caught up with the log as it was read: what committed since woke the next pass
                # (under steady load, going round again at once chased the head without end,
                # three round trips a time, dozens of times a second)
                return False
        return True

    def _next_batch(self, spec: ConsumerSpec, seq: int, names: list[str] | None) -> tuple[list[Any], int]:
        """The events after ``seq`` that ``spec`` handles, and the cursor after them: the last one
        read, or, for a consumer of some types only, the log's head once none of its types are left
        (every record up to a head it read has committed: the head moves under the chain's lock)."""
        with self.database.read() as conn:
            log = EventLog(conn, "", self.event_types)
            if names is None:
                found = list(log.read(after_seq=seq, limit=spec.batch))
                return found, found[-1].seq if found else seq
            head = _last_seq(conn)
            found = list(log.read(after_seq=seq, limit=spec.batch, only_types=names, until_seq=head))
        return found, found[-1].seq if len(found) == spec.batch else head

    # --- cursors ----------------------------------------------------------------------------

    def _claim(self, spec: ConsumerSpec) -> Cursor | None:
        """Take (or renew) this process's lease on the consumer; None if another holds it. A lease
        this process took or renewed less than half its time ago is not asked for again."""
        now = datetime.now(UTC)
        held = self._held.get(spec.name)
        if held is not None and held[1] - now > self.lease / 2:
            return Cursor(spec.name, held[0], self.owner, held[1], now)
        self._held.pop(spec.name, None)
        if time.monotonic() < self._elsewhere.get(spec.name, 0.0):
            return None  # held by another process a moment ago
        c = consumer_cursors.c
        with self.database.write(chain=False) as conn:
            row = conn.execute(select(consumer_cursors).where(c.name == spec.name)).first()
            if row is None:
                start = 0 if spec.start == "beginning" else _last_seq(conn)
                try:
                    conn.execute(
                        insert(consumer_cursors).values(
                            name=spec.name,
                            seq=start,
                            owner=self.owner,
                            lease_until=now + self.lease,
                            updated_at=now,
                        )
                    )
                    conn.commit()
                except IntegrityError:  # another process made it first (no chain head orders us)
                    conn.rollback()
                    self._held_elsewhere(spec)
                    return None
                self._held[spec.name] = (start, now + self.lease)
                return Cursor(spec.name, start, self.owner, now + self.lease, now)
            claimed = conn.execute(
                update(consumer_cursors)
                .where(
                    c.name == spec.name, or_(c.owner.is_(None), c.owner == self.owner, c.lease_until < now)
                )
                .values(owner=self.owner, lease_until=now + self.lease)
            )
            conn.commit()
            if claimed.rowcount != 1:
                self._held_elsewhere(spec)
                return None
            self._elsewhere.pop(spec.name, None)
            self._held[spec.name] = (int(row.seq), now + self.lease)
            return Cursor(spec.name, int(row.seq), self.owner, now + self.lease, _utc(row.updated_at) or now)

    def _held_elsewhere(self, spec: ConsumerSpec) -> None:
        """Another process holds the consumer: ask again in ``recheck_s`` (a lease it lets go, or
        that runs out, is taken then), not at every commit that wakes this process: with N
        processes, each commit would otherwise cost N - 1 write transactions per consumer."""
        self._elsewhere[spec.name] = time.monotonic() + self.recheck_s

    def _advance(self, conn: Connection, name: str, old: int, new: int) -> bool:
        """Move the cursor from ``old`` to ``new`` if it is still ours and still at ``old``."""
        c = consumer_cursors.c
        now = datetime.now(UTC)
        moved = conn.execute(
            update(consumer_cursors)
            .where(c.name == name, c.seq == old, c.owner == self.owner)
            .values(seq=new, updated_at=now, lease_until=now + self.lease)
        )
        return moved.rowcount == 1

    def _moved(self, name: str, new: int | None) -> None:
        """After a cursor move committed (``new``), or did not (None: ask the store next time)."""
        if new is None:
            self._held.pop(name, None)
        else:
            self._held[name] = (new, datetime.now(UTC) - timedelta(seconds=1) + self.lease)

    def _release_all(self) -> None:
        names = [s.name for s in self.consumers]
        self._held.clear()
        if not names or not self._leased:
            return
        try:
            with self.database.write(chain=False) as conn:
                c = consumer_cursors.c
                conn.execute(
                    update(consumer_cursors)
                    .where(c.name.in_(names), c.owner == self.owner)
                    .values(owner=None, lease_until=None)
                )
                conn.commit()
        except Exception:
            log.exception("could not release the consumers' leases")

    def cursors(self) -> list[Cursor]:
        with self.database.read() as conn:
            rows = conn.execute(select(consumer_cursors).order_by(consumer_cursors.c.name))
            return [
                Cursor(
                    r.name, int(r.seq), r.owner, _utc(r.lease_until), _utc(r.updated_at) or datetime.now(UTC)
                )
                for r in rows
            ]


def _last_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())
