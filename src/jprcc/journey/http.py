"""The journey's actions: the reintegration board, a person's journey, custody hand-offs,
reintegration phases and the end of the journey; an incident's case file (the interagency track,
the information collection plan). One table (``ACTIONS``) drives the HTTP routes and the CLI
(``jprcc persons ...``, in-process or against a server)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path

from jprcc.api.views import TimelineEntryOut
from jprcc.brokering.http import IncidentId, PersonId
from jprcc.core.authorization import STAFF
from jprcc.core.contract import Action, Call, Subject, may
from jprcc.core.model import Actor, DutyStatus
from jprcc.core.wire import command_from
from jprcc.journey import commands as cmd
from jprcc.journey import schemas as b
from jprcc.journey.casework import CaseView
from jprcc.journey.decide import PersonView
from jprcc.journey.model import (
    ActorKind,
    Approval,
    Casefile,
    Custodian,
    HandOff,
    JourneyEnd,
    Phase,
    PhaseDecision,
    RequestKind,
    TeamRole,
)
from jprcc.journey.queries import JourneyQueries, PersonRecord

ItemId = Annotated[str, Path(pattern=r"^[A-Z][0-9]{1,6}$", max_length=8, description="e.g. H1, R2, C3")]
PERSON = "/api/incidents/{incident_id}/persons/{person_id}/journey"
CASE = "/api/incidents/{incident_id}/casefile"
TAGS = ("persons",)
CASE_TAGS = ("interagency",)
PERSON_PATH = {"incident_id": IncidentId, "person_id": PersonId}
CASE_PATH = {"incident_id": IncidentId}


def _queries(call: Call) -> JourneyQueries:
    found: JourneyQueries = call.node.service(JourneyQueries)
    return found


# --- answers -------------------------------------------------------------------------------------


def _custodian(c: Custodian | None) -> b.CustodianOut | None:
    if c is None:
        return None
    return b.CustodianOut(
        kind=c.kind, name=c.name, component_id=c.component_id, friendly=c.friendly, label=c.label()
    )


def _handoff(h: HandOff) -> b.HandOffOut:
    receiver = _custodian(h.receiver)
    assert receiver is not None
    return b.HandOffOut(
        handoff_id=h.handoff_id,
        giver=_custodian(h.giver),
        receiver=receiver,
        location=h.location,
        at=h.at,
        recorded_by=h.recorded_by,
        recorded_side=h.recorded_side,
        status=h.status,
        waits_for=h.waits_for,
        acknowledged_by=h.acknowledged_by,
        acknowledged_at=h.acknowledged_at,
        remarks=h.remarks,
    )


def _may_begin_phase(v: PersonView) -> bool:
    """A phase can begin: the person is in friendly hands, and no phase runs or the last said go on."""
    if v.person.duty_status is not DutyStatus.RECOVERED:
        return False
    current = v.journey.phase if v.journey else None
    return current is None or (current.decision is PhaseDecision.CONTINUE and current.phase.next is not None)


def _possible_end(v: PersonView) -> JourneyEnd | None:
    """How the journey may end now, outside a phase's decision (after medical care, or remains)."""
    person = v.person
    if person.duty_status is DutyStatus.DECEASED and person.remains_identified:
        return JourneyEnd.REMAINS_IDENTIFIED
    current = v.journey.phase if v.journey else None
    if (
        person.duty_status is DutyStatus.RECOVERED
        and current is not None
        and current.decision is PhaseDecision.MEDICAL
    ):
        return JourneyEnd.MEDICALLY_RETIRED
    return None


#: what a journey's page may offer: what the person's state allows, probed against the reader's rights
_PROBES: dict[str, Callable[[PersonView], Any]] = {
    "acknowledge_handoff": lambda v: (
        cmd.AcknowledgeHandOff(
            incident_id=v.incident.incident_id, person_id=v.person_id, handoff_id=v.journey.pending.handoff_id
        )
        if v.journey is not None and v.journey.pending is not None
        else None
    ),
    "begin_phase": lambda v: (
        cmd.BeginPhase(
            incident_id=v.incident.incident_id,
            person_id=v.person_id,
            phase=Phase.I,
            location="-",
            facility="-",
        )
        if _may_begin_phase(v)
        else None
    ),
    "assign_team_member": lambda v: cmd.AssignTeamMember(
        incident_id=v.incident.incident_id, person_id=v.person_id, role=TeamRole.MEDICAL, name="-"
    ),
    "complete_checklist_item": lambda v: (
        cmd.CompleteChecklistItem(incident_id=v.incident.incident_id, person_id=v.person_id, item="-")
        if v.journey is not None and v.journey.in_reintegration
        else None
    ),
    "decide_phase": lambda v: (
        cmd.DecidePhase(
            incident_id=v.incident.incident_id,
            person_id=v.person_id,
            decision=PhaseDecision.CONTINUE,
            reason="-",
        )
        if v.journey is not None and v.journey.in_reintegration
        else None
    ),
    "end_journey": lambda v: (
        cmd.EndJourney(incident_id=v.incident.incident_id, person_id=v.person_id, end=end)
        if (end := _possible_end(v)) is not None
        else None
    ),
}


def _allowed(call: Call, rec: PersonRecord, person_id: str) -> list[str]:
    journey = rec.journey
    if not rec.incident.is_open or (journey is not None and journey.end is not None):
        return []
    view = PersonView(rec.incident, journey, (), person_id)
    subject = Subject(state=view, involved=frozenset(rec.incident.involved_components()))
    actor: Actor = call.actor
    offered = []
    involved = subject.involved or frozenset()
    if actor.role in STAFF or (actor.role.component_bound and actor.component_id in involved):
        offered.append("record_handoff")
    for name, probe in _PROBES.items():
        command = probe(view)
        if command is not None and may(call.node.registry, actor, command, subject):
            offered.append(name)
    return offered


def journey_out(call: Call, incident_id: str, person_id: str) -> b.JourneyOut:
    rec = _queries(call).person(call.actor, incident_id, person_id)
    person = rec.incident.persons[person_id]
    j = rec.journey
    row: dict[str, Any] = (
        b.PersonRowOut.of(rec.row).model_dump()
        if rec.row is not None
        else {
            "person_id": person_id,
            "incident_id": incident_id,
            "name": person.name,
            "component_id": person.component_id,
            "duty_status": person.duty_status.value,
            "lifecycle": person.duty_status.value,
            "location": "",
            "custodian": "",
            "next_decision": "",
            "next_due": None,
            "ended": False,
            "updated_at": person.status_since,
        }
    )
    return b.JourneyOut(
        **row,
        incident_title=rec.incident.title,
        incident_stage=rec.incident.stage.value,
        isolating_event_at=rec.incident.isolating_event_at,
        condition=person.condition.value,
        remains_identified=person.remains_identified,
        dustwun_due_at=person.dustwun_due_at,
        custody=[_handoff(h) for h in j.custody] if j else [],
        phases=[
            b.PhaseOut(
                phase=p.phase,
                location=p.location,
                facility=p.facility,
                component_id=p.component_id,
                began_at=p.began_at,
                began_by=p.began_by,
                minimum_until=p.minimum_until,
                checklist=[b.ChecklistItemOut(item=k, done_at=v) for k, v in p.checklist.items()],
                decision=p.decision,
                decided_at=p.decided_at,
                decided_by=p.decided_by,
                decision_reason=p.decision_reason,
                override_reason=p.override_reason,
            )
            for p in (j.phases if j else [])
        ],
        team=dict(j.team) if j else {},
        team_roles=list(TeamRole),
        medical_care=j.medical_care if j else None,
        end=j.end if j else None,
        ended_at=j.ended_at if j else None,
        timeline=[
            TimelineEntryOut(seq=t.seq, at=t.at, actor=t.actor, event_type=t.event_type, summary=t.summary)
            for t in rec.timeline
        ],
        allowed_actions=_allowed(call, rec, person_id),
    )


def _case_allowed(call: Call, incident: Any, casefile: Casefile) -> list[str]:
    """The case file's actions the reader may take now (probed against the same rules as the bus)."""
    if not incident.is_open:
        return []
    iid = incident.incident_id
    pending = next((r for r in casefile.requests.values() if r.approval is Approval.PENDING), None)
    approved = next(
        (r for r in casefile.requests.values() if r.approval is Approval.APPROVED and r.done_at is None), None
    )
    open_item = next((i for i in casefile.collection.values() if i.done_at is None), None)
    probes: dict[str, Any] = {
        "add_actor": cmd.AddInteragencyActor(
            incident_id=iid, organisation="-", kind=ActorKind.OTHER, contact="-", role="-"
        ),
        "raise_request": cmd.RaiseInteragencyRequest(
            incident_id=iid, kind=RequestKind.REQUEST, actor_id="-", text="-", source="-"
        )
        if casefile.actors
        else None,
        "decide_request": cmd.DecideInteragencyRequest(
            incident_id=iid, request_id=pending.request_id, approve=True
        )
        if pending
        else None,
        "complete_request": cmd.CompleteInteragencyRequest(
            incident_id=iid, request_id=approved.request_id, outcome="-"
        )
        if approved
        else None,
        "add_entry": cmd.AddCaseEntry(incident_id=iid, at=incident.reported_at, source="-", text="-"),
        "add_collection_item": cmd.AddCollectionItem(incident_id=iid, item="-", assigned_to="JPRCC"),
        "complete_collection_item": cmd.CompleteCollectionItem(
            incident_id=iid, item_id=open_item.item_id, result="-"
        )
        if open_item
        else None,
    }
    subject = Subject(
        state=CaseView(incident, casefile, ()), involved=frozenset(incident.involved_components())
    )
    return [
        name
        for name, command in probes.items()
        if command is not None and may(call.node.registry, call.actor, command, subject)
    ]


def _overdue(due: datetime | None, done: datetime | None, now: datetime) -> bool:
    return due is not None and done is None and due < now


def casefile_out(call: Call, incident_id: str) -> b.CasefileOut:
    q = _queries(call)
    incident, casefile, visible = q.casefile(call.actor, incident_id)
    now = call.node.queries.clock()
    f = casefile or Casefile(incident_id, incident.reported_at, version=0)

    def shown(actor_id: str | None) -> bool:
        return visible is None or (actor_id is not None and actor_id in visible)

    return b.CasefileOut(
        incident_id=incident_id,
        version=f.version,
        actors=[
            b.ActorOut.model_validate(a, from_attributes=True) for a in f.actors.values() if shown(a.actor_id)
        ],
        requests=[
            b.RequestOut.model_validate({**vars(r), "overdue": _overdue(r.due_at, r.done_at, now)})
            for r in f.requests.values()
            if shown(r.actor_id)
        ],
        entries=[b.EntryOut.model_validate(e, from_attributes=True) for e in f.entries if shown(e.actor_id)],
        collection=[
            b.CollectionItemOut.model_validate({**vars(i), "overdue": _overdue(i.due_at, i.done_at, now)})
            for i in f.collection.values()
        ],
        area_reports=[b.AreaReportOut(**vars(r)) for r in q.area_reports(incident, now)],
        partial=visible is not None,
        allowed_actions=_case_allowed(call, incident, f),
    )


# --- actions ---------------------------------------------------------------------------------------


def _board(call: Call) -> list[b.PersonRowOut]:
    q: b.BoardQuery = call.query
    return [b.PersonRowOut.of(r) for r in _queries(call).board(call.actor, q.include_ended, q.component)]


def _journey(call: Call) -> b.JourneyOut:
    return journey_out(call, call.path["incident_id"], call.path["person_id"])


def _casefile(call: Call) -> b.CasefileOut:
    return casefile_out(call, call.path["incident_id"])


def _write(
    name: str,
    path: str,
    command: type[Any],
    body: type[Any],
    summary: str,
    answer: Callable[[Call], Any],
    response: type[Any],
    tags: tuple[str, ...],
    path_params: dict[str, Any],
) -> Action:
    """A journey or case-file command as an action: path and body make the command; the answer is
    the journey (or the case file) as it now stands."""

    def run(call: Call) -> Any:
        call.node.bus.handle(command_from(command, call.body, **call.path), call.actor)
        return answer(call)

    return Action(
        name=name,
        method="POST",
        path=path,
        summary=summary,
        run=run,
        body=body,
        path_params=path_params,
        response=response,
        command=command,
        tags=tags,
    )


def person_write(
    name: str, path: str, command: type[Any], body: type[Any], summary: str, **params: Any
) -> Action:
    return _write(
        f"persons.{name}",
        PERSON + path,
        command,
        body,
        summary,
        _journey,
        b.JourneyOut,
        TAGS,
        {**PERSON_PATH, **params},
    )


def case_write(
    name: str, path: str, command: type[Any], body: type[Any], summary: str, **params: Any
) -> Action:
    return _write(
        f"casefile.{name}",
        CASE + path,
        command,
        body,
        summary,
        _casefile,
        b.CasefileOut,
        CASE_TAGS,
        {**CASE_PATH, **params},
    )


ACTIONS: tuple[Action, ...] = (
    Action(
        "persons.board",
        "GET",
        "/api/persons",
        "The reintegration board: every isolated person's step, place, custodian and next decision",
        _board,
        query=b.BoardQuery,
        response=list[b.PersonRowOut],
        tags=TAGS,
    ),
    Action(
        "persons.journey",
        "GET",
        PERSON,
        "One person's journey: custody chain, reintegration phases, timeline from isolation on",
        _journey,
        path_params=PERSON_PATH,
        response=b.JourneyOut,
        tags=TAGS,
    ),
    person_write(
        "handoff", "/handoffs", cmd.RecordHandOff, b.HandOffIn, "Record a custody hand-off (one side)"
    ),
    person_write(
        "acknowledge",
        "/handoffs/{handoff_id}/acknowledgement",
        cmd.AcknowledgeHandOff,
        b.AcknowledgeIn,
        "Acknowledge a custody hand-off (the other side)",
        handoff_id=ItemId,
    ),
    person_write("phase", "/phases", cmd.BeginPhase, b.PhaseIn, "Begin a reintegration phase"),
    person_write(
        "team", "/team", cmd.AssignTeamMember, b.TeamMemberIn, "Name a member of the reintegration team"
    ),
    person_write(
        "checklist", "/checklist", cmd.CompleteChecklistItem, b.ChecklistItemIn, "Mark a checklist item done"
    ),
    person_write(
        "decision", "/decision", cmd.DecidePhase, b.PhaseDecisionIn, "Decide the end of the phase in progress"
    ),
    person_write("end", "/end", cmd.EndJourney, b.EndJourneyIn, "Account for the person: the journey's end"),
    Action(
        "casefile.show",
        "GET",
        CASE,
        "The incident's case file: interagency track, collection plan, PSYOP and Civil Affairs reports",
        _casefile,
        path_params=CASE_PATH,
        response=b.CasefileOut,
        tags=CASE_TAGS,
    ),
    case_write(
        "actor",
        "/actors",
        cmd.AddInteragencyActor,
        b.ActorIn,
        "Add an interagency actor (an organisation's contact)",
    ),
    case_write(
        "request", "/requests", cmd.RaiseInteragencyRequest, b.RequestIn, "Raise a request or a tasking"
    ),
    case_write(
        "decide_request",
        "/requests/{request_id}/decision",
        cmd.DecideInteragencyRequest,
        b.RequestDecisionIn,
        "Approve or refuse a request or tasking",
        request_id=ItemId,
    ),
    case_write(
        "complete_request",
        "/requests/{request_id}/outcome",
        cmd.CompleteInteragencyRequest,
        b.OutcomeIn,
        "Record the outcome of an approved request",
        request_id=ItemId,
    ),
    case_write("entry", "/entries", cmd.AddCaseEntry, b.CaseEntryIn, "Add a sourced, dated entry"),
    case_write(
        "collection",
        "/collection",
        cmd.AddCollectionItem,
        b.CollectionItemIn,
        "Add an item to the collection plan",
    ),
    case_write(
        "collection_done",
        "/collection/{item_id}/result",
        cmd.CompleteCollectionItem,
        b.CollectionResultIn,
        "Record a collection item's result",
        item_id=ItemId,
    ),
)
