"""One line of plain language per intelligence event."""

from __future__ import annotations

from jprcc.core import events as core_ev
from jprcc.core.timeline import Describer
from jprcc.intel import events as ev

# --- intel lines

INTEL_LINES: dict[type[core_ev.Event], Describer] = {  # intelligence preparation
    ev.LayerPublished: lambda e: (
        f"Layer {e.layer.layer_id} v{e.layer.version} published: {e.layer.name} ({e.layer.body.kind}, "
        f"source {e.layer.source}, {e.layer.confidence.value.replace('_', ' ')})"
    ),
    ev.LayerWithdrawn: lambda e: f"Layer {e.layer_id} v{e.version} withdrawn by {e.by}: {e.reason}",
    ev.DecisionMatrixPublished: lambda e: f"Threat-decision matrix v{e.version} published by {e.by}",
}
