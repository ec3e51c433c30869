"""Handling the journey's commands: load the incident, the person's journey or the case file, ask
the decider, record. Every command's subject is the incident (need-to-know: the components it
involves) with the journey or the case file beside it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from jprcc.core.contract import Subject
from jprcc.core.errors import NotFound
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.journey import commands as cmd
from jprcc.journey.casework import CaseView, decide_case
from jprcc.journey.decide import PersonView, decide
from jprcc.journey.model import ReintegrationPlan


@dataclass(frozen=True)
class JourneyPolicy:
    """What the journey's handlers use of the node's configuration: the reintegration plan."""

    plan: ReintegrationPlan


def _incident(c: Any, uow: UnitOfWork) -> Any:
    incident = uow.incident(c.incident_id)
    if incident is None:
        raise NotFound(f"unknown incident {c.incident_id}", field="incident_id")
    return incident


def person_view(c: cmd.PersonCommand, uow: UnitOfWork) -> PersonView:
    incident = _incident(c, uow)
    journey = uow.state("person", c.person_id) if c.person_id in incident.persons else None
    return PersonView(incident, journey, frozenset(uow.components()), c.person_id)


def case_view(c: cmd.CasefileCommand, uow: UnitOfWork) -> CaseView:
    incident = _incident(c, uow)
    return CaseView(incident, uow.state("casefile", c.incident_id), frozenset(uow.components()))


def person_subject(c: Any, uow: UnitOfWork) -> Subject:
    view = person_view(c, uow)
    return Subject(
        state=view,
        involved=frozenset(view.incident.involved_components()),
        label=f"{c.person_id} of incident {c.incident_id}",
    )


def case_subject(c: Any, uow: UnitOfWork) -> Subject:
    view = case_view(c, uow)
    return Subject(
        state=view,
        involved=frozenset(view.incident.involved_components()),
        label=f"the case file of incident {c.incident_id}",
    )


def handle_person(c: Any, uow: UnitOfWork, ctx: Context, policy: JourneyPolicy) -> str:
    view = replace(person_view(c, uow), plan=policy.plan)
    uow.record(decide(c, view, ctx), ctx.actor.username, ctx.now)
    return str(c.person_id)


def handle_case(c: Any, uow: UnitOfWork, ctx: Context, policy: JourneyPolicy) -> str:
    uow.record(decide_case(c, case_view(c, uow), ctx), ctx.actor.username, ctx.now)
    return str(c.incident_id)
