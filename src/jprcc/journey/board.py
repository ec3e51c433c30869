"""Where a person stands in their journey, in one line for the reintegration board: the lifecycle
step, where they are, who holds them, and the next decision with its time. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.brokering.incident import Person
from jprcc.core.model import DutyStatus
from jprcc.journey.model import Journey, PhaseDecision

_NEXT = {
    DutyStatus.ISOLATED: "recover the person (locate, authenticate, recover)",
    DutyStatus.EVADING: "recover the person (locate, authenticate, recover)",
    DutyStatus.MISSING: "locate the person; redesignate the status when known",
    DutyStatus.CAPTURED: "negotiated release, or the JFC orders a recovery by force",
    DutyStatus.RELEASED: "bring the person into friendly hands (a hand-off, or a move under support)",
}


@dataclass(frozen=True)
class Standing:
    lifecycle: str
    location: str
    custodian: str
    next_decision: str
    next_due: datetime | None
    ended: bool


def standing(
    person: Person,
    journey: Journey | None,
    detaining_party: str = "",
    closed_as: str | None = None,
) -> Standing:
    """Where the person stands; ``closed_as``: the incident's disposition once it is closed (a
    person whose journey has no end then leaves the board with the case: a false alarm, a
    duplicate, a case transferred to another authority)."""
    status, remains_identified = person.duty_status, person.remains_identified
    holder = journey.custodian if journey else None
    custodian = holder.label() if holder else (detaining_party if status is DutyStatus.CAPTURED else "")
    last = next((h for h in reversed(journey.custody)), None) if journey else None
    phase = journey.phase if journey else None
    latest_phase = phase is not None and (last is None or phase.began_at >= last.at)
    location = phase.location if phase is not None and latest_phase else (last.location if last else "")
    if journey is not None and journey.end is not None:
        return Standing(journey.end.value, location, custodian, "", None, True)
    if closed_as is not None:
        return Standing(
            "case_closed", location, custodian, f"incident closed: {closed_as.replace('_', ' ')}", None, True
        )
    pending = journey.pending if journey else None
    if pending is not None and pending.waits_for is not None:
        return Standing(
            _lifecycle(status, journey),
            location,
            custodian,
            f"the {pending.waits_for.value} acknowledges hand-off {pending.handoff_id} "
            f"to {pending.receiver.label()}",
            None,
            False,
        )
    if status is DutyStatus.DECEASED:
        nxt = (
            "account for the person: remains identified"
            if remains_identified
            else "recover and identify the remains"
        )
        return Standing("deceased", location, custodian, nxt, None, False)
    if status is DutyStatus.DUSTWUN:
        due = person.dustwun_due_at
        return Standing(
            "dustwun", location, custodian, "redesignate the duty status (10 days at most)", due, False
        )
    if status is not DutyStatus.RECOVERED:
        return Standing(status.value, location, custodian, _NEXT[status], None, False)
    lifecycle = _lifecycle(status, journey)
    if phase is None:
        return Standing(lifecycle, location, custodian, "begin reintegration phase I", None, False)
    if phase.decision is None:
        open_items = sum(1 for done in phase.checklist.values() if done is None)
        items = f" ({open_items} checklist item(s) open)" if open_items else ""
        return Standing(
            lifecycle,
            location,
            custodian,
            f"decide the end of phase {phase.phase.value}: continue, return to duty or medical{items}",
            phase.minimum_until,
            False,
        )
    if phase.decision is PhaseDecision.CONTINUE and phase.phase.next is not None:
        return Standing(lifecycle, location, custodian, f"begin phase {phase.phase.next.value}", None, False)
    return Standing(
        lifecycle,
        (journey.medical_care if journey else None) or location,
        custodian,
        "return to duty, or medically retire",
        None,
        False,
    )


def _lifecycle(status: DutyStatus, journey: Journey | None) -> str:
    if status is not DutyStatus.RECOVERED:
        return status.value
    phase = journey.phase if journey else None
    if phase is None or phase.decision is PhaseDecision.CONTINUE:
        return "in_friendly_custody"
    if phase.decision is PhaseDecision.MEDICAL:
        return "medical_care"
    return f"phase_{phase.phase.value}"
