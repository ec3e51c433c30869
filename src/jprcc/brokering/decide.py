"""One entry to every incident decision: the checks common to all, then the command's own step."""

from __future__ import annotations

from typing import Any

from jprcc.brokering import commands as cmd
from jprcc.brokering import relay
from jprcc.brokering.flow import Step
from jprcc.brokering.incident import Incident
from jprcc.brokering.rules import require_open, require_stage, require_version
from jprcc.core import events as ev
from jprcc.core.errors import NotFound
from jprcc.core.model import Context


def decide_incident(
    c: cmd.IncidentCommand, incident: Incident | None, step: Step, view: Any, ctx: Context
) -> list[ev.Event]:
    """The events that ``c`` produces on ``incident`` (``None`` when it does not exist yet).

    ``view`` is what the step decides against besides the incident: the theater around it for
    brokering, the record's counters for an authentication."""
    if step.creates:
        return step.decide(c, incident, view, ctx)
    if incident is None:
        raise NotFound(f"unknown incident {c.incident_id}", field="incident_id")
    require_version(incident, c.expected_version)
    require_open(incident)
    if step.stages is not None:
        require_stage(incident, step.stages, step.action)
    events = step.decide(c, incident, view, ctx)
    if isinstance(c, cmd.RelayableCommand) and c.on_behalf is not None:
        events.append(relay.recorded(c, incident, step, ctx))
    return events
