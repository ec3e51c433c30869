"""The case file's decisions: the interagency track (actors, requests and taskings with their
approval, sourced and dated entries) and the information collection plan. Pure."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from jprcc.brokering.incident import Incident
from jprcc.brokering.rules import require, require_open, require_text
from jprcc.core import events as core_ev
from jprcc.core.errors import Conflict, NotFound
from jprcc.core.model import Context
from jprcc.journey import commands as cmd
from jprcc.journey import events as ev
from jprcc.journey.decide import NAME_LIMIT, require_due, require_known, require_when
from jprcc.journey.model import Approval, Casefile

#: who the case file's collection items may be assigned to besides a component
JPRCC = "JPRCC"


@dataclass(frozen=True)
class CaseView:
    incident: Incident
    casefile: Casefile | None
    components: Collection[str]


Decider = Callable[[Any, CaseView, Context], list[core_ev.Event]]
CASE_DECIDERS: dict[type[Any], Decider] = {}


def decides(command: type[Any]) -> Callable[[Decider], Decider]:
    def put(fn: Decider) -> Decider:
        CASE_DECIDERS[command] = fn
        return fn

    return put


def decide_case(c: Any, view: CaseView, ctx: Context) -> list[core_ev.Event]:
    """The incident open, then the command's own rules."""
    require_open(view.incident)
    return CASE_DECIDERS[type(c)](c, view, ctx)


def _shared(view: CaseView, components: Collection[str], reason: str, ctx: Context) -> list[core_ev.Event]:
    """Bring components the incident does not involve yet into it, for ``reason``."""
    involved = view.incident.involved_components()
    return [
        ev.IncidentShared(at=ctx.now, incident_id=view.incident.incident_id, component_id=c, reason=reason)
        for c in dict.fromkeys(components)
        if c not in involved and c in view.components
    ]


def _case_opened(view: CaseView, ctx: Context) -> list[core_ev.Event]:
    if view.casefile is not None:
        return []
    return [ev.CasefileOpened(at=ctx.now, incident_id=view.incident.incident_id)]


def _next_id(prefix: str, existing: Collection[Any]) -> str:
    """The next number of its kind on this case (A1, R1, E1, C1), unique within the incident."""
    return f"{prefix}{len(existing) + 1}"


def _actor(view: CaseView, actor_id: str | None, field: str = "actor_id") -> None:
    if actor_id is not None and (view.casefile is None or actor_id not in view.casefile.actors):
        raise NotFound(f"no interagency actor {actor_id} on this case", field=field)


@decides(cmd.AddInteragencyActor)
def add_actor(c: cmd.AddInteragencyActor, view: CaseView, ctx: Context) -> list[core_ev.Event]:
    require_text(c.organisation, "organisation", limit=NAME_LIMIT)
    require_text(c.contact, "contact", limit=NAME_LIMIT)
    require_text(c.role, "role", limit=NAME_LIMIT)
    for i, comp in enumerate(c.need_to_know):
        require_known(view.components, comp, f"need_to_know[{i}]")
    actors = view.casefile.actors if view.casefile else {}
    for a in actors.values():
        if (
            a.organisation.casefold() == c.organisation.strip().casefold()
            and a.contact.casefold() == c.contact.strip().casefold()
        ):
            raise Conflict(
                f"{c.contact} of {c.organisation} is on the case already ({a.actor_id})", field="contact"
            )
    return [
        *_case_opened(view, ctx),
        ev.InteragencyActorAdded(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            actor_id=_next_id("A", actors),
            organisation=c.organisation.strip(),
            kind=c.kind,
            contact=c.contact.strip(),
            role=c.role,
            need_to_know=tuple(dict.fromkeys(c.need_to_know)),
            by=ctx.actor.username,
        ),
        *_shared(view, c.need_to_know, f"need-to-know for {c.contact}, {c.organisation.strip()}", ctx),
    ]


@decides(cmd.RaiseInteragencyRequest)
def raise_request(c: cmd.RaiseInteragencyRequest, view: CaseView, ctx: Context) -> list[core_ev.Event]:
    _actor(view, c.actor_id)
    require_text(c.text, "text")
    require_text(c.source, "source", limit=NAME_LIMIT)
    require_due(c.due_at, ctx)
    assert view.casefile is not None
    return [
        ev.InteragencyRequestRaised(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            request_id=_next_id("R", view.casefile.requests),
            kind=c.kind,
            actor_id=c.actor_id,
            text=c.text,
            source=c.source,
            due_at=c.due_at,
            by=ctx.actor.username,
        )
    ]


def _request(view: CaseView, request_id: str) -> Any:
    found = view.casefile.requests.get(request_id) if view.casefile else None
    if found is None:
        raise NotFound(f"no interagency request {request_id} on this case", field="request_id")
    return found


@decides(cmd.DecideInteragencyRequest)
def decide_request(c: cmd.DecideInteragencyRequest, view: CaseView, ctx: Context) -> list[core_ev.Event]:
    r = _request(view, c.request_id)
    if r.approval is not Approval.PENDING:
        raise Conflict(f"request {r.request_id} is {r.approval.value} already", field="request_id")
    require(c.approve or bool(c.remarks.strip()), "a refusal needs remarks: why", "remarks")
    return [
        ev.InteragencyRequestDecided(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            request_id=r.request_id,
            approved=c.approve,
            remarks=c.remarks,
            by=ctx.actor.username,
        )
    ]


@decides(cmd.CompleteInteragencyRequest)
def complete_request(c: cmd.CompleteInteragencyRequest, view: CaseView, ctx: Context) -> list[core_ev.Event]:
    r = _request(view, c.request_id)
    require(
        r.approval is Approval.APPROVED,
        f"request {r.request_id} is {r.approval.value}: only an approved request is carried out",
        "request_id",
    )
    if r.done_at is not None:
        raise Conflict(f"request {r.request_id} is done already", field="request_id")
    require_text(c.outcome, "outcome")
    return [
        ev.InteragencyRequestCompleted(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            request_id=r.request_id,
            outcome=c.outcome,
            by=ctx.actor.username,
        )
    ]


@decides(cmd.AddCaseEntry)
def add_entry(c: cmd.AddCaseEntry, view: CaseView, ctx: Context) -> list[core_ev.Event]:
    _actor(view, c.actor_id)
    require_text(c.source, "source", limit=NAME_LIMIT)
    require_text(c.text, "text")
    require_when(c.at, view.incident, ctx, "at")
    entries = view.casefile.entries if view.casefile else []
    return [
        *_case_opened(view, ctx),
        ev.CaseEntryAdded(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            entry_id=_next_id("E", entries),
            happened_at=c.at,
            source=c.source,
            text=c.text,
            actor_id=c.actor_id,
            by=ctx.actor.username,
        ),
    ]


@decides(cmd.AddCollectionItem)
def add_collection_item(c: cmd.AddCollectionItem, view: CaseView, ctx: Context) -> list[core_ev.Event]:
    require_text(c.item, "item")
    require(
        c.assigned_to == JPRCC or c.assigned_to in view.components,
        f"assigned_to is {JPRCC} or a component; unknown: {c.assigned_to:.64}",
        "assigned_to",
    )
    require_due(c.due_at, ctx)
    items = view.casefile.collection if view.casefile else {}
    return [
        *_case_opened(view, ctx),
        ev.CollectionItemAdded(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            item_id=_next_id("C", items),
            item=c.item,
            assigned_to=c.assigned_to,
            due_at=c.due_at,
            by=ctx.actor.username,
        ),
        *_shared(view, (c.assigned_to,), f"collection item: {c.item:.120}", ctx),
    ]


@decides(cmd.CompleteCollectionItem)
def complete_collection_item(
    c: cmd.CompleteCollectionItem, view: CaseView, ctx: Context
) -> list[core_ev.Event]:
    item = view.casefile.collection.get(c.item_id) if view.casefile else None
    if item is None:
        raise NotFound(f"no collection item {c.item_id} on this case", field="item_id")
    if item.done_at is not None:
        raise Conflict(f"collection item {c.item_id} is done already", field="item_id")
    require_text(c.result, "result")
    return [
        ev.CollectionItemCompleted(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            item_id=item.item_id,
            result=c.result,
            by=ctx.actor.username,
        )
    ]
