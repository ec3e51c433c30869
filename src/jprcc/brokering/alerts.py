"""The clock as an entry point: it looks for incidents whose timers ran out and raises alerts."""

from __future__ import annotations

import logging

from jprcc.brokering import commands as cmd
from jprcc.core import commands as core_cmd
from jprcc.core.bus import MessageBus
from jprcc.core.errors import DomainError
from jprcc.core.model import Actor
from jprcc.core.queries import Queries

log = logging.getLogger("jprcc.clock")
CLOCK = Actor.system("clock")


def sweep(bus: MessageBus, queries: Queries) -> int:
    """Raise every due overdue and DUSTWUN alert once; return how many were raised."""
    raised = 0
    for incident_id, persons in queries.incidents_due():
        commands: list[core_cmd.Command] = [cmd.RaiseOverdueAlert(incident_id=incident_id)]
        commands += [cmd.RaiseDustwunAlert(incident_id=incident_id, person_id=p) for p in persons]
        for command in commands:
            try:
                raised += len(bus.handle(command, CLOCK).events)
            except DomainError as refusal:  # e.g. closed between the query and the command
                log.info("alert not raised", extra={"incident": incident_id, "reason": refusal.message})
    return raised
