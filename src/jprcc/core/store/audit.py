"""Checking the chain, and rebuilding read models from the log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select

from jprcc.core.contract import Registry
from jprcc.core.events import Event
from jprcc.core.store.codec import utc
from jprcc.core.store.database import GENESIS_HASH, Database
from jprcc.core.store.event_log import EventLog, chain_hash
from jprcc.core.store.tables import chain_head, events

BATCH = 2000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    records: int
    bad_seq: int | None = None
    bad_event_id: str | None = None
    reason: str = ""


def verify_chain(database: Database, progress: Progress | None = None) -> Verdict:
    """Recompute every hash in log order; name the first record that does not fit."""
    prev, expected_seq, checked = GENESIS_HASH, 1, 0
    with database.read() as conn:
        head = conn.execute(select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)).one()
        last = 0
        while True:
            rows = conn.execute(
                select(events).where(events.c.seq > last).order_by(events.c.seq).limit(BATCH)
            ).all()
            if not rows:
                break
            for r in rows:
                bad = _check(r, prev, expected_seq)
                if bad:
                    return Verdict(False, checked, r.seq, r.event_id, bad)
                prev, expected_seq, last = r.hash, r.seq + 1, r.seq
                checked += 1
            if progress:
                progress(len(rows))
    if head.seq != checked or head.hash != prev:
        return Verdict(
            False,
            checked,
            head.seq,
            None,
            f"chain head says {head.seq} records ending {head.hash[:12]}…, the log has {checked} "
            f"ending {prev[:12]}… (records removed from the end?)",
        )
    return Verdict(True, checked)


def _check(row: Row[Any], prev: str, expected_seq: int) -> str:
    if row.seq != expected_seq:
        return f"sequence gap: expected {expected_seq}, found {row.seq}"
    if row.prev_hash != prev:
        return "prev_hash does not match the hash of the record before it"
    digest = chain_hash(
        prev,
        seq=row.seq,
        event_id=row.event_id,
        node_id=row.node_id,
        stream_id=row.stream_id,
        stream_version=row.stream_version,
        event_type=row.event_type,
        recorded_at=utc(row.recorded_at),
        actor=row.actor,
        payload=row.payload,
    )
    if digest != row.hash:
        return "content does not match its hash (the record was altered)"
    return ""


def rebuild_read_models(database: Database, registry: Registry, progress: Progress | None = None) -> int:
    """Empty every read model and replay the whole log into it, in one transaction.

    Events are projected one by one (``on_event``); the states of the streams (incidents) are
    folded along and projected once each, at the end (``on_state``), as the unit of work does."""
    with database.write() as conn:
        replayed = _replay(conn, registry, progress)
        conn.commit()
    return replayed


def read_models_match_rebuild(database: Database, registry: Registry) -> list[str]:
    """Whether every read model holds what a replay of the log gives: the rebuild is made in a
    write transaction that is then rolled back, and each table compared row by row. Returns one
    line per table that differs (empty: they all match)."""
    differences = []
    with database.write() as conn:
        tables = registry.rebuilt_tables()
        before = {t.name: _rows(conn, t) for t in tables}
        _replay(conn, registry, None)
        for t in tables:
            after = _rows(conn, t)
            if after != before[t.name]:
                extra = [r for r in before[t.name] if r not in after]
                missing = [r for r in after if r not in before[t.name]]
                differences.append(
                    f"{t.name}: {len(extra)} rows not as the log gives them, {len(missing)} rows of the "
                    f"log's missing"
                    + (f" (first: {str((extra or missing)[0])[:160]})" if extra or missing else "")
                )
        conn.rollback()
    return differences


def _rows(conn: Any, table: Any) -> list[tuple[Any, ...]]:
    def plain(v: Any) -> Any:
        return utc(v) if isinstance(v, datetime) else v

    rows = [tuple(plain(v) for v in r) for r in conn.execute(select(table))]
    return sorted(rows, key=repr)


def _replay(conn: Any, registry: Registry, progress: Progress | None) -> int:
    replayed = 0
    for table in reversed(registry.rebuilt_tables()):
        conn.execute(delete(table))
    states: dict[str, Any] = {}
    touched: dict[str, list[Event]] = {}
    for recorded in EventLog(conn, "", registry.event_types).read():
        e, kind = recorded.event, registry.stream_kind(recorded.stream_id)
        if kind in registry.streams:
            stream = registry.streams[kind]
            if isinstance(e, stream.starts):
                states[recorded.stream_id] = stream.start(e)
            else:
                registry.apply(kind, states[recorded.stream_id], e)
            touched.setdefault(recorded.stream_id, []).append(e)
        for project in registry.on_event.get(type(e), ()):
            project(conn, e)
        for project_all in registry.on_events.get(type(e), ()):
            project_all(conn, [e])
        replayed += 1
        if progress and replayed % BATCH == 0:
            progress(BATCH)
    for stream_id, changes in touched.items():
        for project_state in registry.on_state.get(registry.stream_kind(stream_id), ()):
            project_state(conn, states[stream_id], changes)
    return replayed
