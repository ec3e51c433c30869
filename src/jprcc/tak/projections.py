"""The TAK read models, kept in the write transaction: one row per device heard (its binding, its
newest position) and one per alert (with the alert as a document)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, update

from jprcc.core.store.codec import encode_document
from jprcc.core.store.tables import tak_alerts, tak_devices
from jprcc.core.store.upsert import upsert
from jprcc.tak import events as ev
from jprcc.tak.model import Device

WHO = ("binding_kind", "binding_ref", "binding_label", "component_id", "open_alerts")


_INSERT = insert(tak_devices)
_WHO = (
    update(tak_devices)
    .where(tak_devices.c.uid == bindparam("b_uid"))
    .values({name: bindparam(f"b_{name}") for name in WHO})
)


def project_seen(conn: Connection, e: ev.DeviceSeen) -> None:
    """A device heard (or bound) for the first time: its row, before its positions and binding
    (in the order of the log, so that a rebuild keeps the positions too)."""
    conn.execute(
        _INSERT,
        {
            "uid": e.uid,
            "callsign": e.callsign,
            "cot_type": e.cot_type,
            "first_seen_at": e.at,
            "via": e.via,
            "reports": 0,
            "open_alerts": 0,
        },
    )


def project_device(conn: Connection, device: Device, new: list[Any]) -> None:
    """The device's binding and open alerts on its row (the callsign, type and position are the
    track's, newest first) and a row per alert it touched."""
    b = device.binding
    who = {
        "binding_kind": b.kind.value if b is not None else None,
        "binding_ref": b.ref if b is not None else None,
        "binding_label": b.label if b is not None else None,
        "component_id": b.component_id if b is not None else None,
        "open_alerts": sum(1 for a in device.alerts.values() if a.status.open),
    }
    conn.execute(_WHO, {"b_uid": device.uid, **{f"b_{k}": v for k, v in who.items()}})
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


_TRACK = (
    update(tak_devices)
    .where(tak_devices.c.uid == bindparam("b_uid"))
    .where(
        tak_devices.c.last_report_at.is_(None) | (tak_devices.c.last_report_at <= bindparam("b_reported_at"))
    )
    .values(
        callsign=func.coalesce(func.nullif(bindparam("b_callsign"), ""), tak_devices.c.callsign),
        last_report_at=bindparam("b_reported_at"),
        stale_at=bindparam("b_stale_at"),
        lat=bindparam("b_lat"),
        lon=bindparam("b_lon"),
        hae_m=bindparam("b_hae_m"),
        ce_m=bindparam("b_ce_m"),
        course_deg=bindparam("b_course_deg"),
        speed_ms=bindparam("b_speed_ms"),
        via=bindparam("b_via"),
        reports=tak_devices.c.reports + 1,
    )
)


def project_tracks(conn: Connection, found: list[ev.TrackReported]) -> None:
    """Each device's newest position, in one statement for the whole flush (a report older than
    the stored one changes nothing)."""
    conn.execute(
        _TRACK,
        [
            {
                "b_uid": e.uid,
                "b_callsign": e.callsign,
                "b_reported_at": e.reported_at,
                "b_stale_at": e.stale_at,
                "b_lat": e.position.lat,
                "b_lon": e.position.lon,
                "b_hae_m": e.hae_m,
                "b_ce_m": e.ce_m,
                "b_course_deg": e.course_deg,
                "b_speed_ms": e.speed_ms,
                "b_via": e.via,
            }
            for e in found
        ],
    )
