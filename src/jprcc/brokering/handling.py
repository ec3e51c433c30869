"""Handling incident commands: load the incident, the view it is decided against, ask the step.

Every incident command of every capability (brokering, casework, TACON, the search case, the
authentication of an isolated person) goes through ``incident_command``: its subject is the
incident (need-to-know: the components it involves), its handler folds the incident, builds the
step's view, and decides through ``decide_incident`` — the checks common to all, then its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jprcc.brokering import commands as cmd
from jprcc.brokering.decide import decide_incident
from jprcc.brokering.flow import Step
from jprcc.brokering.incident import Incident
from jprcc.brokering.rules import TheaterView
from jprcc.core.contract import CommandSpec, Preparer, Rule, Subject, SubjectLoader
from jprcc.core.errors import NotFound
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork

ViewLoader = Callable[[Any, Incident | None, UnitOfWork, Context, Any], Any]
"""(command, incident, unit of work, context, the spec's service) → what the step decides against."""


@dataclass(frozen=True)
class IncidentPolicy:
    """What the brokering handlers use of the node's configuration."""

    check_in_interval_s: int = 1800


def incident_subject(c: Any, uow: UnitOfWork) -> Subject:
    """The incident the command acts on; an unknown incident is refused before any rule (and one
    the actor may not see, by ``authorize``, in the same words). A report names a new id: one
    taken is the decider's conflict, whoever reports (an id left out is assigned, never taken)."""
    if isinstance(c, cmd.ReportIncident):
        return Subject(label=f"incident {c.incident_id}")
    incident = uow.incident(c.incident_id)
    if incident is None:
        raise NotFound(f"unknown incident {c.incident_id}", field="incident_id")
    return Subject(
        state=incident,
        involved=frozenset(incident.involved_components()),
        label=f"incident {incident.incident_id}",
    )


def referenced_assets(c: cmd.IncidentCommand, incident: Incident | None) -> set[str]:
    """Every asset the command, or what it acts on, names."""
    if isinstance(c, cmd.AnswerCapabilityPoll):
        return {o.asset_id for o in c.offers}
    if isinstance(c, cmd.NominateSupport):
        return {a for x in c.contributions for a in x.asset_ids}
    if isinstance(c, cmd.RequestTaconTransfer):
        return set(c.asset_ids)
    if incident is None:
        return set()
    if isinstance(c, cmd.ApproveNomination) and incident.pending_nomination is not None:
        return set(incident.pending_nomination.asset_ids)
    if isinstance(c, cmd.ApproveTaconTransfer) and c.request_id in incident.tacon_requests:
        return set(incident.tacon_requests[c.request_id].asset_ids)
    return set()


def theater_view(
    c: Any, incident: Incident | None, uow: UnitOfWork, ctx: Context, policy: Any
) -> TheaterView:
    interval = policy.check_in_interval_s if isinstance(policy, IncidentPolicy) else 1800
    asset_ids = referenced_assets(c, incident)
    if not asset_ids:
        return TheaterView(components=uow.components(), default_check_in_s=interval)
    return TheaterView(
        components=uow.components(),
        assets=uow.assets(asset_ids),
        taskings=uow.taskings(asset_ids),
        tasked_until=uow.tasked_until(asset_ids),
        control=uow.control_relationships(asset_ids),
        default_check_in_s=interval,
    )


def incident_command(
    step: Step,
    rule: Rule,
    why: str,
    *,
    view: ViewLoader = theater_view,
    subject: SubjectLoader = incident_subject,
    needs: type[Any] | None = IncidentPolicy,
    prepare: Preparer | None = None,
    internal: bool = False,
) -> CommandSpec:
    """The spec of an incident command decided by ``step``: answers the incident afterwards."""

    def handle(c: Any, uow: UnitOfWork, ctx: Context, service: Any) -> Incident:
        incident = uow.incident(c.incident_id)
        new = decide_incident(c, incident, step, view(c, incident, uow, ctx, service), ctx)
        uow.record(new, ctx.actor.username, ctx.now)
        result = uow.incident(c.incident_id)
        assert result is not None
        return result

    return CommandSpec(
        command=step.command,
        rule=rule,
        why=why,
        handler=handle,
        subject=subject,
        prepare=prepare,
        needs=needs,
        internal=internal,
        stages=step.stages,
        action=step.action,
    )
