"""Who may record what of a person's journey and of an incident's case file. Pure.

=============================== ================================================================
command                         who may issue it
=============================== ================================================================
RecordHandOff                   whoever speaks for the side that records it: a custodian of a
                                component by that component's PRCC officer or liaison officer;
                                one of no component (the ICRC, an embassy) by the JPRCC; the
                                JPRCC also on a component's behalf (that side then acknowledges)
AcknowledgeHandOff              whoever speaks for a side still awaited (the other side; the
                                recorded side when the JPRCC recorded for it), not the recorder
BeginPhase, AssignTeamMember,   the JPRCC; the PRCC officer of the person's component, of the
CompleteChecklistItem           component that runs the phase, or of the one holding the person
DecidePhase                     the JPRCC director; the PRCC officer of the person's component
EndJourney                      as DecidePhase; remains identified: the JPRCC director only
AddInteragencyActor,            the JPRCC; the PRCC officer of a person's component
RaiseInteragencyRequest,
AddCaseEntry,
CompleteInteragencyRequest
DecideInteragencyRequest        the JPRCC director or the JFC
AddCollectionItem               the JPRCC; the PRCC officer of a component the incident involves
CompleteCollectionItem          the JPRCC; the PRCC officer of the component it is assigned to
=============================== ================================================================

Reading the case file (need-to-know): the JFC, the JPRCC, and the representatives of a person's
component or of a receiving component; an interagency actor's further ``need_to_know``
components see that actor and what names it. Observers do not see the interagency track.
"""

from __future__ import annotations

from typing import Any

from jprcc.core.authorization import STAFF, component_rep, prcc
from jprcc.core.contract import Subject
from jprcc.core.model import Actor, Role
from jprcc.journey import commands as cmd
from jprcc.journey.casework import JPRCC
from jprcc.journey.decide import current_giver, speaks_for
from jprcc.journey.model import Casefile, Side

R = Role


def _person_component(s: Subject, c: Any) -> str | None:
    view = s.state
    if view is None or c.person_id not in view.incident.persons:
        return None
    return str(view.incident.persons[c.person_id].component_id)


def record_handoff(a: Actor, c: Any, s: Subject) -> bool:
    """Whoever speaks for the recorded side; or the JPRCC on a component's behalf (that side then
    acknowledges it too)."""
    assert isinstance(c, cmd.RecordHandOff)
    if a.role in STAFF:
        return True
    if c.side is Side.RECEIVER:
        return speaks_for(a, c.receiver)
    view = s.state
    if view is None or c.person_id not in view.incident.persons:
        return False
    return speaks_for(a, current_giver(view, c.giver))


def acknowledge_handoff(a: Actor, c: Any, s: Subject) -> bool:
    """Whoever speaks for a side still awaited, and not the one who recorded the hand-off."""
    assert isinstance(c, cmd.AcknowledgeHandOff)
    journey = s.state.journey if s.state is not None else None
    handoff = journey.handoff(c.handoff_id) if journey is not None else None
    if handoff is None or not handoff.awaits:
        return a.role in STAFF or component_rep(a, *(s.involved or ()))  # the decider refuses it
    if a.username == handoff.recorded_by:
        return False
    return any(speaks_for(a, handoff.custodian(side)) for side in handoff.awaits)


def _phase_component(s: Subject) -> str | None:
    journey = s.state.journey if s.state is not None else None
    current = journey.phase if journey is not None else None
    return current.component_id if current is not None else None


def _holder_component(s: Subject) -> str | None:
    journey = s.state.journey if s.state is not None else None
    holder = journey.custodian if journey is not None else None
    return holder.component_id if holder is not None else None


def reintegration_work(a: Actor, c: Any, s: Subject) -> bool:
    """The JPRCC; the PRCC of the person's component, of the component running the phase, or of
    the component that holds the person now (phase I begins where the person is)."""
    own = _person_component(s, c)
    running = getattr(c, "component_id", None) or _phase_component(s)
    return a.role in STAFF or prcc(a, own, running, _holder_component(s))


def phase_decision(a: Actor, c: Any, s: Subject) -> bool:
    return a.role is R.JPRCC_DIRECTOR or prcc(a, _person_component(s, c))


def end_journey(a: Actor, c: Any, s: Subject) -> bool:
    assert isinstance(c, cmd.EndJourney)
    if c.end.value == "remains_identified":
        return a.role is R.JPRCC_DIRECTOR
    return phase_decision(a, c, s)


# --- the case file -------------------------------------------------------------------------------


def persons_components(s: Subject) -> set[str]:
    view = s.state
    if view is None:
        return set()
    return {p.component_id for p in view.incident.persons.values()}


def case_work(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in STAFF or prcc(a, *persons_components(s))


def director_or_jfc(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in (R.JPRCC_DIRECTOR, R.JFC)


def add_collection_item(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in STAFF or prcc(a, *(s.involved or ()))


def complete_collection_item(a: Actor, c: Any, s: Subject) -> bool:
    assert isinstance(c, cmd.CompleteCollectionItem)
    casefile = s.state.casefile if s.state is not None else None
    item = casefile.collection.get(c.item_id) if casefile is not None else None
    if a.role in STAFF:
        return True
    return item is not None and item.assigned_to != JPRCC and prcc(a, item.assigned_to)


def may_read_casefile(a: Actor, persons: set[str], receiving: set[str]) -> bool:
    """Need-to-know for the interagency track as a whole."""
    if a.role in (R.JFC, R.JPRCC_DIRECTOR, R.JPRCC_CONTROLLER):
        return True
    return component_rep(a, *persons, *receiving)


def visible_actor_ids(
    a: Actor, casefile: Casefile, persons: set[str], receiving: set[str]
) -> set[str] | None:
    """The interagency actors ``a`` may see (None: every one); an empty set: none."""
    if may_read_casefile(a, persons, receiving):
        return None
    return {x.actor_id for x in casefile.actors.values() if component_rep(a, *x.need_to_know)}
