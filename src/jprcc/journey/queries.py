"""Reading journeys and case files, with need-to-know: the reintegration board, one person's
journey with their timeline from isolation on, an incident's case file with the PSYOP and Civil
Affairs reports in force around it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry import Point, Polygon
from sqlalchemy import select

from jprcc.brokering import events as bev
from jprcc.brokering.incident import Incident
from jprcc.core.errors import NotFound
from jprcc.core.model import Actor
from jprcc.core.ports import RecordedEvent
from jprcc.core.queries import TimelineEntry
from jprcc.core.store.codec import decode_document
from jprcc.core.store.tables import casefiles, incident_involvement, person_journeys
from jprcc.journey import authorization as rules
from jprcc.journey import events as jev
from jprcc.journey.model import Casefile, Journey

#: PSYOP and Civil Affairs reports this close to the incident belong to its area
AREA_KM = 25.0


@dataclass(frozen=True)
class AreaReport:
    layer_id: str
    name: str
    kind: str  # psyop | civil
    text: str
    source: str
    valid_from: datetime
    valid_to: datetime | None
    distance_km: float


@dataclass
class PersonRecord:
    row: Any
    incident: Incident
    journey: Journey | None
    timeline: list[TimelineEntry] = field(default_factory=list)


#: incident events about everyone in it (the others name their persons)
_WHOLE_INCIDENT = (
    bev.IncidentReported,
    bev.RecoveryBegun,
    bev.RecoveryAborted,
    bev.NominationApproved,
    bev.HandedToReintegration,
    bev.IncidentClosed,
)


def _mentions(e: Any, person_id: str) -> bool:
    if isinstance(e, jev.PersonAccountedFor):
        return False  # the person's own stream says it (journey ended)
    if getattr(e, "person_id", None) == person_id:
        return True
    ids = getattr(e, "person_ids", None)
    if ids is not None:
        return person_id in ids
    return isinstance(e, _WHOLE_INCIDENT)


class JourneyQueries:
    def __init__(self, node: Any) -> None:
        self.node = node
        self.database = node.database
        self.queries = node.queries

    def board(self, actor: Actor, include_ended: bool = False, component: str | None = None) -> list[Any]:
        c = person_journeys.c
        query = select(person_journeys).order_by(
            c.ended, c.next_due.is_(None), c.next_due, c.updated_at.desc()
        )
        if not include_ended:
            query = query.where(c.ended.is_(False))
        if component is not None:
            query = query.where(c.component_id == component)
        if not actor.role.sees_whole_theater:
            i = incident_involvement.c
            query = query.where(
                c.incident_id.in_(select(i.incident_id).where(i.component_id == actor.component_id))
            )
        with self.database.read() as conn:
            return list(conn.execute(query))

    def person(self, actor: Actor, incident_id: str, person_id: str) -> PersonRecord:
        incident = self.queries.incident(actor, incident_id)  # need-to-know: as the incident
        if person_id not in incident.persons:
            raise NotFound(f"incident {incident_id} has no person {person_id}", field="person_id")
        with self.database.read() as conn:
            row = conn.execute(
                select(person_journeys).where(person_journeys.c.person_id == person_id)
            ).first()
            log = self.queries.log(conn)
            records: list[RecordedEvent] = [
                r for r in log.read(stream_id=f"incident:{incident_id}") if _mentions(r.event, person_id)
            ]
            records += list(log.read(stream_id=f"person:{person_id}"))
        records.sort(key=lambda r: r.seq)
        journey = decode_document(Journey, row.document) if row is not None and row.document else None
        return PersonRecord(row, incident, journey, [self.queries.timeline_entry(r) for r in records])

    def casefile(self, actor: Actor, incident_id: str) -> tuple[Incident, Casefile | None, set[str] | None]:
        """The incident, its case file, and the interagency actors the reader may see (None: all
        of them). The collection plan is read by whoever sees the incident; the interagency track
        is need-to-know."""
        incident = self.queries.incident(actor, incident_id)
        persons = {p.component_id for p in incident.persons.values()}
        receiving = set(incident.receiving_components)
        with self.database.read() as conn:
            doc = conn.execute(
                select(casefiles.c.document).where(casefiles.c.incident_id == incident_id)
            ).scalar()
        casefile = decode_document(Casefile, doc) if doc else None
        if rules.may_read_casefile(actor, persons, receiving):
            return incident, casefile, None
        if casefile is None:
            return incident, None, set()
        return incident, casefile, rules.visible_actor_ids(actor, casefile, persons, receiving) or set()

    def area_reports(self, incident: Incident, at: datetime) -> list[AreaReport]:
        """PSYOP themes and Civil Affairs considerations in force within ``AREA_KM`` of the incident."""
        from jprcc.intel.service import Intel

        intel = self.node.service(Intel)
        # kilometres on a plane tangent at the incident: plenty for 25 km
        km_per_deg = 111.32
        east = km_per_deg * math.cos(math.radians(incident.position.lat))
        here = Point(incident.position.lon * east, incident.position.lat * km_per_deg)
        found = []
        for layer in intel.layers(at):
            body = layer.body
            if body.kind not in ("psyop", "civil"):
                continue
            shape = Polygon([(p.lon * east, p.lat * km_per_deg) for p in body.polygon])
            distance = shape.distance(here)
            if distance > AREA_KM:
                continue
            if body.kind == "psyop":
                text = f"PSYOP theme: {body.theme}"
            else:
                text = f"Civil: {body.attitude.value} area" + (
                    f"; contacts: {body.contacts}" if body.contacts else ""
                )
            found.append(
                AreaReport(
                    layer.layer_id,
                    layer.name,
                    body.kind,
                    text,
                    layer.source,
                    layer.valid_from,
                    layer.valid_to,
                    round(distance, 1),
                )
            )
        return sorted(found, key=lambda r: r.distance_km)
