"""The journey's decisions on a person: command + the person's journey + the incident + the plan →
events, or a refusal naming the field and the rule. Pure. (The case file's are in ``casework``.)"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jprcc.brokering.incident import Incident, Person
from jprcc.brokering.rules import MAX_CLOCK_SKEW, require, require_open, require_person, require_text
from jprcc.core import events as core_ev
from jprcc.core.authorization import STAFF, component_rep
from jprcc.core.errors import Conflict, NotFound
from jprcc.core.model import TO_BRING_BACK, Actor, Context, DutyStatus
from jprcc.journey import commands as cmd
from jprcc.journey import events as ev
from jprcc.journey.model import (
    COMPONENT_KINDS,
    Custodian,
    CustodianKind,
    HandOff,
    Journey,
    JourneyEnd,
    Phase,
    PhaseDecision,
    ReintegrationPlan,
    Side,
)

NAME_LIMIT = 200


@dataclass(frozen=True)
class PersonView:
    """What a person's decision is taken against: the incident, the journey so far (None before
    its first event), the theater's reintegration plan and the components that exist."""

    incident: Incident
    journey: Journey | None
    components: Collection[str]
    person_id: str
    plan: ReintegrationPlan = field(default_factory=lambda: ReintegrationPlan({}))

    @property
    def person(self) -> Person:
        return self.incident.persons[self.person_id]


Decider = Callable[[Any, Any, Context], list[core_ev.Event]]
DECIDERS: dict[type[Any], Decider] = {}


def decides(command: type[Any]) -> Callable[[Decider], Decider]:
    def put(fn: Decider) -> Decider:
        DECIDERS[command] = fn
        return fn

    return put


def decide(c: Any, view: PersonView, ctx: Context) -> list[core_ev.Event]:
    """The common checks (the incident open, the person in it), then the command's own rules."""
    require_open(view.incident)
    require_person(view.incident, c.person_id, "person_id")
    return DECIDERS[type(c)](c, view, ctx)


# --- shared checks -----------------------------------------------------------------------------------


def require_when(at: datetime, incident: Incident, ctx: Context, field: str) -> None:
    """A dated fact: not before the isolating event, not (beyond clock skew) in the future."""
    require(
        at >= incident.isolating_event_at,
        f"{field} is before the isolating event ({incident.isolating_event_at:%Y-%m-%d %H:%MZ})",
        field,
    )
    require(at <= ctx.now + MAX_CLOCK_SKEW, f"{field} is in the future", field)


def require_due(due: datetime | None, ctx: Context, field: str = "due_at") -> None:
    if due is not None:
        require(due > ctx.now, f"{field} is already past", field)


def require_known(components: Collection[str], component_id: str | None, field: str) -> None:
    if component_id is not None:
        require(component_id in components, f"unknown component {component_id}", field)


def _opened(view: PersonView, ctx: Context) -> list[core_ev.Event]:
    """The journey's first event, when this command is the first thing recorded about the person."""
    if view.journey is not None:
        return []
    p = view.person
    return [
        ev.JourneyOpened(
            at=ctx.now,
            person_id=p.person_id,
            incident_id=view.incident.incident_id,
            name=p.name,
            component_id=p.component_id,
        )
    ]


def _not_ended(view: PersonView) -> None:
    j = view.journey
    if j is not None and j.end is not None:
        raise Conflict(
            f"{j.person_id}'s journey ended ({j.end.value.replace('_', ' ')}); nothing more is recorded",
            field="person_id",
        )


def _named(view: PersonView, component_id: str | None, ctx: Context) -> list[core_ev.Event]:
    """Name a component to receive the person: it sees the incident from now on."""
    if component_id is None or component_id in view.incident.involved_components():
        return []
    return [
        ev.ReceivingComponentNamed(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            person_id=view.person.person_id,
            component_id=component_id,
        )
    ]


# --- custody -----------------------------------------------------------------------------------------


def current_giver(view: PersonView, given: Custodian | None) -> Custodian | None:
    """Who hands the person over: whoever holds them now; for the first hand-off the chain knows,
    the giver the command names, or, for a captured person, the captor."""
    holder = view.journey.custodian if view.journey else None
    if holder is not None:
        return holder
    if given is not None:
        return given
    if view.person.held:
        return Custodian(CustodianKind.CAPTOR, view.incident.detaining_party or "the captor")
    return None


def can_speak(custodian: Custodian | None) -> bool:
    """A captor signs nothing, and a person who was on their own has nobody to hand them over."""
    return custodian is not None and custodian.kind is not CustodianKind.CAPTOR


def speaks_for(a: Actor, custodian: Custodian | None) -> bool:
    """A component's custodian speaks through that component's PRCC or LNO; any other (a
    negotiator, the ICRC, an embassy, a national hospital) through the JPRCC."""
    if custodian is None or not can_speak(custodian):
        return False
    if custodian.component_id is not None:
        return component_rep(a, custodian.component_id)
    return a.role in STAFF


def awaited(giver: Custodian | None, receiver: Custodian, side: Side, recorder: Actor) -> tuple[Side, ...]:
    """Who must still acknowledge a hand-off just recorded: the other side, when it can speak and
    the recorder does not speak for it too (a hand-off inside one component, or between two
    custodians the JPRCC speaks for, is recorded once); and the recorded side itself, when the
    JPRCC recorded it on that component's behalf."""
    other, other_side = (giver, Side.GIVER) if side is Side.RECEIVER else (receiver, Side.RECEIVER)
    recorded = receiver if side is Side.RECEIVER else giver
    sides = [other_side] if can_speak(other) and not speaks_for(recorder, other) else []
    if not speaks_for(recorder, recorded):
        sides.append(side)
    return tuple(sides)


def _check_custodian(c: Custodian, components: Collection[str], field: str) -> None:
    require_text(c.name, f"{field}.name", limit=NAME_LIMIT)
    if c.kind in COMPONENT_KINDS:
        require(
            c.component_id is not None,
            f"a {c.kind.value.replace('_', ' ')} belongs to a component: name it",
            f"{field}.component_id",
        )
    if c.component_id is not None:
        require(
            c.component_id in components,
            f"unknown custodian component {c.component_id}",
            f"{field}.component_id",
        )


def _custody_effect(view: PersonView, receiver: Custodian, ctx: Context) -> list[core_ev.Event]:
    """What a completed hand-off changes on the incident: out of the captor's hands, released;
    into friendly hands, recovered."""
    status = view.person.duty_status
    new: DutyStatus | None = None
    if receiver.friendly and (status in TO_BRING_BACK or status is DutyStatus.CAPTURED):
        new = DutyStatus.RECOVERED
    elif status is DutyStatus.CAPTURED and receiver.kind is not CustodianKind.CAPTOR:
        new = DutyStatus.RELEASED
    if new is None:
        return []
    return [
        ev.PersonCustodyChanged(
            at=ctx.now,
            incident_id=view.incident.incident_id,
            person_id=view.person.person_id,
            custodian=receiver,
            status=new,
        )
    ]


@decides(cmd.RecordHandOff)
def record_handoff(c: cmd.RecordHandOff, view: PersonView, ctx: Context) -> list[core_ev.Event]:
    _not_ended(view)
    journey = view.journey
    pending = journey.pending if journey else None
    if pending is not None:
        raise Conflict(
            f"hand-off {pending.handoff_id} to {pending.receiver.label()} waits for the "
            f"{pending.waits_for.value if pending.waits_for else ''}'s acknowledgement",
            field="person_id",
        )
    _check_custodian(c.receiver, view.components, "receiver")
    require_text(c.location, "location", limit=NAME_LIMIT)
    require_when(c.at, view.incident, ctx, "at")
    holder = journey.custodian if journey else None
    if c.giver is not None:
        _check_custodian(c.giver, view.components, "giver")
        require(
            holder is None or c.giver.same_as(holder),
            f"the person is held by {holder.label() if holder else ''} now: the giver is the holder",
            "giver",
        )
    giver = current_giver(view, c.giver)
    require(
        not c.receiver.same_as(giver),
        "a hand-off to the custodian who holds the person already",
        "receiver",
    )
    require(
        giver is not None or c.side is Side.RECEIVER,
        "nobody holds the person yet: the receiver records the first hand-off",
        "side",
    )
    require(
        giver is None or giver.kind is not CustodianKind.CAPTOR or c.side is Side.RECEIVER,
        "the captor records nothing: the receiver records a hand-off out of captivity",
        "side",
    )
    last = next((h for h in reversed(journey.custody) if h.at), None) if journey else None
    if last is not None:
        require(
            c.at >= last.at,
            f"at is before the last hand-off ({last.at:%Y-%m-%d %H:%MZ}): hand-offs are recorded in order",
            "at",
        )
    status = view.person.duty_status
    require(
        status is not DutyStatus.RECOVERED or c.receiver.friendly,
        "the person is in friendly hands: only a friendly custodian may receive them",
        "receiver.kind",
    )
    awaits = awaited(giver, c.receiver, c.side, ctx.actor)
    number = len(journey.custody) + 1 if journey else 1
    events: list[core_ev.Event] = [
        *_opened(view, ctx),
        ev.HandOffRecorded(
            at=ctx.now,
            incident_id=c.incident_id,
            person_id=c.person_id,
            handoff_id=f"H{number}",
            giver=giver,
            receiver=c.receiver,
            location=c.location,
            happened_at=c.at,
            recorded_by=ctx.actor.username,
            side=c.side,
            awaits=awaits,
            remarks=c.remarks,
        ),
        *_named(view, c.receiver.component_id, ctx),
    ]
    if not awaits:
        events += _custody_effect(view, c.receiver, ctx)
    return events


def _handoff(view: PersonView, handoff_id: str) -> HandOff:
    found = view.journey.handoff(handoff_id) if view.journey else None
    if found is None:
        raise NotFound(f"{view.person.person_id} has no hand-off {handoff_id}", field="handoff_id")
    return found


@decides(cmd.AcknowledgeHandOff)
def acknowledge_handoff(c: cmd.AcknowledgeHandOff, view: PersonView, ctx: Context) -> list[core_ev.Event]:
    h = _handoff(view, c.handoff_id)
    if not h.awaits:
        raise Conflict(f"hand-off {h.handoff_id} is acknowledged already", field="handoff_id")
    side = next((s for s in h.awaits if speaks_for(ctx.actor, h.custodian(s))), h.awaits[0])
    events: list[core_ev.Event] = [
        ev.HandOffAcknowledged(
            at=ctx.now,
            incident_id=c.incident_id,
            person_id=c.person_id,
            handoff_id=h.handoff_id,
            side=side,
            by=ctx.actor.username,
            remarks=c.remarks,
        )
    ]
    if len(h.awaits) == 1:
        events += _custody_effect(view, h.receiver, ctx)
    return events


# --- reintegration -----------------------------------------------------------------------------------


_BEFORE = {Phase.II: Phase.I, Phase.III: Phase.II}


@decides(cmd.BeginPhase)
def begin_phase(c: cmd.BeginPhase, view: PersonView, ctx: Context) -> list[core_ev.Event]:
    _not_ended(view)
    status = view.person.duty_status
    require(
        status is DutyStatus.RECOVERED,
        f"{c.person_id} is {status.value}: reintegration begins once the person is in friendly hands",
        "person_id",
    )
    current = view.journey.phase if view.journey else None
    if c.phase is Phase.I:
        require(current is None, "phase I has begun already: phases go I, II, III", "phase")
    else:
        before = _BEFORE[c.phase]
        require(
            current is not None and current.phase is before and current.decision is PhaseDecision.CONTINUE,
            f"phase out of order: phase {c.phase.value} follows phase {before.value}'s decision to continue",
            "phase",
        )
    require_text(c.location, "location", limit=NAME_LIMIT)
    require_text(c.facility, "facility", limit=NAME_LIMIT)
    require_known(view.components, c.component_id, "component_id")
    return [
        *_opened(view, ctx),
        ev.PhaseBegun(
            at=ctx.now,
            incident_id=c.incident_id,
            person_id=c.person_id,
            phase=c.phase,
            location=c.location,
            facility=c.facility,
            component_id=c.component_id,
            checklist=view.plan.checklists.get(c.phase, ()),
            minimum_until=ctx.now + view.plan.phase_two_minimum if c.phase is Phase.II else None,
            by=ctx.actor.username,
        ),
        *_named(view, c.component_id, ctx),
    ]


@decides(cmd.AssignTeamMember)
def assign_team_member(c: cmd.AssignTeamMember, view: PersonView, ctx: Context) -> list[core_ev.Event]:
    _not_ended(view)
    require_text(c.name, "name", limit=NAME_LIMIT)
    if view.journey is not None and view.journey.team.get(c.role) == c.name:
        raise Conflict(f"{c.name} is the {c.role.value.replace('_', ' ')} already", field="name")
    return [
        *_opened(view, ctx),
        ev.TeamMemberAssigned(
            at=ctx.now, incident_id=c.incident_id, person_id=c.person_id, role=c.role, name=c.name
        ),
    ]


def _phase_in_progress(view: PersonView) -> Any:
    current = view.journey.phase if view.journey else None
    if current is None or current.decision is not None:
        raise Conflict(f"{view.person.person_id} is in no reintegration phase now", field="person_id")
    return current


@decides(cmd.CompleteChecklistItem)
def complete_checklist_item(
    c: cmd.CompleteChecklistItem, view: PersonView, ctx: Context
) -> list[core_ev.Event]:
    current = _phase_in_progress(view)
    require(
        c.item in current.checklist,
        f"{c.item!s:.80} is not on phase {current.phase.value}'s checklist",
        "item",
    )
    if current.checklist[c.item] is not None:
        raise Conflict(f"{c.item} is done already", field="item")
    return [
        ev.ChecklistItemDone(
            at=ctx.now,
            incident_id=c.incident_id,
            person_id=c.person_id,
            phase=current.phase,
            item=c.item,
            by=ctx.actor.username,
        )
    ]


@decides(cmd.DecidePhase)
def decide_phase(c: cmd.DecidePhase, view: PersonView, ctx: Context) -> list[core_ev.Event]:
    current = _phase_in_progress(view)
    require_text(c.reason, "reason")
    override = c.override_reason.strip()
    require(
        c.decision is not PhaseDecision.CONTINUE or current.phase.next is not None,
        "phase III is the last phase: return to duty, or medical",
        "decision",
    )
    earliest = current.minimum_until
    if earliest is not None and not override:
        hours = (earliest - current.began_at).total_seconds() / 3600
        require(
            ctx.now >= earliest,
            f"phase {current.phase.value} lasts at least {hours:g} h of decompression (until "
            f"{earliest:%Y-%m-%d %H:%MZ}): to end it sooner, give a reason to override (override_reason)",
            "decision",
        )
    open_items = [item for item, done in current.checklist.items() if done is None]
    require(
        not open_items or bool(override) or c.decision is PhaseDecision.MEDICAL,
        f"phase {current.phase.value}'s checklist is not done ({', '.join(open_items)}): finish it, "
        "or give a reason to override (override_reason)",
        "decision",
    )
    if c.decision is PhaseDecision.MEDICAL:
        require_text(c.medical_facility, "medical_facility", limit=NAME_LIMIT)
    events: list[core_ev.Event] = [
        ev.PhaseDecided(
            at=ctx.now,
            incident_id=c.incident_id,
            person_id=c.person_id,
            phase=current.phase,
            decision=c.decision,
            reason=c.reason,
            override_reason=override,
            medical_facility=c.medical_facility,
            by=ctx.actor.username,
        )
    ]
    if c.decision is PhaseDecision.RETURN_TO_DUTY:
        events += _ended(view, JourneyEnd.RETURNED_TO_DUTY, c.reason, ctx)
    return events


def _ended(view: PersonView, end: JourneyEnd, remarks: str, ctx: Context) -> list[core_ev.Event]:
    pid = view.person.person_id
    return [
        ev.JourneyEnded(
            at=ctx.now, incident_id=view.incident.incident_id, person_id=pid, end=end, remarks=remarks
        ),
        ev.PersonAccountedFor(at=ctx.now, incident_id=view.incident.incident_id, person_id=pid, end=end),
    ]


@decides(cmd.EndJourney)
def end_journey(c: cmd.EndJourney, view: PersonView, ctx: Context) -> list[core_ev.Event]:
    """Accounted for only when returned alive (through reintegration) or remains identified."""
    _not_ended(view)
    person = view.person
    if c.end is JourneyEnd.REMAINS_IDENTIFIED:
        require(
            person.duty_status is DutyStatus.DECEASED and person.remains_identified,
            f"{person.person_id} is {person.duty_status.value}"
            + (", remains not identified" if person.duty_status is DutyStatus.DECEASED else "")
            + ": accounted for as deceased only once the remains are identified",
            "end",
        )
    else:
        require(
            person.duty_status is DutyStatus.RECOVERED,
            f"{person.person_id} is {person.duty_status.value}: only a person back in friendly hands "
            "returns to duty or retires",
            "end",
        )
        current = view.journey.phase if view.journey else None
        require(
            current is not None and current.decision is PhaseDecision.MEDICAL,
            "a returned person ends the journey through reintegration: decide the phase in progress "
            "(return to duty), or end it after the phase decided medical care",
            "end",
        )
    return [*_opened(view, ctx), *_ended(view, c.end, c.remarks, ctx)]
