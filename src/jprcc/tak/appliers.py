"""How the TAK events change a device's state (the ``device`` stream kind)."""

from __future__ import annotations

from typing import Any

from jprcc.core.events import Event
from jprcc.tak import events as ev
from jprcc.tak.model import Alert, AlertStatus, Device


def start_device(e: ev.DeviceSeen) -> Device:
    return Device(
        uid=e.uid, callsign=e.callsign, cot_type=e.cot_type, first_seen_at=e.at, via=e.via, version=1
    )


def count(device: Device, e: Event) -> None:
    device.version += 1


def _bound(d: Device, e: ev.DeviceBound) -> None:
    d.binding = e.binding


def _unbound(d: Device, e: ev.DeviceUnbound) -> None:
    d.binding = None


def _received(d: Device, e: ev.AlertReceived) -> None:
    d.alerts[e.alert_id] = Alert(
        alert_id=e.alert_id,
        kind=e.kind,
        cot_uid=e.cot_uid,
        callsign=e.callsign,
        position=e.position,
        ce_m=e.ce_m,
        reported_at=e.reported_at,
        received_at=e.at,
        via=e.via,
        binding=e.binding,
        details=e.details,
        last_heard_at=e.at,
    )


def _repeated(d: Device, e: ev.AlertRepeated) -> None:
    a = d.alerts[e.alert_id]
    a.kind, a.repeats, a.last_heard_at = e.kind, a.repeats + 1, e.at
    if e.position is not None:
        a.position, a.ce_m = e.position, e.ce_m


def _cancelled(d: Device, e: ev.AlertCancelledByDevice) -> None:
    d.alerts[e.alert_id].cancelled_at = e.at


def _acknowledged(d: Device, e: ev.AlertAcknowledged) -> None:
    a = d.alerts[e.alert_id]
    a.status, a.acknowledged_by, a.acknowledged_at = AlertStatus.ACKNOWLEDGED, e.by, e.at
    a.remarks = e.remarks or a.remarks


def _confirmed(d: Device, e: ev.AlertConfirmed) -> None:
    a = d.alerts[e.alert_id]
    a.status, a.incident_id, a.incident_created = AlertStatus.CONFIRMED, e.incident_id, e.created
    a.decided_by, a.decided_at, a.remarks = e.by, e.at, e.remarks or a.remarks


def _dismissed(d: Device, e: ev.AlertDismissed) -> None:
    a = d.alerts[e.alert_id]
    a.status, a.decided_by, a.decided_at, a.remarks = AlertStatus.DISMISSED, e.by, e.at, e.reason


DEVICE_APPLIERS: dict[type[Any], Any] = {
    ev.DeviceBound: _bound,
    ev.DeviceUnbound: _unbound,
    ev.AlertReceived: _received,
    ev.AlertRepeated: _repeated,
    ev.AlertCancelledByDevice: _cancelled,
    ev.AlertAcknowledged: _acknowledged,
    ev.AlertConfirmed: _confirmed,
    ev.AlertDismissed: _dismissed,
}
