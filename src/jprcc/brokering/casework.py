"""Casework decisions: recovery and accounting of persons, the five PR tasks, the case
narrative, check-in timers and alerts, position updates, and closing the incident."""

from __future__ import annotations

from collections.abc import Collection

from jprcc.brokering import commands as cmd
from jprcc.brokering import events as ev
from jprcc.brokering.flow import BEFORE_RECOVERY, Decisions
from jprcc.brokering.incident import Incident, Stage, narrative_entry_id
from jprcc.brokering.rules import (
    CHECK_IN_RANGE_S,
    MAX_UNCERTAINTY_M,
    TheaterView,
    require,
    require_person,
    require_text,
)
from jprcc.core import events as core_ev
from jprcc.core.errors import Conflict
from jprcc.core.model import (
    AT_LARGE,
    REINTEGRATED,
    TO_BRING_BACK,
    Capability,
    Context,
    Disposition,
    DutyStatus,
)

S = Stage

decides = Decisions()


def _check_persons(
    inc: Incident,
    person_ids: tuple[str, ...],
    allowed: Collection[DutyStatus],
    what: str,
    also: Collection[str] = (),
) -> None:
    """Every named person exists and is in one of the ``allowed`` statuses (or is one of ``also``)."""
    require(bool(person_ids), "name at least one person", "person_ids")
    require(len(set(person_ids)) == len(person_ids), "a person is named twice", "person_ids")
    for i, pid in enumerate(person_ids):
        require_person(inc, pid, f"person_ids[{i}]")
        status = inc.persons[pid].duty_status
        require(
            status in allowed or pid in also,
            f"person {pid} is {status.value}; cannot {what}",
            f"person_ids[{i}]",
        )


def _to_bring_back(inc: Incident) -> tuple[str, ...]:
    """Who a recovery brings back: those at large, those released, and the detained persons the
    JFC ordered recovered by force."""
    ordered = {pid for pid in inc.deliberate_recovery if inc.persons[pid].held}
    return tuple(
        p.person_id for p in inc.persons.values() if p.duty_status in TO_BRING_BACK or p.person_id in ordered
    )


@decides(cmd.RecordRecovery, stages=(S.ORGANIC_RECOVERY, S.RECOVERY_UNDERWAY), action="record a recovery")
def record_recovery(
    c: cmd.RecordRecovery, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    person_ids = c.person_ids or _to_bring_back(inc)
    _check_persons(inc, person_ids, TO_BRING_BACK, "record their recovery", also=_to_bring_back(inc))
    return [
        ev.PersonsRecovered(at=ctx.now, incident_id=inc.incident_id, person_ids=person_ids, remarks=c.remarks)
    ]


@decides(cmd.DeclareDetained, stages=BEFORE_RECOVERY, action="declare persons detained")
def declare_detained(
    c: cmd.DeclareDetained, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    _check_persons(inc, c.person_ids, AT_LARGE, "declare them detained")
    require_text(c.detaining_party, "detaining_party", limit=200)
    return [
        ev.PersonsDetained(
            at=ctx.now,
            incident_id=inc.incident_id,
            person_ids=c.person_ids,
            detaining_party=c.detaining_party,
            remarks=c.remarks,
        )
    ]


@decides(cmd.OrderDeliberateRecovery, stages=(S.DETAINED,), action="order a recovery by force")
def order_deliberate_recovery(
    c: cmd.OrderDeliberateRecovery, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    """A raid on where the persons are held, brokered like any other recovery (assistance, poll,
    nomination, the JFC's approval); the negotiated track is not closed by it."""
    _check_persons(inc, c.person_ids, (DutyStatus.CAPTURED,), "order their recovery by force")
    require_text(c.reason, "reason")
    require(len(c.capabilities_needed) <= 20, "at most 20 capabilities", "capabilities_needed")
    needed = c.capabilities_needed or (Capability.SPECIAL_OPERATIONS_TEAM, Capability.ISR)
    return [
        ev.DeliberateRecoveryOrdered(
            at=ctx.now,
            incident_id=inc.incident_id,
            person_ids=c.person_ids,
            capabilities_needed=needed,
            reason=c.reason,
        )
    ]


@decides(cmd.RecordRelease)
def record_release(
    c: cmd.RecordRelease, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    _check_persons(inc, c.person_ids, (DutyStatus.CAPTURED,), "record their release")
    return [
        ev.PersonsReleased(
            at=ctx.now, incident_id=inc.incident_id, person_ids=c.person_ids, remarks=c.remarks
        )
    ]


#: statuses that have their own command, because they move the incident along
_STATUS_BY_COMMAND = {
    DutyStatus.RECOVERED: "record the recovery, or the hand-off to friendly custody, instead",
    DutyStatus.CAPTURED: "declare the person detained instead",
    DutyStatus.RELEASED: "record the release instead",
}

#: from captivity a person leaves only by release, by force, by escape (evading again) or by death
_FROM_CAPTIVITY = (DutyStatus.EVADING, DutyStatus.DECEASED)


@decides(cmd.ChangeCondition)
def change_condition(
    c: cmd.ChangeCondition, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    """A person still out there is reported hurt, worse, better: the options follow."""
    require_person(inc, c.person_id, "person_id")
    person = inc.persons[c.person_id]
    require(
        person.duty_status not in (DutyStatus.RECOVERED, DutyStatus.DECEASED),
        f"person {c.person_id} is {person.duty_status.value}: the condition is the medical record's now",
        "person_id",
    )
    if person.condition is c.condition:
        raise Conflict(f"person {c.person_id} is already {c.condition.value}", field="condition")
    return [
        ev.ConditionChanged(
            at=ctx.now,
            incident_id=inc.incident_id,
            person_id=c.person_id,
            previous=person.condition,
            condition=c.condition,
            remarks=c.remarks,
        )
    ]


@decides(cmd.ChangeDutyStatus)
def change_duty_status(
    c: cmd.ChangeDutyStatus, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require_person(inc, c.person_id, "person_id")
    person = inc.persons[c.person_id]
    hint = _STATUS_BY_COMMAND.get(c.status)
    require(hint is None, f"status {c.status.value} is not set directly: {hint}", "status")
    require(
        c.remains_identified is False or c.status is DutyStatus.DECEASED,
        "remains are identified only for a deceased person",
        "remains_identified",
    )
    require(
        person.duty_status is not DutyStatus.RECOVERED or c.status is DutyStatus.DECEASED,
        f"person {c.person_id} was recovered: afterwards only a death can be reported",
        "status",
    )
    if person.duty_status is DutyStatus.CAPTURED and c.status is not person.duty_status:
        require(
            c.status in _FROM_CAPTIVITY,
            f"person {c.person_id} is captured: the status changes only by release, recovery, an "
            "escape (evading) or a death",
            "status",
        )
        require(
            c.status is not DutyStatus.EVADING or bool(c.remarks.strip()),
            "an escape from captivity needs remarks: how it is known (it puts the incident back on "
            "the recovery track)",
            "remarks",
        )
    if person.duty_status is c.status and person.remains_identified == c.remains_identified:
        raise Conflict(f"person {c.person_id} is already {c.status.value}", field="status")
    return [
        ev.DutyStatusChanged(
            at=ctx.now,
            incident_id=inc.incident_id,
            person_id=c.person_id,
            previous=person.duty_status,
            status=c.status,
            remains_identified=c.remains_identified,
            remarks=c.remarks,
        )
    ]


@decides(cmd.UpdateTask)
def update_task(c: cmd.UpdateTask, inc: Incident, view: TheaterView, ctx: Context) -> list[core_ev.Event]:
    previous = inc.tasks[c.task]
    if previous is c.status:
        raise Conflict(f"task {c.task.value} is already {c.status.value}", field="status")
    return [
        ev.TaskStatusChanged(
            at=ctx.now,
            incident_id=inc.incident_id,
            task=c.task,
            previous=previous,
            status=c.status,
            remarks=c.remarks,
        )
    ]


@decides(cmd.AddNarrativeEntry)
def add_narrative_entry(
    c: cmd.AddNarrativeEntry, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require_text(c.text, "text")
    entry_id = narrative_entry_id(inc.incident_id, inc.narrative_count + 1)
    return [
        ev.NarrativeEntryAdded(
            at=ctx.now, incident_id=inc.incident_id, entry_id=entry_id, author=ctx.actor.username, text=c.text
        )
    ]


@decides(cmd.CheckIn)
def check_in(c: cmd.CheckIn, inc: Incident, view: TheaterView, ctx: Context) -> list[core_ev.Event]:
    return [ev.CheckedIn(at=ctx.now, incident_id=inc.incident_id, by=ctx.actor.username, remarks=c.remarks)]


@decides(cmd.SetCheckInInterval)
def set_check_in_interval(
    c: cmd.SetCheckInInterval, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require(c.interval_s in CHECK_IN_RANGE_S, "interval_s must be 60 s to 7 days", "interval_s")
    return [ev.CheckInIntervalSet(at=ctx.now, incident_id=inc.incident_id, interval_s=c.interval_s)]


@decides(cmd.UpdatePosition)
def update_position(
    c: cmd.UpdatePosition, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require(
        0 <= c.uncertainty_m <= MAX_UNCERTAINTY_M,
        f"uncertainty_m must be 0 to {MAX_UNCERTAINTY_M:.0f} m",
        "uncertainty_m",
    )
    return [
        ev.PositionUpdated(
            at=ctx.now,
            incident_id=inc.incident_id,
            position=c.position,
            uncertainty_m=c.uncertainty_m,
            channel=c.channel,
            source_confidence=c.source_confidence,
            remarks=c.remarks,
        )
    ]


@decides(cmd.RaiseOverdueAlert)
def raise_overdue_alert(
    c: cmd.RaiseOverdueAlert, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    """The clock asks; nothing happens unless the incident really is overdue and not yet flagged."""
    due = inc.overdue_at
    if due is None or inc.overdue_alerted or ctx.now < due:
        return []
    assert inc.last_update_at is not None
    return [
        ev.IncidentOverdue(
            at=ctx.now, incident_id=inc.incident_id, due_at=due, last_update_at=inc.last_update_at
        )
    ]


@decides(cmd.RaiseDustwunAlert)
def raise_dustwun_alert(
    c: cmd.RaiseDustwunAlert, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    person = inc.persons.get(c.person_id)
    due = person.dustwun_due_at if person else None
    if person is None or due is None or person.dustwun_alerted or ctx.now < due:
        return []
    return [
        ev.DustwunRedesignationDue(
            at=ctx.now,
            incident_id=inc.incident_id,
            person_id=person.person_id,
            declared_at=person.status_since,
        )
    ]


@decides(cmd.CloseIncident)
def close_incident(
    c: cmd.CloseIncident, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    if c.disposition in REINTEGRATED or c.disposition is Disposition.REMAINS_RECOVERED:
        open_ = [p.person_id for p in inc.persons.values() if p.end is None]
        require(
            not open_,
            f"close as {c.disposition.value} only when every person's journey has an end (returned to "
            f"duty, medically retired, or remains identified); not yet: {', '.join(open_)}",
            "disposition",
        )
    if c.disposition is Disposition.REMAINS_RECOVERED:
        require(
            all(
                (p.duty_status is DutyStatus.DECEASED and p.remains_identified)
                or p.duty_status is DutyStatus.RECOVERED
                for p in inc.persons.values()
            ),
            "remains_recovered needs every person recovered, or deceased with remains identified",
            "disposition",
        )
    return [
        ev.IncidentClosed(
            at=ctx.now, incident_id=inc.incident_id, disposition=c.disposition, remarks=c.remarks
        )
    ]
