"""The incident read models: the board row, the incident document, the command
relationships and the assets' taskings, written from the incident's folded state.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from jprcc.brokering import events as ev
from jprcc.brokering import turns as whose_turn
from jprcc.brokering.incident import DirectiveStatus, Incident, narrative_ordinal
from jprcc.core import events as core_ev
from jprcc.core.store.codec import decode_incident, encode_incident, utc
from jprcc.core.store.direct import Direct
from jprcc.core.store.tables import (
    assets,
    events,
    incident_documents,
    incident_involvement,
    incident_narrative,
    incidents,
    relationships,
    turns,
)
from jprcc.core.store.upsert import upsert
from jprcc.core.store.written import recall, remember

# --- incidents

#: incident events after which relationships and asset taskings must be rewritten even when the
#: incident has none left (a replan or a closure clears them)
RELATIONSHIP_EVENTS = (
    ev.NominationApproved,
    ev.IncidentReplanned,
    ev.PersonsRecovered,
    ev.PersonsReleased,
    ev.PersonsDetained,
    ev.IncidentClosed,
    ev.TaconTransferApproved,
)


def board_row(incident: Incident) -> dict[str, Any]:
    dustwun = [
        due
        for p in incident.persons.values()
        if (due := p.dustwun_due_at) is not None and not p.dustwun_alerted
    ]
    # (``_value_``: the member's value as stored on it; ``.value`` is a property, two calls each,
    # on every command)
    statuses = sorted({p.duty_status._value_ for p in incident.persons.values()})
    assert incident.last_update_at is not None
    return {
        "incident_id": incident.incident_id,
        "title": incident.title,
        "stage": incident.stage._value_,
        "owning_component": incident.owning_component,
        "supported_component": incident.supported_component,
        "priority": incident.priority,
        "environment": incident.environment._value_,
        "isolating_event_at": incident.isolating_event_at,
        "reported_at": incident.reported_at,
        "last_update_at": incident.last_update_at,
        "check_in_interval_s": incident.check_in_interval_s,
        "overdue_at": incident.overdue_at,
        "overdue_alerted": incident.overdue_alerted,
        "dustwun_due_at": min(dustwun) if dustwun else None,
        "lat": incident.position.lat,
        "lon": incident.position.lon,
        "uncertainty_m": incident.uncertainty_m,
        "persons_count": len(incident.persons),
        "duty_statuses": ",".join(statuses),
        "tasks": json.dumps({t._value_: s._value_ for t, s in incident.tasks.items()}),
        "is_open": incident.is_open,
        "version": incident.version,
        "closed_at": incident.closed_at,
    }


def project_incident(conn: Connection, incident: Incident, new: list[core_ev.Event]) -> None:
    # the rows derived from the incident alone are rewritten only where they changed: what they
    # were before these events is what this process wrote at that version, if it did, or read
    before = incident.version - len(new)
    iid = incident.incident_id
    board = board_row(incident)
    document = {"incident_id": iid, "version": incident.version, "document": encode_incident(incident)}
    was: tuple[Any, ...] | None = recall(conn, "board", iid, before)
    if was is None:  # (not written by this process at that version: the rows may not exist yet)
        upsert(conn, incidents, "incident_id", board)
        upsert(conn, incident_documents, "incident_id", document)
    else:  # both rows exist: only the board's columns that changed are set, so that the indexes on
        # the others (stage, due times) are not rewritten with the same keys
        changed = [k for k, old in zip(BOARD_COLUMNS, was, strict=True) if board[k] != old]
        _UPDATE_BOARD.run(conn, {"b_iid": iid, **{k: board[k] for k in changed}})
        _UPDATE_DOCUMENT.run(
            conn, {"b_iid": iid, "version": incident.version, "document": document["document"]}
        )
    remember(conn, "board", iid, incident.version, tuple(board[k] for k in BOARD_COLUMNS))
    _project_involvement(conn, incident, before)
    # relationships end and taskings lapse on events of other capabilities too (a custody change
    # that recovers the last person completes the directive): while an incident has any, the
    # state is compared with the rows after every command and they are rewritten where they
    # differ, so they never lag the log
    ends = _ends(incident)
    if any(isinstance(e, RELATIONSHIP_EVENTS) for e in new) or (
        (incident.relationships or incident.directive is not None)
        and _relationship_ends(conn, incident.incident_id, before) != ends
    ):
        _project_relationships(conn, incident)
        remember(conn, "relationship-ends", incident.incident_id, incident.version, ends)
    elif incident.relationships or incident.directive is not None:  # compared: the rows are these
        remember(conn, "relationship-ends", incident.incident_id, incident.version, ends)
    _project_turns(conn, incident, before)


# the statements of every command on an incident, built once
BOARD_COLUMNS = tuple(c.name for c in incidents.c if c.name != "incident_id")
_UPDATE_BOARD = Direct(update(incidents).where(incidents.c.incident_id == bindparam("b_iid")))
_UPDATE_DOCUMENT = Direct(
    update(incident_documents).where(incident_documents.c.incident_id == bindparam("b_iid"))
)
_ADD_ENTRY = Direct(insert(incident_narrative))
_TURNS_OF = delete(turns).where(turns.c.incident_id == bindparam("iid"))
_ADD_TURNS = insert(turns)
_INVOLVED = select(incident_involvement.c.component_id).where(
    incident_involvement.c.incident_id == bindparam("iid")
)
_RELATIONSHIP_ENDS = select(relationships.c.relationship_id, relationships.c.end).where(
    relationships.c.incident_id == bindparam("iid")
)
_HEAD = (
    select(func.max(events.c.stream_version)).where(events.c.stream_id == bindparam("sid")).scalar_subquery()
)
_DOCUMENT = Direct(
    select(incident_documents.c.version, incident_documents.c.document, _HEAD.label("head")).where(
        incident_documents.c.incident_id == bindparam("iid")
    )
)


def project_narrative_entry(conn: Connection, e: ev.NarrativeEntryAdded) -> None:
    """One entry appended to its incident's narrative."""
    _ADD_ENTRY.run(
        conn,
        {
            "incident_id": e.incident_id,
            "n": narrative_ordinal(e.entry_id),
            "entry_id": e.entry_id,
            "author": e.author,
            "at": e.at,
            "text": e.text,
        },
    )


def _project_turns(conn: Connection, incident: Incident, before: int) -> None:
    """What the incident waits for now, from whom: rewritten whole (a handful of rows) when it
    is not what it was."""
    iid = incident.incident_id
    now = _turn_rows(incident)
    if recall(conn, "turns", iid, before) != now:
        conn.execute(_TURNS_OF, {"iid": iid})
        if now:
            names = ("party", "kind", "action", "asks", "since", "due_at", "urgent")
            conn.execute(_ADD_TURNS, [{"incident_id": iid, **dict(zip(names, t, strict=True))} for t in now])
    remember(conn, "turns", iid, incident.version, now)


def _turn_rows(incident: Incident) -> tuple[tuple[Any, ...], ...]:
    return tuple(
        (t.party, t.kind, t.action, t.asks, t.since, t.due_at, t.urgent) for t in whose_turn.turns(incident)
    )


def _ends(incident: Incident) -> frozenset[tuple[str, Any]]:
    return frozenset((r.relationship_id, r.end) for r in incident.relationships)


def _derived(conn: Connection, incident: Incident) -> None:
    """The rows derived from the incident alone, as they stand at its stored version: told to the
    unit of work's memory when it starts from the stored document, so that its projections read
    none of them back.

    They are what the projections computed from this very state when they wrote that version (in
    the document's own transaction), whichever process wrote it; so a command after another
    process's sends no more than one after this process's own (otherwise a read of the
    involvement, the turns and the relationships' ends, under the chain head's lock)."""
    iid, version = incident.incident_id, incident.version
    board = board_row(incident)
    remember(conn, "board", iid, version, tuple(board[k] for k in BOARD_COLUMNS))
    remember(conn, "involvement", iid, version, frozenset(incident.involved_components()))
    remember(conn, "turns", iid, version, _turn_rows(incident))
    if incident.relationships or incident.directive is not None:
        remember(conn, "relationship-ends", iid, version, _ends(incident))


def _project_involvement(conn: Connection, incident: Incident, before: int) -> None:
    """The components the incident involves, one row each (they only grow over its life)."""
    iid = incident.incident_id
    c = incident_involvement.c
    involved = frozenset(incident.involved_components())
    known = recall(conn, "involvement", iid, before)
    if known is None:
        known = frozenset(conn.execute(_INVOLVED, {"iid": iid}).scalars())
    new = sorted(involved - known)
    if new:
        conn.execute(insert(incident_involvement), [{"incident_id": iid, "component_id": x} for x in new])
    gone = known - involved
    if gone:
        conn.execute(delete(incident_involvement).where(c.incident_id == iid, c.component_id.in_(gone)))
    remember(conn, "involvement", iid, incident.version, involved)


def _relationship_rows(incident: Incident) -> list[dict[str, Any]]:
    return [
        {
            "relationship_id": r.relationship_id,
            "incident_id": incident.incident_id,
            "kind": r.kind.value,
            "from_component": r.from_component,
            "to_component": r.to_component,
            "asset_ids": json.dumps(list(r.asset_ids)),
            "begin": r.begin,
            "end": r.end,
            "source_id": r.source_id,
            "statement": r.statement,
        }
        for r in incident.relationships
    ]


def _relationship_ends(conn: Connection, incident_id: str, before: int) -> frozenset[tuple[str, Any]]:
    """The stored relationships of the incident, with their ends (when they end, above all)."""
    known: frozenset[tuple[str, Any]] | None = recall(conn, "relationship-ends", incident_id, before)
    if known is not None:
        return known
    return frozenset(
        (r.relationship_id, utc(r.end) if r.end is not None else None)
        for r in conn.execute(_RELATIONSHIP_ENDS, {"iid": incident_id})
    )


def _project_relationships(conn: Connection, incident: Incident) -> None:
    iid = incident.incident_id
    conn.execute(delete(relationships).where(relationships.c.incident_id == iid))
    if incident.relationships:
        conn.execute(insert(relationships), _relationship_rows(incident))
    conn.execute(
        update(assets)
        .where(assets.c.tasked_incident_id == iid)
        .values(tasked_incident_id=None, tasked_until=None)
    )
    directive = incident.directive
    if directive is not None and directive.status is DirectiveStatus.IN_FORCE:
        tasked = [a for c in directive.contributions for a in c.asset_ids]
        # an asset serving two incidents in sequence is shown with the later: busy until it ends
        until = directive.window_end
        conn.execute(
            update(assets)
            .where(
                assets.c.asset_id.in_(tasked),
                or_(assets.c.tasked_until.is_(None), assets.c.tasked_until <= until),
            )
            .values(tasked_incident_id=iid, tasked_until=until)
        )


def incident_snapshot(
    conn: Connection, incident_id: str, held: Callable[[int], Any] = lambda version: None
) -> tuple[Incident, int, bool] | None:
    """The incident as its document was last stored, for the unit of work to start from, and
    whether it is the latest (it is read beside the head of its stream in the log: where the log
    has events the document has not, the unit of work folds those after it); None if there is
    none or it cannot be read (the log is folded). Where this process committed the incident at
    the stored version and can hand that state over (``held``), it is not decoded again."""
    row = _DOCUMENT.first(conn, {"iid": incident_id, "sid": f"incident:{incident_id}"})
    if row is None:
        return None
    version, document, head = row
    found: Incident | None = held(int(version))
    if found is not None:
        return found, int(version), head == version
    if '"narrative_count"' not in document:  # (a document of an older shape)
        return None
    try:
        incident = decode_incident(document)
    except (ValueError, TypeError, KeyError):  # a document of an older shape: fold the log instead
        return None
    if incident.version != version:
        return None
    _derived(conn, incident)
    return incident, int(version), head == version
