"""Checking the chain, and rebuilding read models from the log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, select

from jprcc.domain import events as ev
from jprcc.domain.evolution import apply, start
from jprcc.domain.incident import Incident
from jprcc.store.codec import utc
from jprcc.store.database import GENESIS_HASH, Database
from jprcc.store.event_log import EventLog, chain_hash
from jprcc.store.projections import project_event, project_incident
from jprcc.store.tables import READ_MODELS, chain_head, events

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


def rebuild_read_models(database: Database, progress: Progress | None = None) -> int:
    """Empty every read model and replay the whole log into it, in one transaction."""
    replayed = 0
    with database.write() as conn:
        for table in reversed(READ_MODELS):
            conn.execute(delete(table))
        state: dict[str, Incident] = {}
        touched: dict[str, list[ev.Event]] = {}
        for recorded in EventLog(conn, "").read():
            e = recorded.event
            if isinstance(e, ev.IncidentReported):
                state[e.incident_id] = start(e)
                touched.setdefault(e.incident_id, []).append(e)
            elif isinstance(e, ev.IncidentEvent):
                apply(state[e.incident_id], e)
                touched.setdefault(e.incident_id, []).append(e)
            project_event(conn, e)  # incident events with a table of their own, too
            replayed += 1
            if progress and replayed % BATCH == 0:
                progress(BATCH)
        for incident_id, changes in touched.items():
            project_incident(conn, state[incident_id], changes)
        conn.commit()
    return replayed
