"""One line of plain language per TAK event (the live feed, the device's history)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jprcc.tak import events as ev


def _at(p: Any) -> str:
    return f"{p.lat:.5f}, {p.lon:.5f}"


def _where(e: Any) -> str:
    return f" at {_at(e.position)}" if e.position is not None else " (no position)"


LINES: dict[type[Any], Callable[[Any], str]] = {
    ev.DeviceSeen: lambda e: (
        f"TAK device {e.callsign or e.uid} ({e.uid}) heard for the first time on {e.via}"
    ),
    ev.DeviceBound: lambda e: (
        f"TAK device {e.uid} bound to {e.binding.kind.value} {e.binding.label} "
        f"({e.binding.ref}, {e.binding.component_id}) by {e.by}"
    ),
    ev.DeviceUnbound: lambda e: (
        f"TAK device {e.uid} unbound by {e.by}" + (f": {e.remarks}" if e.remarks else "")
    ),
    ev.AlertReceived: lambda e: (
        f"TAK {e.kind.label} from {e.callsign or e.uid}{_where(e)}: alert {e.alert_id}"
        + (f", device of {e.binding.label}" if e.binding is not None else ", device bound to nothing")
    ),
    ev.AlertRepeated: lambda e: f"TAK {e.kind.label} {e.alert_id} repeated{_where(e)}",
    ev.AlertCancelledByDevice: lambda e: (
        f"TAK alert {e.alert_id} cancelled from the device: a human closes it"
    ),
    ev.AlertAcknowledged: lambda e: f"TAK alert {e.alert_id} acknowledged by {e.by}",
    ev.AlertConfirmed: lambda e: (
        f"TAK alert {e.alert_id} confirmed by {e.by}: "
        + (f"incident {e.incident_id} reported" if e.created else f"joined to incident {e.incident_id}")
    ),
    ev.AlertDismissed: lambda e: f"TAK alert {e.alert_id} dismissed by {e.by}: {e.reason}",
    ev.TrackReported: lambda e: f"TAK device {e.uid} at {_at(e.position)}",
}
