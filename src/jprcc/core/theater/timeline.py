"""One line of plain language per theater event."""

from __future__ import annotations

from jprcc.core import events as core_ev
from jprcc.core.theater import events as ev
from jprcc.core.timeline import Describer

# --- theater lines

THEATER_LINES: dict[type[core_ev.Event], Describer] = {  # theater
    ev.ComponentRegistered: lambda e: f"Component {e.component_id} ({e.name}) registered; PRCC {e.prcc_name}",
    ev.AssetRegistered: lambda e: f"Asset {e.callsign} ({e.asset_type}) of {e.component_id} registered",
    ev.RecoveryPointRegistered: lambda e: (
        f"{e.kind.value.replace('_', ' ').capitalize()} {e.name} registered"
    ),
    ev.AssetReadinessChanged: lambda e: f"Asset {e.asset_id} readiness now {e.readiness.value}",
    ev.AssetCommitted: lambda e: f"Asset {e.asset_id} committed to {e.operation_id} (priority {e.priority})",
    ev.AssetReleased: lambda e: f"Asset {e.asset_id} released from {e.operation_id}: {e.reason}",
    ev.OperationPlanned: lambda e: f"Operation {e.name} of {e.component_id} planned (priority {e.priority})",
    ev.OperationEnded: lambda e: f"Operation {e.operation_id} ended",
}
