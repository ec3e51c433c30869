"""The TAK read models, kept in the write transaction: one row per device heard (its binding, its
newest position) and one per alert (with the alert as a document)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, update

from jprcc.core.store.codec import encode_document
from jprcc.core.store.tables import tak_alerts, tak_devices
from jprcc.core.store.upsert import upsert
from jprcc.tak import events as ev
from jprcc.tak.model import Device


def project_device(conn: Connection, device: Device, new: list[Any]) -> None:
    """The device's row (its position columns are the track's) and a row per alert it touched."""
    b = device.binding
    who = {
        "binding_kind": b.kind.value if b is not None else None,
        "binding_ref": b.ref if b is not None else None,
        "binding_label": b.label if b is not None else None,
        "component_id": b.component_id if b is not None else None,
        "open_alerts": sum(1 for a in device.alerts.values() if a.status.open),
    }
    c = tak_devices.c
    if conn.execute(update(tak_devices).where(c.uid == device.uid).values(**who)).rowcount == 0:
        conn.execute(  # the callsign and type are then the track's, newest first
            insert(tak_devices).values(
                uid=device.uid,
                callsign=device.callsign,
                cot_type=device.cot_type,
                first_seen_at=device.first_seen_at,
                via=device.via,
                reports=0,
                **who,
            )
        )
    touched = {e.alert_id for e in new if isinstance(e, ev.AlertEvent)}
    for alert_id in touched:
        a = device.alerts[alert_id]
        upsert(
            conn,
            tak_alerts,
            "alert_id",
            {
                "alert_id": a.alert_id,
                "uid": device.uid,
                "kind": a.kind.value,
                "status": a.status.value,
                "is_open": a.status.open,
                "component_id": owner.component_id if (owner := a.binding or b) is not None else None,
                "received_at": a.received_at,
                "document": encode_document(a),
            },
        )


def project_track(conn: Connection, e: ev.TrackReported) -> None:
    """The device's newest position (a report older than the stored one changes nothing)."""
    c = tak_devices.c
    named = {"callsign": e.callsign} if e.callsign else {}
    conn.execute(
        update(tak_devices)
        .where(c.uid == e.uid)
        .where((c.last_report_at.is_(None)) | (c.last_report_at <= e.reported_at))
        .values(
            **named,
            last_report_at=e.reported_at,
            stale_at=e.stale_at,
            lat=e.position.lat,
            lon=e.position.lon,
            hae_m=e.hae_m,
            ce_m=e.ce_m,
            course_deg=e.course_deg,
            speed_ms=e.speed_ms,
            via=e.via,
            reports=c.reports + 1,
        )
    )
