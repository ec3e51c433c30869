"""One entry to every incident decision: checks common to all, then the command's own."""

from __future__ import annotations

from jprcc.domain import casework, control, locating  # noqa: F401  (they register their deciders)
from jprcc.domain import commands as cmd
from jprcc.domain import events as ev
from jprcc.domain.brokering import STEPS, report_incident
from jprcc.domain.errors import NotFound
from jprcc.domain.incident import Incident
from jprcc.domain.model import Context
from jprcc.domain.rules import TheaterView, require_open, require_stage, require_version


def decide_incident(
    c: cmd.IncidentCommand,
    incident: Incident | None,
    view: TheaterView,
    ctx: Context,
    *,
    default_check_in_s: int,
) -> list[ev.Event]:
    """The events that ``c`` produces on ``incident`` (``None`` when it does not exist yet)."""
    if isinstance(c, cmd.ReportIncident):
        return report_incident(c, incident, view, ctx, default_check_in_s)
    if incident is None:
        raise NotFound(f"unknown incident {c.incident_id}", field="incident_id")
    require_version(incident, c.expected_version)
    require_open(incident)
    step = STEPS[type(c)]
    if step.stages is not None:
        require_stage(incident, step.stages, step.action)
    return step.decide(c, incident, view, ctx)
