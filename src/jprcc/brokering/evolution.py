"""How each incident event changes the incident's state.

``start`` makes an incident of its first event; the appliers record each later event (the
brokering capability declares them for the ``incident`` stream kind, and other capabilities add
their own); ``after_apply`` keeps the version and the check-in clock. The node's registry folds a
stream with them; folding only the events up to a time gives the incident as it stood then.
Appliers record facts; they never refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from jprcc.brokering import events as ev
from jprcc.brokering.incident import (
    CapabilityPoll,
    DirectiveStatus,
    Incident,
    Nomination,
    NominationStatus,
    Person,
    PollAnswer,
    Stage,
    SupportDirective,
    SupportTask,
    SupportTaskStatus,
    TaconRequest,
    TaconRequestStatus,
)
from jprcc.core import events as core_ev
from jprcc.core.model import REINTEGRATED, SETTLED, DutyStatus, PRTask, TaskStatus

Applier = Callable[[Incident, Any], None]
APPLIERS: dict[type[core_ev.Event], Applier] = {}
"""The brokering flow's appliers (this module's own table)."""
F = TypeVar("F", bound=Applier)

#: events that are alerts about the incident, not updates to it: they leave the check-in clock
_NOT_AN_UPDATE = (ev.IncidentOverdue, ev.DustwunRedesignationDue)


def applies(
    event_type: type[core_ev.Event], table: dict[type[core_ev.Event], Applier] = APPLIERS
) -> Callable[[F], F]:
    def put(fn: F) -> F:
        table[event_type] = fn
        return fn

    return put


def start(e: ev.IncidentReported) -> Incident:
    persons = {
        p.person_id: Person(
            person_id=p.person_id,
            name=p.report.name,
            service=p.report.service,
            component_id=p.report.component_id,
            unit=p.report.unit,
            condition=p.report.condition,
            duty_status=p.report.duty_status,
            status_since=e.at,
            person_ref=p.report.person_ref,
        )
        for p in e.persons
    }
    incident = Incident(
        incident_id=e.incident_id,
        title=e.title,
        owning_component=e.owning_component,
        isolating_event_at=e.isolating_event_at,
        reported_at=e.at,
        reported_by=e.reported_by,
        position=e.position,
        uncertainty_m=e.uncertainty_m,
        channel=e.channel,
        source_confidence=e.source_confidence,
        environment=e.environment,
        priority=e.priority,
        summary=e.summary,
        check_in_interval_s=e.check_in_interval_s,
        persons=persons,
        tasks=dict.fromkeys(PRTask, TaskStatus.NOT_STARTED),
    )
    incident.tasks[PRTask.REPORT] = TaskStatus.COMPLETE
    incident.tasks[PRTask.LOCATE] = TaskStatus.IN_PROGRESS
    incident.tasks[PRTask.SUPPORT] = TaskStatus.IN_PROGRESS
    incident.last_update_at = e.at
    incident.version = 1
    return incident


def after_apply(incident: Incident, e: core_ev.Event) -> None:
    """After every applied event: one version more; an update resets the check-in clock."""
    incident.version += 1
    if not isinstance(e, _NOT_AN_UPDATE):
        incident.last_update_at = e.at
        incident.overdue_alerted = False


# --- helpers ---------------------------------------------------------------------------------


def _end_relationships(incident: Incident, at: datetime, source_id: str | None = None) -> None:
    """End open relationships at ``at``: those of one source (a directive), or all of them."""
    incident.relationships = [
        r.ended_at(at) if (r.end is None or r.end > at) and source_id in (None, r.source_id) else r
        for r in incident.relationships
    ]


def _end_directive(incident: Incident, at: datetime, status: DirectiveStatus) -> None:
    directive = incident.directive
    if directive is not None:
        directive.status = status
        directive.ended_at = at
        incident.past_directives.append(directive)
        incident.directive = None
        _end_relationships(incident, at, directive.directive_id)
    incident.support_tasks = {}


def _set_status(incident: Incident, person_ids: Iterable[str], status: DutyStatus, at: datetime) -> None:
    for pid in person_ids:
        person = incident.persons[pid]
        if person.duty_status is not status:
            person.duty_status = status
            person.status_since = at
            person.dustwun_alerted = False


def _withdraw_pending(incident: Incident) -> None:
    for n in incident.nominations:
        if n.status is NominationStatus.PENDING:
            n.status = NominationStatus.WITHDRAWN


_AFTER_RECOVERY = (Stage.RECOVERED, Stage.REINTEGRATION, Stage.CLOSED)


def _settle_stage(incident: Incident, at: datetime) -> None:
    """Derive the stage from the persons' statuses, whatever order they changed in.

    Everyone recovered or dead: recovered, the directive completed. Everyone still unaccounted
    for held, and no recovery by force ordered for them: the negotiated track (detained).
    Someone out of detention again (released, or escaped): back to reported, for the owner to
    bring them back or ask for help (a released person still has to be moved to friendly hands)."""
    if incident.stage in _AFTER_RECOVERY:
        return
    statuses = [p.duty_status for p in incident.persons.values()]
    if all(s in SETTLED for s in statuses):
        incident.stage = Stage.RECOVERED
        for task in (PRTask.LOCATE, PRTask.SUPPORT, PRTask.RECOVER):
            incident.tasks[task] = TaskStatus.COMPLETE
        _end_directive(incident, at, DirectiveStatus.COMPLETED)
    elif all(s in SETTLED or s is DutyStatus.CAPTURED for s in statuses) and not any(
        incident.persons[pid].held for pid in incident.deliberate_recovery
    ):
        _end_directive(incident, at, DirectiveStatus.SUPERSEDED)
        _withdraw_pending(incident)
        incident.stage = Stage.DETAINED
    elif incident.stage is Stage.DETAINED:
        incident.stage = Stage.REPORTED


# --- the brokering flow ----------------------------------------------------------------------


def settle_status(incident: Incident, person_ids: Iterable[str], status: DutyStatus, at: datetime) -> None:
    """Set the persons' duty status and derive the incident's stage from it (for other
    capabilities' appliers: a custody hand-off that releases or recovers a person)."""
    _set_status(incident, person_ids, status, at)
    _settle_stage(incident, at)


@applies(ev.OrganicRecoveryDeclared)
def _organic(incident: Incident, e: ev.OrganicRecoveryDeclared) -> None:
    incident.stage = Stage.ORGANIC_RECOVERY
    incident.organic_plan = e.plan
    incident.tasks[PRTask.RECOVER] = TaskStatus.IN_PROGRESS


@applies(ev.AssistanceRequested)
def _assistance(incident: Incident, e: ev.AssistanceRequested) -> None:
    incident.stage = Stage.ASSISTANCE_REQUESTED
    incident.assistance_capabilities = e.capabilities_needed
    incident.assistance_reason = e.reason
    incident.cannot_recover = e.cannot_recover


@applies(ev.CapabilityPollOpened)
def _poll_opened(incident: Incident, e: ev.CapabilityPollOpened) -> None:
    incident.stage = Stage.CAPABILITY_POLL
    incident.poll = CapabilityPoll(
        poll_id=e.poll_id,
        component_ids=e.component_ids,
        capabilities_needed=e.capabilities_needed,
        respond_by=e.respond_by,
        opened_at=e.at,
    )


@applies(ev.CapabilityPollAnswered)
def _poll_answered(incident: Incident, e: ev.CapabilityPollAnswered) -> None:
    assert incident.poll is not None
    incident.poll.answers[e.component_id] = PollAnswer(
        component_id=e.component_id,
        offers=e.offers,
        cannot_reason=e.cannot_reason,
        answered_by=e.answered_by,
        answered_at=e.at,
    )


@applies(ev.SupportNominated)
def _nominated(incident: Incident, e: ev.SupportNominated) -> None:
    incident.stage = Stage.NOMINATED
    incident.nominations.append(
        Nomination(
            nomination_id=e.nomination_id,
            supported_component=e.supported_component,
            contributions=e.contributions,
            support_kind=e.support_kind,
            priority=e.priority,
            window_start=e.window_start,
            window_end=e.window_end,
            desired_effects=e.desired_effects,
            rationale=e.rationale,
            nominated_by=e.nominated_by,
            nominated_at=e.at,
            adopted_option=e.adopted_option,
            alternatives=e.alternatives,
        )
    )


def _decide_nomination(
    incident: Incident, nomination_id: str, status: NominationStatus, by: str, at: datetime, remarks: str
) -> Nomination:
    nomination = next(n for n in incident.nominations if n.nomination_id == nomination_id)
    nomination.status = status
    nomination.decided_by = by
    nomination.decided_at = at
    nomination.decision_remarks = remarks
    return nomination


@applies(ev.NominationApproved)
def _approved(incident: Incident, e: ev.NominationApproved) -> None:
    n = _decide_nomination(
        incident, e.nomination_id, NominationStatus.APPROVED, e.approved_by, e.at, e.remarks
    )
    incident.directive = SupportDirective(
        directive_id=e.directive_id,
        nomination_id=n.nomination_id,
        supported_component=n.supported_component,
        contributions=n.contributions,
        support_kind=n.support_kind,
        priority=n.priority,
        window_start=n.window_start,
        window_end=n.window_end,
        desired_effects=n.desired_effects,
        tacon_statement=e.tacon_statement,
        approved_by=e.approved_by,
        approved_at=e.at,
    )
    incident.support_tasks = {}
    for c in n.contributions:
        if c.component_id == n.supported_component:
            continue
        existing = incident.support_tasks.get(c.component_id)
        if existing is None:
            incident.support_tasks[c.component_id] = SupportTask(c.component_id, c.asset_ids, c.task)
        else:
            existing.asset_ids += c.asset_ids
            existing.task = f"{existing.task}; {c.task}"
    incident.relationships.extend(e.relationships)
    incident.stage = Stage.DIRECTIVE_IN_FORCE
    incident.tasks[PRTask.RECOVER] = TaskStatus.IN_PROGRESS


@applies(ev.NominationRejected)
def _rejected(incident: Incident, e: ev.NominationRejected) -> None:
    _decide_nomination(incident, e.nomination_id, NominationStatus.REJECTED, e.rejected_by, e.at, e.reason)
    incident.stage = Stage.CAPABILITY_POLL


def _answer_task(
    incident: Incident, component_id: str, status: SupportTaskStatus, remarks: str, at: datetime
) -> None:
    task = incident.support_tasks[component_id]
    task.status = status
    task.remarks = remarks
    task.at = at


@applies(ev.SupportTaskAccepted)
def _task_accepted(incident: Incident, e: ev.SupportTaskAccepted) -> None:
    _answer_task(incident, e.component_id, SupportTaskStatus.ACCEPTED, e.remarks, e.at)


@applies(ev.SupportTaskDeclined)
def _task_declined(incident: Incident, e: ev.SupportTaskDeclined) -> None:
    _answer_task(incident, e.component_id, SupportTaskStatus.DECLINED, e.reason, e.at)


@applies(ev.RecoveryBegun)
def _recovery_begun(incident: Incident, e: ev.RecoveryBegun) -> None:
    incident.stage = Stage.RECOVERY_UNDERWAY


@applies(ev.RecoveryAborted)
def _recovery_aborted(incident: Incident, e: ev.RecoveryAborted) -> None:
    incident.stage = Stage.DIRECTIVE_IN_FORCE


@applies(ev.IncidentReplanned)
def _replanned(incident: Incident, e: ev.IncidentReplanned) -> None:
    _end_directive(incident, e.at, DirectiveStatus.SUPERSEDED)
    _withdraw_pending(incident)
    incident.stage = Stage.CAPABILITY_POLL


@applies(ev.PersonsRecovered)
def _returned(incident: Incident, e: ev.PersonsRecovered) -> None:
    """Back in friendly hands: recovered by force, or a released person brought out."""
    _set_status(incident, e.person_ids, DutyStatus.RECOVERED, e.at)
    _settle_stage(incident, e.at)


@applies(ev.PersonsReleased)
def _released(incident: Incident, e: ev.PersonsReleased) -> None:
    """Let go by the captor, but not yet in friendly hands: they still have to be brought out."""
    _set_status(incident, e.person_ids, DutyStatus.RELEASED, e.at)
    _settle_stage(incident, e.at)


@applies(ev.DeliberateRecoveryOrdered)
def _deliberate_recovery(incident: Incident, e: ev.DeliberateRecoveryOrdered) -> None:
    """The JFC's decision: the detained persons are to be recovered by force; the negotiation goes on."""
    incident.deliberate_recovery = tuple(dict.fromkeys((*incident.deliberate_recovery, *e.person_ids)))
    incident.stage = Stage.ASSISTANCE_REQUESTED
    incident.assistance_capabilities = e.capabilities_needed
    incident.assistance_reason = e.reason


@applies(ev.HandedToReintegration)
def _reintegration(incident: Incident, e: ev.HandedToReintegration) -> None:
    incident.stage = Stage.REINTEGRATION
    incident.reintegration_team = e.receiving_team
    incident.tasks[PRTask.REINTEGRATE] = TaskStatus.IN_PROGRESS


@applies(ev.IncidentClosed)
def _closed(incident: Incident, e: ev.IncidentClosed) -> None:
    _end_directive(incident, e.at, DirectiveStatus.COMPLETED)
    _end_relationships(incident, e.at)
    _withdraw_pending(incident)
    for t in incident.tacon_requests.values():
        if t.status is TaconRequestStatus.REQUESTED:
            t.status = TaconRequestStatus.WITHDRAWN
    if e.disposition in REINTEGRATED:
        incident.tasks[PRTask.REINTEGRATE] = TaskStatus.COMPLETE
    for task, status in incident.tasks.items():
        if status is TaskStatus.NOT_STARTED:
            incident.tasks[task] = TaskStatus.NOT_APPLICABLE
    incident.stage = Stage.CLOSED
    incident.disposition = e.disposition
    incident.closed_at = e.at


# --- persons and status ----------------------------------------------------------------------


@applies(ev.PersonsDetained)
def _detained(incident: Incident, e: ev.PersonsDetained) -> None:
    """When every person still unaccounted for is held, the military track ends."""
    _set_status(incident, e.person_ids, DutyStatus.CAPTURED, e.at)
    incident.detaining_party = e.detaining_party
    _settle_stage(incident, e.at)


@applies(ev.DutyStatusChanged)
def _duty_status(incident: Incident, e: ev.DutyStatusChanged) -> None:
    _set_status(incident, (e.person_id,), e.status, e.at)
    incident.persons[e.person_id].remains_identified = e.remains_identified
    _settle_stage(incident, e.at)


@applies(ev.ConditionChanged)
def _condition(incident: Incident, e: ev.ConditionChanged) -> None:
    incident.persons[e.person_id].condition = e.condition


@applies(ev.TaskStatusChanged)
def _task_status(incident: Incident, e: ev.TaskStatusChanged) -> None:
    incident.tasks[e.task] = e.status


@applies(ev.NarrativeEntryAdded)
def _narrative(incident: Incident, e: ev.NarrativeEntryAdded) -> None:
    incident.narrative_count += 1


@applies(ev.CheckedIn)
def _checked_in(incident: Incident, e: ev.CheckedIn) -> None:
    """A check-in changes nothing but the clock, which ``apply`` resets."""


@applies(ev.CheckInIntervalSet)
def _interval(incident: Incident, e: ev.CheckInIntervalSet) -> None:
    incident.check_in_interval_s = e.interval_s


@applies(ev.PositionUpdated)
def _position(incident: Incident, e: ev.PositionUpdated) -> None:
    incident.position = e.position
    incident.uncertainty_m = e.uncertainty_m
    incident.channel = e.channel
    incident.source_confidence = e.source_confidence


@applies(ev.IncidentOverdue)
def _overdue(incident: Incident, e: ev.IncidentOverdue) -> None:
    incident.overdue_alerted = True


@applies(ev.DustwunRedesignationDue)
def _dustwun_due(incident: Incident, e: ev.DustwunRedesignationDue) -> None:
    incident.persons[e.person_id].dustwun_alerted = True


# --- TACON -----------------------------------------------------------------------------------


@applies(ev.TaconTransferRequested)
def _tacon_requested(incident: Incident, e: ev.TaconTransferRequested) -> None:
    incident.tacon_requests[e.request_id] = TaconRequest(
        request_id=e.request_id,
        asset_ids=e.asset_ids,
        from_component=e.from_component,
        to_component=e.to_component,
        begin=e.begin,
        end=e.end,
        reason=e.reason,
        requested_by=e.requested_by,
        requested_at=e.at,
    )


@applies(ev.TaconTransferApproved)
def _tacon_approved(incident: Incident, e: ev.TaconTransferApproved) -> None:
    request = incident.tacon_requests[e.request_id]
    request.status = TaconRequestStatus.APPROVED
    request.decided_by = e.approved_by
    request.decision_remarks = e.remarks
    incident.relationships.append(e.relationship)


@applies(ev.TaconTransferRejected)
def _tacon_rejected(incident: Incident, e: ev.TaconTransferRejected) -> None:
    request = incident.tacon_requests[e.request_id]
    request.status = TaconRequestStatus.REJECTED
    request.decided_by = e.rejected_by
    request.decision_remarks = e.reason
