"""Casework decisions: recovery and accounting of persons, the five PR tasks, the case
narrative, check-in timers and alerts, position updates, and closing the incident."""

from __future__ import annotations

from collections.abc import Collection

from jprcc.brokering import commands as cmd
from jprcc.brokering import events as ev
from jprcc.brokering.flow import BEFORE_RECOVERY, Decisions
from jprcc.brokering.incident import Incident, Stage
from jprcc.brokering.rules import (
    CHECK_IN_RANGE_S,
    MAX_UNCERTAINTY_M,
    TheaterView,
    require,
    require_person,
    require_stage,
    require_text,
)
from jprcc.core import events as core_ev
from jprcc.core.errors import Conflict
from jprcc.core.model import AT_LARGE, REINTEGRATED, Context, Disposition, DutyStatus

S = Stage

decides = Decisions()


def _check_persons(
    inc: Incident, person_ids: tuple[str, ...], allowed: Collection[DutyStatus], what: str
) -> None:
    require(bool(person_ids), "name at least one person", "person_ids")
    for i, pid in enumerate(person_ids):
        require_person(inc, pid, f"person_ids[{i}]")
        status = inc.persons[pid].duty_status
        require(status in allowed, f"person {pid} is {status.value}; cannot {what}", f"person_ids[{i}]")


@decides(cmd.RecordRecovery, stages=(S.ORGANIC_RECOVERY, S.RECOVERY_UNDERWAY), action="record a recovery")
def record_recovery(
    c: cmd.RecordRecovery, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    person_ids = c.person_ids or tuple(p.person_id for p in inc.persons.values() if p.duty_status in AT_LARGE)
    _check_persons(inc, person_ids, AT_LARGE, "record their recovery")
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
    DutyStatus.RECOVERED: "record the recovery (or the release) instead",
    DutyStatus.CAPTURED: "declare the person detained instead",
}


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
    entry_id = f"{inc.incident_id}/L{len(inc.narrative) + 1}"
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
    if c.disposition in REINTEGRATED:
        require_stage(inc, (S.REINTEGRATION,), f"close as {c.disposition.value}")
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
