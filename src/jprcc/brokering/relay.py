"""Decisions given by voice: the JPRCC records them on their giver's behalf, marked as such.

At 0300 a component's answer to a poll, or the JFC's approval, often comes over the phone. A
controller records it with ``on_behalf`` (who gave it, and how it came): the decision's own events
are recorded as usual, with the controller as their actor, and ``DecisionRelayed`` follows them,
naming the party it was recorded for (the component, or ``JFC``), the giver, the channel and the
recorder. The party then confirms the record, or disputes it with a reason; a dispute changes no
decision already acted on — it is put in front of the JPRCC to resolve.

=========================== ============================================================
command                     who it is recorded for (the party)
=========================== ============================================================
RequestAssistance           the owning component
AnswerCapabilityPoll,       the component named in the command
Accept/DeclineSupportTask
BeginRecovery               the supported component of the directive in force
Approve/RejectNomination,   the JFC
Approve/RejectTacon...
=========================== ============================================================
"""

from __future__ import annotations

from typing import Any

from jprcc.brokering import commands as cmd
from jprcc.brokering import events as ev
from jprcc.brokering.evolution import Applier, applies
from jprcc.brokering.flow import Decisions, Step
from jprcc.brokering.incident import Incident, RelayedDecision, RelayStatus
from jprcc.brokering.rules import TheaterView, require, require_text
from jprcc.core import events as core_ev
from jprcc.core.authorization import STAFF, prcc
from jprcc.core.contract import Rule, Subject
from jprcc.core.errors import Conflict, NotFound
from jprcc.core.model import Actor, Context, Role

JFC = "JFC"
"""The party of a decision that is the joint force commander's."""

_JFC_DECISIONS = (
    cmd.ApproveNomination,
    cmd.RejectNomination,
    cmd.ApproveTaconTransfer,
    cmd.RejectTaconTransfer,
)

decides = Decisions()
APPLIERS: dict[type[core_ev.Event], Applier] = {}


def party(c: cmd.RelayableCommand, incident: Incident) -> str:
    """Whose decision ``c`` is: the component it speaks for, or ``JFC``."""
    if isinstance(c, _JFC_DECISIONS):
        return JFC
    if isinstance(c, cmd.RequestAssistance):
        return incident.owning_component
    if isinstance(c, cmd.BeginRecovery):
        directive = incident.directive
        return directive.supported_component if directive is not None else incident.owning_component
    assert isinstance(c, cmd.AnswerCapabilityPoll | cmd.AcceptSupportTask | cmd.DeclineSupportTask)
    return c.component_id


def _what(c: cmd.RelayableCommand, step: Step) -> str:
    """The decision in words: the step, with the nomination or request it is about."""
    about = getattr(c, "nomination_id", None) or getattr(c, "request_id", None)
    return f"{step.action} {about}" if about else step.action


def recorded(c: cmd.RelayableCommand, incident: Incident, step: Step, ctx: Context) -> ev.DecisionRelayed:
    """The mark that follows a decision recorded on its giver's behalf."""
    assert c.on_behalf is not None
    require_text(c.on_behalf.given_by, "on_behalf.given_by", limit=200)
    return ev.DecisionRelayed(
        at=ctx.now,
        incident_id=incident.incident_id,
        record_id=f"{incident.incident_id}/R{len(incident.relayed) + 1}",
        decision=_what(c, step),
        party=party(c, incident),
        given_by=c.on_behalf.given_by.strip(),
        channel=c.on_behalf.channel,
        recorded_by=ctx.actor.username,
    )


def relayed_or(rule: Rule) -> Rule:
    """A relayable command's rule: with ``on_behalf``, only the JPRCC records it; without, the
    command's own rule."""

    def check(a: Actor, c: Any, s: Subject) -> bool:
        if getattr(c, "on_behalf", None) is not None:
            return a.role in STAFF
        return rule(a, c, s)

    return check


def speaks_for(a: Actor, p: str) -> bool:
    """The actor is the party a decision was recorded for: the JFC, or that component's PRCC."""
    return a.role is Role.JFC if p == JFC else prcc(a, p)


def record_party(a: Actor, c: Any, s: Subject) -> bool:
    """Only the party a decision was recorded for confirms or disputes the record."""
    incident: Incident | None = s.state
    record = _find(incident, c.record_id) if incident is not None else None
    return record is not None and speaks_for(a, record.party)


def _find(incident: Incident, record_id: str) -> RelayedDecision | None:
    return next((r for r in incident.relayed if r.record_id == record_id), None)


def _open_record(incident: Incident, record_id: str) -> RelayedDecision:
    record = _find(incident, record_id)
    if record is None:
        raise NotFound(f"no decision {record_id} was recorded on anyone's behalf", field="record_id")
    if record.status is not RelayStatus.RECORDED:
        said = f"the record {record_id} was already {record.status.value} by {record.answered_by}"
        raise Conflict(said, field="record_id")
    return record


@decides(cmd.ConfirmRelayedDecision, action="confirm a decision recorded for you")
def confirm(
    c: cmd.ConfirmRelayedDecision, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    _open_record(inc, c.record_id)
    require(len(c.remarks) <= 2000, "remarks is longer than 2000 characters", "remarks")
    return [
        ev.RelayedDecisionConfirmed(
            at=ctx.now,
            incident_id=inc.incident_id,
            record_id=c.record_id,
            confirmed_by=ctx.actor.username,
            remarks=c.remarks,
        )
    ]


@decides(cmd.DisputeRelayedDecision, action="dispute a decision recorded for you")
def dispute(
    c: cmd.DisputeRelayedDecision, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    _open_record(inc, c.record_id)
    require_text(c.reason, "reason", limit=2000)
    return [
        ev.RelayedDecisionDisputed(
            at=ctx.now,
            incident_id=inc.incident_id,
            record_id=c.record_id,
            disputed_by=ctx.actor.username,
            reason=c.reason,
        )
    ]


@decides(cmd.ResolveRelayedDispute, action="resolve a disputed record")
def resolve(
    c: cmd.ResolveRelayedDispute, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    record = _find(inc, c.record_id)
    if record is None:
        raise NotFound(f"no decision {c.record_id} was recorded on anyone's behalf", field="record_id")
    require(record.status is RelayStatus.DISPUTED, f"the record {c.record_id} is not disputed", "record_id")
    require_text(c.resolution, "resolution", limit=2000)
    return [
        ev.RelayedDisputeResolved(
            at=ctx.now,
            incident_id=inc.incident_id,
            record_id=c.record_id,
            resolved_by=ctx.actor.username,
            resolution=c.resolution,
        )
    ]


@applies(ev.DecisionRelayed, APPLIERS)
def _relayed(incident: Incident, e: ev.DecisionRelayed) -> None:
    incident.relayed.append(
        RelayedDecision(e.record_id, e.decision, e.party, e.given_by, e.channel, e.recorded_by, e.at)
    )


@applies(ev.RelayedDecisionConfirmed, APPLIERS)
def _confirmed(incident: Incident, e: ev.RelayedDecisionConfirmed) -> None:
    _answer(incident, e.record_id, RelayStatus.CONFIRMED, e.confirmed_by, e.at, e.remarks)


@applies(ev.RelayedDecisionDisputed, APPLIERS)
def _disputed(incident: Incident, e: ev.RelayedDecisionDisputed) -> None:
    _answer(incident, e.record_id, RelayStatus.DISPUTED, e.disputed_by, e.at, e.reason)


@applies(ev.RelayedDisputeResolved, APPLIERS)
def _resolved(incident: Incident, e: ev.RelayedDisputeResolved) -> None:
    record = _find(incident, e.record_id)
    if record is not None:
        record.status, record.resolution = RelayStatus.RESOLVED, e.resolution


def _answer(incident: Incident, record_id: str, status: RelayStatus, by: str, at: Any, text: str) -> None:
    record = _find(incident, record_id)
    if record is not None:
        record.status, record.answered_by, record.answered_at, record.answer = status, by, at, text


LINES = {
    ev.DecisionRelayed: lambda e: (
        f"Recorded on behalf of {e.party}: {e.decision}, given by {e.given_by} by "
        f"{e.channel.value.replace('_', ' ')}, recorded by {e.recorded_by} (record {e.record_id}, "
        f"to be confirmed by {e.party})"
    ),
    ev.RelayedDecisionConfirmed: lambda e: (
        f"{e.confirmed_by} confirmed the record {e.record_id}" + (f": {e.remarks}" if e.remarks else "")
    ),
    ev.RelayedDisputeResolved: lambda e: (
        f"Dispute over {e.record_id} resolved by {e.resolved_by}: {e.resolution}"
    ),
    ev.RelayedDecisionDisputed: lambda e: (
        f"DISPUTED by {e.disputed_by}: the record {e.record_id} — {e.reason}"
    ),
}
"""One line of plain language per relay event."""
