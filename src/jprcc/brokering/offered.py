"""What a user can do on an incident right now: the actions a screen offers, and only those.

An action is offered when the incident's stage allows its command and the authorization rule
lets this actor issue it (probed with the actor's own component where the command names one).
The server still decides every command in full; this list only keeps the page honest.
"""

from __future__ import annotations

from collections.abc import Callable

from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Incident, RelayStatus, SupportTaskStatus, TaconRequestStatus
from jprcc.core.authorization import STAFF
from jprcc.core.contract import Registry, Subject, may
from jprcc.core.model import (
    AT_LARGE,
    Actor,
    Condition,
    Disposition,
    DutyStatus,
    Position,
    PRTask,
    RelayChannel,
    ReportChannel,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.core.values import OnBehalf

Probe = Callable[[Actor, Incident], cmd.IncidentCommand | None]


def _own_task(actor: Actor, inc: Incident, not_status: SupportTaskStatus) -> bool:
    task = inc.support_tasks.get(actor.component_id or "")
    return task is not None and task.status != not_status


def _first_person(inc: Incident) -> str:
    return next(iter(inc.persons))


#: what a probe of a decision recorded by voice carries
VOICE = OnBehalf("-", RelayChannel.PHONE)


def _unanswered(inc: Incident) -> str | None:
    """A polled component that has not answered yet."""
    poll = inc.poll
    return next((c for c in poll.component_ids if c not in poll.answers), None) if poll else None


def _tasked(inc: Incident) -> str | None:
    """A supporting component whose task waits for its answer."""
    return next((c for c, t in inc.support_tasks.items() if t.status is SupportTaskStatus.TASKED), None)


def _open_record(actor: Actor, inc: Incident) -> str | None:
    return next((r.record_id for r in inc.relayed if r.status is RelayStatus.RECORDED), None)


PROBES: dict[str, Probe] = {
    "organic_recovery": lambda a, i: cmd.DeclareOrganicRecovery(incident_id=i.incident_id, plan="-"),
    "request_assistance": lambda a, i: cmd.RequestAssistance(
        incident_id=i.incident_id, capabilities_needed=(), reason="-", cannot_recover=a.role in STAFF
    ),
    "open_poll": lambda a, i: cmd.OpenCapabilityPoll(
        incident_id=i.incident_id, component_ids=(), capabilities_needed=()
    ),
    "answer_poll": lambda a, i: (
        cmd.AnswerCapabilityPoll(incident_id=i.incident_id, component_id=a.component_id or "")
        if i.poll is not None and a.component_id in i.poll.component_ids
        else None
    ),
    "nominate": lambda a, i: cmd.NominateSupport(
        incident_id=i.incident_id,
        supported_component="-",
        contributions=(),
        support_kind=SupportKind.DIRECT,
        priority=1,
        window_start=i.reported_at,
        window_end=i.reported_at,
        desired_effects="-",
    ),
    "approve_nomination": lambda a, i: (
        cmd.ApproveNomination(incident_id=i.incident_id, nomination_id="-")
        if i.pending_nomination is not None
        else None
    ),
    "reject_nomination": lambda a, i: (
        cmd.RejectNomination(incident_id=i.incident_id, nomination_id="-", reason="-")
        if i.pending_nomination is not None
        else None
    ),
    "accept_task": lambda a, i: (
        cmd.AcceptSupportTask(incident_id=i.incident_id, component_id=a.component_id or "")
        if _own_task(a, i, SupportTaskStatus.ACCEPTED)
        else None
    ),
    "decline_task": lambda a, i: (
        cmd.DeclineSupportTask(incident_id=i.incident_id, component_id=a.component_id or "", reason="-")
        if _own_task(a, i, SupportTaskStatus.DECLINED)
        else None
    ),
    "begin_recovery": lambda a, i: cmd.BeginRecovery(incident_id=i.incident_id),
    "abort_recovery": lambda a, i: cmd.AbortRecovery(incident_id=i.incident_id, reason="-"),
    "replan": lambda a, i: cmd.Replan(incident_id=i.incident_id, reason="-"),
    "record_recovery": lambda a, i: cmd.RecordRecovery(incident_id=i.incident_id),
    "hand_to_reintegration": lambda a, i: cmd.HandToReintegration(
        incident_id=i.incident_id, receiving_team="-"
    ),
    "close": lambda a, i: cmd.CloseIncident(incident_id=i.incident_id, disposition=Disposition.FALSE_ALARM),
    "declare_detained": lambda a, i: (
        cmd.DeclareDetained(incident_id=i.incident_id, person_ids=(), detaining_party="-")
        if any(p.duty_status in AT_LARGE for p in i.persons.values())
        else None
    ),
    "order_deliberate_recovery": lambda a, i: (
        cmd.OrderDeliberateRecovery(
            incident_id=i.incident_id,
            person_ids=tuple(p.person_id for p in i.persons.values() if p.held),
            capabilities_needed=(),
            reason="-",
        )
        if any(p.held for p in i.persons.values())
        else None
    ),
    "record_release": lambda a, i: (
        cmd.RecordRelease(incident_id=i.incident_id, person_ids=())
        if any(p.duty_status is DutyStatus.CAPTURED for p in i.persons.values())
        else None
    ),
    "change_duty_status": lambda a, i: cmd.ChangeDutyStatus(
        incident_id=i.incident_id, person_id=_first_person(i), status=DutyStatus.EVADING
    ),
    "change_condition": lambda a, i: (
        cmd.ChangeCondition(
            incident_id=i.incident_id, person_id=_first_person(i), condition=Condition.INJURED
        )
        if any(p.duty_status not in (DutyStatus.RECOVERED, DutyStatus.DECEASED) for p in i.persons.values())
        else None
    ),
    "update_task": lambda a, i: cmd.UpdateTask(
        incident_id=i.incident_id, task=PRTask.LOCATE, status=TaskStatus.COMPLETE
    ),
    "add_narrative": lambda a, i: cmd.AddNarrativeEntry(incident_id=i.incident_id, text="-"),
    "check_in": lambda a, i: cmd.CheckIn(incident_id=i.incident_id),
    "update_position": lambda a, i: cmd.UpdatePosition(
        incident_id=i.incident_id,
        position=Position(0, 0),
        uncertainty_m=0,
        channel=ReportChannel.OTHER,
        source_confidence=SourceConfidence.CANNOT_BE_JUDGED,
    ),
    "set_check_in_interval": lambda a, i: cmd.SetCheckInInterval(incident_id=i.incident_id, interval_s=600),
    "request_tacon": lambda a, i: cmd.RequestTaconTransfer(
        incident_id=i.incident_id,
        asset_ids=(),
        from_component=a.component_id or "-",
        to_component="-",
        begin=i.reported_at,
        end=i.reported_at,
        reason="-",
    ),
    "approve_tacon": lambda a, i: (
        cmd.ApproveTaconTransfer(incident_id=i.incident_id, request_id="-")
        if any(t.status is TaconRequestStatus.REQUESTED for t in i.tacon_requests.values())
        else None
    ),
    "reject_tacon": lambda a, i: (
        cmd.RejectTaconTransfer(incident_id=i.incident_id, request_id="-", reason="-")
        if any(t.status is TaconRequestStatus.REQUESTED for t in i.tacon_requests.values())
        else None
    ),
    # decisions given by voice, recorded by the JPRCC on their giver's behalf
    "relay_request_assistance": lambda a, i: cmd.RequestAssistance(
        incident_id=i.incident_id, capabilities_needed=(), reason="-", on_behalf=VOICE
    ),
    "relay_answer_poll": lambda a, i: (
        cmd.AnswerCapabilityPoll(incident_id=i.incident_id, component_id=c, on_behalf=VOICE)
        if (c := _unanswered(i)) is not None
        else None
    ),
    "relay_decision": lambda a, i: (
        cmd.ApproveNomination(incident_id=i.incident_id, nomination_id="-", on_behalf=VOICE)
        if i.pending_nomination is not None
        else None
    ),
    "relay_task_answer": lambda a, i: (
        cmd.AcceptSupportTask(incident_id=i.incident_id, component_id=c, on_behalf=VOICE)
        if (c := _tasked(i)) is not None
        else None
    ),
    "relay_begin_recovery": lambda a, i: cmd.BeginRecovery(incident_id=i.incident_id, on_behalf=VOICE),
    "confirm_record": lambda a, i: (
        cmd.ConfirmRelayedDecision(incident_id=i.incident_id, record_id=r)
        if (r := _open_record(a, i)) is not None
        else None
    ),
    "dispute_record": lambda a, i: (
        cmd.DisputeRelayedDecision(incident_id=i.incident_id, record_id=r, reason="-")
        if (r := _open_record(a, i)) is not None
        else None
    ),
    "resolve_record": lambda a, i: (
        cmd.ResolveRelayedDispute(incident_id=i.incident_id, record_id=r.record_id, resolution="-")
        if (r := next((x for x in i.relayed if x.status is RelayStatus.DISPUTED), None)) is not None
        else None
    ),
}


def available_actions(registry: Registry, actor: Actor, incident: Incident) -> list[str]:
    """The names of the actions ``actor`` can take on ``incident`` now, in flow order."""
    if not incident.is_open:
        return []
    subject = Subject(
        state=incident,
        involved=frozenset(incident.involved_components()),
        label=f"incident {incident.incident_id}",
    )
    offered = []
    stage = incident.stage
    for name, probe in PROBES.items():
        kind = _KINDS.get(name)
        if kind is not None:  # (a command the stage or the node rules out is not built to be asked)
            spec = registry.commands.get(kind)
            if spec is None or (spec.stages is not None and stage not in spec.stages):
                continue
        command = probe(actor, incident)
        if command is None:
            continue
        if kind is None:
            _KINDS[name] = type(command)
        spec = registry.commands.get(type(command))
        if spec is None:  # a capability this node does not run
            continue
        if spec.stages is not None and stage not in spec.stages:
            continue
        if may(registry, actor, command, subject):
            offered.append(name)
    return offered


_KINDS: dict[str, type[cmd.IncidentCommand]] = {}
"""The command each probe builds (one kind per probe), learnt from its first: an answer offers a
page its actions on every write, and most are ruled out by the stage alone."""
