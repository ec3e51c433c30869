"""Read-model projections: how recorded events update the tables people query.

Called by the unit of work inside the transaction that appends the events, and by
``rebuild`` when read models are rebuilt from the log. Incident read models are written
from the incident's folded state; theater and account tables from each event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Executable, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jprcc.domain import events as ev
from jprcc.domain import isoprep_events as rec
from jprcc.domain.incident import Incident
from jprcc.store.codec import decode_layer, encode_incident, encode_layer
from jprcc.store.tables import (
    assets,
    auth_attempts,
    components,
    decision_matrix,
    epa_plans,
    incident_documents,
    incidents,
    intel_layers,
    isoprep_records,
    operations,
    recovery_points,
    relationships,
    users,
)

# --- store helpers

UPSERTS: dict[tuple[str, str], Executable] = {}


def upsert(conn: Connection, table: Table, key: str, values: Mapping[str, Any]) -> None:
    """Insert or replace one row, in one statement (ON CONFLICT on SQLite and PostgreSQL)."""
    dialect = conn.dialect.name
    statement = UPSERTS.get((dialect, table.name))
    if statement is None:
        insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
        new = insert_for(table)
        statement = new.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_={c.name: new.excluded[c.name] for c in table.c if c.name != key},
        )
        UPSERTS[(dialect, table.name)] = statement
    conn.execute(statement, dict(values))


# --- incidents

#: incident events after which relationships and asset taskings must be rewritten
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
    statuses = sorted({p.duty_status.value for p in incident.persons.values()})
    assert incident.last_update_at is not None
    return {
        "incident_id": incident.incident_id,
        "title": incident.title,
        "stage": incident.stage.value,
        "owning_component": incident.owning_component,
        "supported_component": incident.supported_component,
        "priority": incident.priority,
        "environment": incident.environment.value,
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
        "tasks": json.dumps({t.value: s.value for t, s in incident.tasks.items()}),
        "involved": "," + ",".join(sorted(incident.involved_components())) + ",",
        "is_open": incident.is_open,
        "version": incident.version,
        "closed_at": incident.closed_at,
    }


def project_incident(conn: Connection, incident: Incident, new: list[ev.Event]) -> None:
    upsert(conn, incidents, "incident_id", board_row(incident))
    upsert(
        conn,
        incident_documents,
        "incident_id",
        {
            "incident_id": incident.incident_id,
            "version": incident.version,
            "document": encode_incident(incident),
        },
    )
    if any(isinstance(e, RELATIONSHIP_EVENTS) for e in new):
        _project_relationships(conn, incident)


def _project_relationships(conn: Connection, incident: Incident) -> None:
    iid = incident.incident_id
    conn.execute(delete(relationships).where(relationships.c.incident_id == iid))
    if incident.relationships:
        conn.execute(
            insert(relationships),
            [
                {
                    "relationship_id": r.relationship_id,
                    "incident_id": iid,
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
            ],
        )
    conn.execute(update(assets).where(assets.c.tasked_incident_id == iid).values(tasked_incident_id=None))
    directive = incident.directive
    if directive is not None and directive.status == "in_force":
        tasked = [a for c in directive.contributions for a in c.asset_ids]
        conn.execute(update(assets).where(assets.c.asset_id.in_(tasked)).values(tasked_incident_id=iid))


# --- projector tables

Projector = Callable[[Connection, Any], None]
ProjectorTable = dict[type[ev.Event], Projector]


def projects(table: ProjectorTable, event_type: type[ev.Event]) -> Callable[[Projector], Projector]:
    """Put the decorated projector for ``event_type`` into ``table`` (a capability's own)."""

    def put(fn: Projector) -> Projector:
        table[event_type] = fn
        return fn

    return put




# --- theater

THEATER: ProjectorTable = {}


@projects(THEATER, ev.ComponentRegistered)
def _component(conn: Connection, e: ev.ComponentRegistered) -> None:
    conn.execute(
        insert(components).values(
            component_id=e.component_id, name=e.name, kind=e.kind.value, prcc_name=e.prcc_name
        )
    )


@projects(THEATER, ev.AssetRegistered)
def _asset(conn: Connection, e: ev.AssetRegistered) -> None:
    conn.execute(
        insert(assets).values(
            asset_id=e.asset_id,
            callsign=e.callsign,
            asset_type=e.asset_type,
            component_id=e.component_id,
            capabilities=json.dumps([c.value for c in e.capabilities]),
            base_lat=e.base.lat,
            base_lon=e.base.lon,
            base_name=e.base_name,
            speed_kmh=e.speed_kmh,
            range_km=e.range_km,
            endurance_h=e.endurance_h,
            readiness=e.readiness.value,
        )
    )


def _set_asset(conn: Connection, asset_id: str, **values: Any) -> None:
    conn.execute(update(assets).where(assets.c.asset_id == asset_id).values(**values))


@projects(THEATER, ev.AssetReadinessChanged)
def _readiness(conn: Connection, e: ev.AssetReadinessChanged) -> None:
    _set_asset(conn, e.asset_id, readiness=e.readiness.value)


@projects(THEATER, ev.AssetCommitted)
def _committed(conn: Connection, e: ev.AssetCommitted) -> None:
    _set_asset(conn, e.asset_id, commitment_operation_id=e.operation_id, commitment_priority=e.priority)


@projects(THEATER, ev.AssetReleased)
def _released(conn: Connection, e: ev.AssetReleased) -> None:
    _set_asset(conn, e.asset_id, commitment_operation_id=None, commitment_priority=None)


@projects(THEATER, ev.RecoveryPointRegistered)
def _recovery_point(conn: Connection, e: ev.RecoveryPointRegistered) -> None:
    conn.execute(
        insert(recovery_points).values(
            point_id=e.point_id,
            name=e.name,
            kind=e.kind.value,
            lat=e.position.lat,
            lon=e.position.lon,
            component_id=e.component_id,
            remarks=e.remarks,
        )
    )


@projects(THEATER, ev.OperationPlanned)
def _operation(conn: Connection, e: ev.OperationPlanned) -> None:
    conn.execute(
        insert(operations).values(
            operation_id=e.operation_id,
            name=e.name,
            component_id=e.component_id,
            priority=e.priority,
            description=e.description,
            active=True,
        )
    )


@projects(THEATER, ev.OperationEnded)
def _operation_ended(conn: Connection, e: ev.OperationEnded) -> None:
    conn.execute(update(operations).where(operations.c.operation_id == e.operation_id).values(active=False))


# --- intel

INTEL: ProjectorTable = {}


@projects(INTEL, ev.LayerPublished)
def _layer(conn: Connection, e: ev.LayerPublished) -> None:
    layer = e.layer
    upsert(
        conn,
        intel_layers,
        "layer_id",
        {
            "layer_id": layer.layer_id,
            "kind": layer.body.kind,
            "version": layer.version,
            "withdrawn": False,
            "valid_from": layer.valid_from,
            "valid_to": layer.valid_to,
            "document": encode_layer(layer),
        },
    )


@projects(INTEL, ev.LayerWithdrawn)
def _layer_withdrawn(conn: Connection, e: ev.LayerWithdrawn) -> None:
    document = conn.execute(
        select(intel_layers.c.document).where(intel_layers.c.layer_id == e.layer_id)
    ).scalar_one()
    layer = replace(decode_layer(document), withdrawn=True)
    conn.execute(
        update(intel_layers)
        .where(intel_layers.c.layer_id == e.layer_id)
        .values(withdrawn=True, document=encode_layer(layer))
    )


@projects(INTEL, ev.DecisionMatrixPublished)
def _matrix(conn: Connection, e: ev.DecisionMatrixPublished) -> None:
    upsert(
        conn,
        decision_matrix,
        "id",
        {"id": 1, "version": e.version, "text": e.text, "published_by": e.by, "published_at": e.at},
    )


# --- accounts

ACCOUNTS: ProjectorTable = {}


@projects(ACCOUNTS, ev.UserCreated)
def _user(conn: Connection, e: ev.UserCreated) -> None:
    conn.execute(
        insert(users).values(
            username=e.username,
            role=e.role.value,
            component_id=e.component_id,
            full_name=e.full_name,
            active=True,
            created_at=e.at,
        )
    )


@projects(ACCOUNTS, ev.UserActiveChanged)
def _user_active(conn: Connection, e: ev.UserActiveChanged) -> None:
    conn.execute(update(users).where(users.c.username == e.username).values(active=e.active))


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
