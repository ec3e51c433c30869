"""Checking the chain, and rebuilding read models from the log."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, create_engine, delete, select
from sqlalchemy.pool import StaticPool

from jprcc.core.contract import Registry
from jprcc.core.events import Event
from jprcc.core.ports import RecordedEvent
from jprcc.core.store.anchor import Anchor, AnchorInvalid, read_anchor
from jprcc.core.store.codec import utc
from jprcc.core.store.database import GENESIS_HASH, Database
from jprcc.core.store.event_log import EventLog, stored_hash
from jprcc.core.store.tables import chain_head, events, metadata

BATCH = 2000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    records: int
    bad_seq: int | None = None
    bad_event_id: str | None = None
    reason: str = ""


def verify_chain(database: Database, progress: Progress | None = None, anchor: Path | None = None) -> Verdict:
    """Recompute every record's keyed hash in log order and name the first that does not fit;
    then check the head (it names this node's chain key and ends where the log ends) and, given
    the node's anchor file, that the log still holds the head the node last saw."""
    prev, expected_seq, checked = GENESIS_HASH, 1, 0
    key = database.chain_key
    # the anchor is read before the log: it is written after each commit, so every record it names
    # is in any snapshot taken after it (read after, a commit landing meanwhile would be ahead)
    try:
        seen = read_anchor(anchor, key) if anchor is not None else None
    except AnchorInvalid as exc:
        return Verdict(False, 0, None, None, str(exc))
    with database.read() as conn:
        head = conn.execute(select(chain_head).where(chain_head.c.id == 1)).one()
        if head.key_id != database.key_id:
            return Verdict(
                False,
                0,
                None,
                None,
                f"the chain head names key {head.key_id or 'none'}, this node holds {database.key_id}: "
                "the log is not sealed with this node's chain key (or its head was altered)",
            )
        last = 0
        while True:
            rows = conn.execute(
                select(events).where(events.c.seq > last).order_by(events.c.seq).limit(BATCH)
            ).all()
            if not rows:
                break
            for r in rows:
                bad = _check(key, r, prev, expected_seq)
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
        if seen is not None:
            return _against_anchor(conn, seen, checked)
    return Verdict(True, checked)


def _against_anchor(conn: Any, seen: Anchor, checked: int) -> Verdict:
    found = conn.execute(select(events.c.hash).where(events.c.seq == seen.seq)).scalar()
    if found is None:
        return Verdict(
            False,
            checked,
            seen.seq,
            None,
            f"the node saw the log reach record {seen.seq} (at {seen.at}), the log now ends at record "
            f"{checked}: {seen.seq - checked} records were removed from the end and the head moved back",
        )
    if found != seen.hash:
        return Verdict(
            False,
            checked,
            seen.seq,
            None,
            f"record {seen.seq} is not the record the node saw there (at {seen.at}): the log was "
            "rewritten from there on",
        )
    return Verdict(True, checked)


def _check(key: bytes, row: Row[Any], prev: str, expected_seq: int) -> str:
    if row.seq != expected_seq:
        return f"sequence gap: expected {expected_seq}, found {row.seq}"
    if row.prev_hash != prev:
        return "prev_hash does not match the hash of the record before it"
    digest = stored_hash(key, prev, row)
    if not hmac.compare_digest(digest, row.hash):
        return "content does not match its sealed hash (the record was altered)"
    return ""


def rebuild_read_models(database: Database, registry: Registry, progress: Progress | None = None) -> int:
    """Empty every read model and replay the whole log into it, in one transaction.

    Events are projected one by one (``on_event``); the states of the streams (incidents) are
    folded along and projected once each, at the end (``on_state``), as the unit of work does."""
    with database.write() as conn:
        replayed = replay(conn, registry, progress)
        conn.commit()
    return replayed


def read_models_match_rebuild(
    database: Database, registry: Registry, tables: Sequence[str] | None = None
) -> list[str]:
    """Whether the read models (all, or those named) hold what a replay of the log gives. The log
    is replayed into a scratch store in memory, from one snapshot of the store (no write is held
    up), and each table compared row by row with the store's in the same snapshot. Returns one line
    per table that differs (empty: they all match)."""
    compared = [t for t in registry.rebuilt_tables() if tables is None or t.name in tables]
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with scratch.begin() as target:
            for table in {*metadata.sorted_tables, *registry.rebuilt_tables()}:
                table.create(target, checkfirst=True)
        with database.snapshot() as conn, scratch.begin() as target:
            replay(target, registry, None, source=EventLog(conn, "", registry.event_types).read())
            differences = []
            for t in compared:
                stored, replayed = _rows(conn, t), _rows(target, t)
                if stored != replayed:
                    extra = [r for r in stored if r not in replayed]
                    missing = [r for r in replayed if r not in stored]
                    differences.append(
                        f"{t.name}: {len(extra)} rows not as the log gives them, {len(missing)} rows of "
                        "the log's missing"
                        + (f" (first: {str((extra or missing)[0])[:160]})" if extra or missing else "")
                    )
    finally:
        scratch.dispose()
    return differences


def _rows(conn: Any, table: Any) -> list[tuple[Any, ...]]:
    def plain(v: Any) -> Any:
        return utc(v) if isinstance(v, datetime) else v

    rows = [tuple(plain(v) for v in r) for r in conn.execute(select(table))]
    return sorted(rows, key=repr)


def replay(
    conn: Any, registry: Registry, progress: Progress | None, source: Iterable[RecordedEvent] | None = None
) -> int:
    """Empty the read models on ``conn`` and project the log into them (``source``: the records to
    project, default the log on ``conn``)."""
    replayed = 0
    for table in reversed(registry.rebuilt_tables()):
        conn.execute(delete(table))
    states: dict[str, Any] = {}
    touched: dict[str, list[Event]] = {}
    for recorded in source if source is not None else EventLog(conn, "", registry.event_types).read():
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
