"""The journey's read models, kept in the write transaction: one row per person (the
reintegration board, with the journey as a document) and one case file per incident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from jprcc.brokering import events as incident_events
from jprcc.brokering.incident import Incident
from jprcc.core.store.codec import decode_document, decode_incident, encode_document, utc
from jprcc.core.store.direct import Direct
from jprcc.core.store.tables import casefiles, incident_documents, person_journeys
from jprcc.core.store.upsert import upsert
from jprcc.journey.board import standing
from jprcc.journey.model import Casefile, Journey


def person_row(incident: Incident, person_id: str, journey: Journey | None, at: Any) -> dict[str, Any]:
    p = incident.persons[person_id]
    closed = incident.disposition.value if incident.disposition is not None and not incident.is_open else None
    s = standing(p, journey, incident.detaining_party, closed)
    return {
        "person_id": person_id,
        "incident_id": incident.incident_id,
        "name": p.name,
        "component_id": p.component_id,
        "duty_status": p.duty_status.value,
        "remains_identified": p.remains_identified,
        "status_since": p.status_since,
        "lifecycle": s.lifecycle,
        "location": s.location[:200],
        "custodian": s.custodian[:300],
        "next_decision": s.next_decision,
        "next_due": s.next_due,
        "ended": s.ended,
        "updated_at": at,
        "document": encode_document(journey) if journey is not None else None,
    }


_PERSONS_OF = select(person_journeys).where(person_journeys.c.incident_id == bindparam("iid"))
_TOUCHED = (  # (one row per parameter set: a list bound to IN would be compiled again each time)
    update(person_journeys)
    .where(person_journeys.c.person_id == bindparam("pid"))
    .values(updated_at=bindparam("at"))
)
_ALL_TOUCHED = Direct(  # every person of one incident, where the row's time is earlier
    update(person_journeys)
    .where(person_journeys.c.incident_id == bindparam("iid"), person_journeys.c.updated_at < bindparam("at"))
    .values(updated_at=bindparam("at"))
)
TIME_ONLY = frozenset(
    {
        incident_events.NarrativeEntryAdded,
        incident_events.CheckedIn,
        incident_events.CheckInIntervalSet,
        incident_events.PositionUpdated,
        incident_events.ConditionChanged,
        incident_events.TaskStatusChanged,
    }
)
"""Incident events that change nothing a person's row shows (the persons' names, components, duty
statuses and their times, the detaining party, the disposition): after only these, every row of
the incident keeps its columns and moves its time of last change, and nothing need be read."""


def project_incident(conn: Connection, incident: Incident, new: list[Any]) -> None:
    """Every person of the incident, as the incident now says (their journeys as stored). A row
    whose every other column stays as stored has only its time of last change moved, in one
    statement for all of them."""
    at = new[-1].at if new else incident.reported_at
    if new and all(type(e) in TIME_ONLY for e in new):
        _ALL_TOUCHED.run(conn, {"iid": incident.incident_id, "at": at})
        return
    stored = {r.person_id: r._asdict() for r in conn.execute(_PERSONS_OF, {"iid": incident.incident_id})}
    touched = []
    for pid in incident.persons:
        was = stored.get(pid)
        document = was["document"] if was else None
        journey = decode_document(Journey, document) if document else None
        row = person_row(incident, pid, journey, _latest(at, was["updated_at"] if was else None))
        if was is None or any(row[k] != _plain(was[k]) for k in row if k != "updated_at"):
            upsert(conn, person_journeys, "person_id", row)
        elif row["updated_at"] != _plain(was["updated_at"]):
            touched.append(pid)
    if touched:
        moved = _latest(at, None)
        conn.execute(_TOUCHED, [{"pid": pid, "at": moved} for pid in touched])


def _plain(value: Any) -> Any:
    return utc(value) if isinstance(value, datetime) else value


def project_journey(conn: Connection, journey: Journey, new: list[Any]) -> None:
    found = conn.execute(
        select(incident_documents.c.document).where(incident_documents.c.incident_id == journey.incident_id)
    ).scalar()
    if found is None:
        return
    incident = decode_incident(found)
    updated = conn.execute(
        select(person_journeys.c.updated_at).where(person_journeys.c.person_id == journey.person_id)
    ).scalar()
    row = person_row(incident, journey.person_id, journey, _latest(new[-1].at, updated))
    upsert(conn, person_journeys, "person_id", row)


def _latest(at: Any, stored: Any) -> Any:
    """The row's last change: the later of this event's time and the one stored (a replay projects
    the incident and the journey streams in another order than they came)."""
    return at if stored is None or utc(stored) <= at else utc(stored)


def project_casefile(conn: Connection, casefile: Casefile, new: list[Any]) -> None:
    upsert(
        conn,
        casefiles,
        "incident_id",
        {
            "incident_id": casefile.incident_id,
            "version": casefile.version,
            "document": encode_document(casefile),
        },
    )
