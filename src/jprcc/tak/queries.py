"""Reading the TAK devices and alerts, with need-to-know: the JPRCC, the JFC and observers see
every device; a component's officers see the devices bound to their component's assets and
persons, and the alerts those devices raised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from jprcc.core.model import Actor, Position
from jprcc.core.store.codec import decode_document, decode_incident, utc
from jprcc.core.store.tables import incident_documents, incidents, tak_alerts, tak_devices
from jprcc.tak.model import Alert, BindingKind


@dataclass(frozen=True)
class DeviceRow:
    uid: str
    callsign: str
    cot_type: str
    binding_kind: str | None
    binding_ref: str | None
    binding_label: str | None
    component_id: str | None
    first_seen_at: datetime
    via: str
    last_report_at: datetime | None
    stale_at: datetime | None
    position: Position | None
    hae_m: float | None
    ce_m: float | None
    course_deg: float | None
    speed_ms: float | None
    reports: int
    open_alerts: int


class TakQueries:
    def __init__(self, node: Any) -> None:
        self.database = node.database
        self.clock = node.clock

    @staticmethod
    def _scope(query: Any, table: Any, actor: Actor) -> Any:
        if actor.role.sees_whole_theater:
            return query
        return query.where(table.c.component_id == actor.component_id)

    def devices(self, actor: Actor, unbound_only: bool = False) -> list[DeviceRow]:
        query = self._scope(select(tak_devices), tak_devices, actor)
        if unbound_only:
            query = query.where(tak_devices.c.binding_kind.is_(None))
        with self.database.read() as conn:
            rows = conn.execute(query.order_by(tak_devices.c.callsign, tak_devices.c.uid)).all()
        return [_device(r) for r in rows]

    def device(self, actor: Actor, uid: str) -> DeviceRow | None:
        query = self._scope(select(tak_devices).where(tak_devices.c.uid == uid), tak_devices, actor)
        with self.database.read() as conn:
            found = conn.execute(query).first()
        return _device(found) if found is not None else None

    def alerts(self, actor: Actor, open_only: bool = True, limit: int = 200) -> list[tuple[str, Alert]]:
        """(device uid, alert), newest first."""
        query = self._scope(select(tak_alerts.c.uid, tak_alerts.c.document), tak_alerts, actor)
        if open_only:
            query = query.where(tak_alerts.c.is_open.is_(True))
        query = query.order_by(tak_alerts.c.received_at.desc()).limit(limit)
        with self.database.read() as conn:
            rows = conn.execute(query).all()
        return [(r.uid, decode_document(Alert, r.document)) for r in rows]

    def alert(self, actor: Actor, alert_id: str) -> tuple[str, Alert] | None:
        query = self._scope(
            select(tak_alerts.c.uid, tak_alerts.c.document).where(tak_alerts.c.alert_id == alert_id),
            tak_alerts,
            actor,
        )
        with self.database.read() as conn:
            r = conn.execute(query).first()
        return (r.uid, decode_document(Alert, r.document)) if r is not None else None

    def incident_of_person(self, person_ref: str) -> str | None:
        """An open incident one of whose persons is this ISOPREP's: where an alert should go."""
        query = (
            select(incident_documents.c.incident_id, incident_documents.c.document)
            .join(incidents, incidents.c.incident_id == incident_documents.c.incident_id)
            .where(incidents.c.is_open.is_(True))
        )
        with self.database.read() as conn:
            for r in conn.execute(query):
                if f'"{person_ref}"' not in r.document:
                    continue
                incident = decode_incident(r.document)
                if any(p.person_ref == person_ref for p in incident.persons.values()):
                    return str(r.incident_id)
        return None

    def suggested_incident(self, alert: Alert) -> str | None:
        b = alert.binding
        if alert.incident_id is not None:
            return alert.incident_id
        if b is not None and b.kind is BindingKind.PERSON:
            return self.incident_of_person(b.ref)
        return None


def _device(r: Any) -> DeviceRow:
    return DeviceRow(
        uid=r.uid,
        callsign=r.callsign,
        cot_type=r.cot_type,
        binding_kind=r.binding_kind,
        binding_ref=r.binding_ref,
        binding_label=r.binding_label,
        component_id=r.component_id,
        first_seen_at=utc(r.first_seen_at),
        via=r.via,
        last_report_at=utc(r.last_report_at) if r.last_report_at is not None else None,
        stale_at=utc(r.stale_at) if r.stale_at is not None else None,
        position=Position(r.lat, r.lon) if r.lat is not None else None,
        hae_m=r.hae_m,
        ce_m=r.ce_m,
        course_deg=r.course_deg,
        speed_ms=r.speed_ms,
        reports=r.reports,
        open_alerts=r.open_alerts,
    )
