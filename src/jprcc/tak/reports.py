"""What a device's CoT means to the store: a position becomes a track report, an alert or its cancel
becomes the command that records it. No I/O: the gateway parses, this module translates, the domain
decides."""

from __future__ import annotations

from jprcc.core.model import Position
from jprcc.tak import commands as cmd
from jprcc.tak import cot
from jprcc.tak.model import AlertKind

ALERT_KINDS = {
    cot.Kind.ALERT_911: AlertKind.ALERT_911,
    cot.Kind.RING_THE_BELL: AlertKind.RING_THE_BELL,
    cot.Kind.TROOPS_IN_CONTACT: AlertKind.TROOPS_IN_CONTACT,
    cot.Kind.GEOFENCE: AlertKind.GEOFENCE,
    cot.Kind.CUSTOM_ALERT: AlertKind.CUSTOM,
    cot.Kind.CASEVAC: AlertKind.CASEVAC,
}


def is_alert(e: cot.CotEvent) -> bool:
    """An alert, or a device's cancel of one: stored at once, never dropped, never rate-limited."""
    return e.kind in ALERT_KINDS or e.kind is cot.Kind.CANCEL


def track_report(e: cot.CotEvent, via: str, new: bool) -> cmd.TrackReport:
    """A device's position as the store takes it (``new``: its first report, the device is recorded)."""
    return cmd.TrackReport(
        uid=e.uid,
        callsign=e.callsign,
        cot_type=e.type,
        position=Position(e.lat, e.lon),
        hae_m=e.hae,
        ce_m=e.ce,
        course_deg=e.course,
        speed_ms=e.speed,
        reported_at=e.time,
        stale_at=e.stale,
        via=via[:200],
        new=new,
    )


def alert_command(e: cot.CotEvent, via: str) -> cmd.ReceiveAlert | cmd.CancelAlert:
    """An alert (or its cancel) from the device that raised it (``origin_uid``)."""
    device = e.origin_uid
    if e.kind is cot.Kind.CANCEL:
        return cmd.CancelAlert(uid=device, cot_uid=e.uid, reported_at=e.time, via=via[:200])
    return cmd.ReceiveAlert(
        uid=device,
        kind=ALERT_KINDS[e.kind],
        cot_uid=e.uid,
        callsign=e.callsign,
        device_callsign=e.callsign.removesuffix("-Alert") or device,
        position=Position(e.lat, e.lon) if e.has_fix else None,
        ce_m=e.ce,
        reported_at=e.time,
        via=via[:200],
        details=e.medevac,
    )
