"""The records' read models: the ISOPREP index and sealed content, EPAs, attempts."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from jprcc.core.store.projections import ProjectorTable, projects
from jprcc.core.store.tables import (
    auth_attempts,
    epa_plans,
    isoprep_records,
)
from jprcc.records import events as rec

# --- isolated-personnel records

RECORDS: ProjectorTable = {}


@projects(RECORDS, rec.IsoprepRecorded)
def _isoprep(conn: Connection, e: rec.IsoprepRecorded) -> None:
    values = {
        "person_ref": e.person_ref,
        "name": e.name,
        "service": e.service,
        "unit": e.unit,
        "component_id": e.component_id,
        "review_date": e.review_date,
        "complete": e.complete,
        "sealed": e.sealed,
        "answer_hashes": json.dumps(list(e.answer_hashes)),
        "number_hash": e.number_hash,
        "recorded_at": e.at,
    }
    row = isoprep_records.c
    # a review keeps the failure counts and the lock: only the director's unlock clears them
    done = conn.execute(update(isoprep_records).where(row.person_ref == e.person_ref).values(**values))
    if done.rowcount == 0:
        conn.execute(
            insert(isoprep_records).values(**values, failures=0, failures_by_item="{}", locked=False)
        )


@projects(RECORDS, rec.EpaFiled)
def _epa(conn: Connection, e: rec.EpaFiled) -> None:
    key = (epa_plans.c.person_ref == e.person_ref) & (epa_plans.c.mission_id == e.mission_id)
    conn.execute(delete(epa_plans).where(key))
    conn.execute(
        insert(epa_plans).values(
            person_ref=e.person_ref,
            mission_id=e.mission_id,
            valid_from=e.valid_from,
            valid_to=e.valid_to,
            sealed=e.sealed,
        )
    )


@projects(RECORDS, rec.AuthenticationAttempted)
def _attempt(conn: Connection, e: rec.AuthenticationAttempted) -> None:
    conn.execute(
        insert(auth_attempts).values(person_ref=e.person_ref, asked_by=e.asked_by, at=e.at, matched=e.matched)
    )
    row = isoprep_records.c
    found = conn.execute(select(row.failures_by_item).where(row.person_ref == e.person_ref)).scalar()
    counts: dict[str, int] = json.loads(found or "{}")
    item = "number" if e.statement is None else str(e.statement)
    counts[item] = 0 if e.matched else counts.get(item, 0) + 1
    values: dict[str, Any] = {"failures": max(counts.values()), "failures_by_item": json.dumps(counts)}
    if e.locked:
        values["locked"] = True
    conn.execute(update(isoprep_records).where(row.person_ref == e.person_ref).values(**values))


@projects(RECORDS, rec.RecordUnlocked)
def _unlocked(conn: Connection, e: rec.RecordUnlocked) -> None:
    conn.execute(
        update(isoprep_records)
        .where(isoprep_records.c.person_ref == e.person_ref)
        .values(failures=0, locked=False)
    )
