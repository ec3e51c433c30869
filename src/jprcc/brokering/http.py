"""Incidents: the board, the incident page, and every step of the brokering flow.

Each action route builds one command and hands it to the bus; it answers with the incident
as it stands after the command.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Query

from jprcc.api import schemas as s
from jprcc.api.deps import BusDep, CurrentActor, QueriesDep
from jprcc.api.views import BoardOut, BoardRowOut, IncidentDetail, RelationshipOut, TimelineEntryOut
from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Stage
from jprcc.core.bus import MessageBus
from jprcc.core.model import Actor, PRTask, TaskStatus
from jprcc.core.queries import BoardFilter

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

IncidentId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64, description="e.g. PR-3F9A2C1B")]
ComponentId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]
PersonId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]
Awareness = Annotated[s.Instant | None, Query(description="Replay the incident as of this time.")]


def _act(bus: MessageBus, actor: Actor, command: cmd.IncidentCommand) -> IncidentDetail:
    return IncidentDetail.of(bus.handle(command, actor).value, actor, bus.registry)


@router.get("", summary="The incident board")
def board(
    queries: QueriesDep,
    actor: CurrentActor,
    stage: Stage | None = None,
    component: Annotated[str | None, Query(pattern=s.ID_PATTERN, max_length=64)] = None,
    duty_status: Annotated[str | None, Query(pattern="^[a-z_]{1,20}$")] = None,
    task: PRTask | None = None,
    task_status: TaskStatus | None = None,
    overdue_only: bool = False,
    include_closed: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> BoardOut:
    f = BoardFilter(
        stage,
        component,
        duty_status,
        task,
        task_status.value if task_status else None,
        overdue_only,
        include_closed,
        limit,
        offset,
    )
    found = queries.board(actor, f)
    return BoardOut(
        rows=[BoardRowOut.of(r) for r in found.rows],
        total=found.total,
        counts=found.counts,
        overdue=found.overdue,
    )


@router.post("", status_code=201, summary="Report an isolating event")
def report(body: s.IncidentCreate, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    incident_id = body.incident_id or f"PR-{secrets.token_hex(4).upper()}"
    return _act(
        bus,
        actor,
        cmd.ReportIncident(
            incident_id=incident_id,
            title=body.title,
            owning_component=body.owning_component,
            isolating_event_at=body.isolating_event_at,
            position=body.position.to_domain(),
            uncertainty_m=body.uncertainty_m,
            channel=body.channel,
            source_confidence=body.source_confidence,
            persons=tuple(p.to_domain() for p in body.persons),
            environment=body.environment,
            priority=body.priority,
            summary=body.summary,
            check_in_interval_s=body.check_in_interval_s,
        ),
    )


@router.get("/{incident_id}", summary="The incident page (now, or replayed as of a past time)")
def detail(
    incident_id: IncidentId, queries: QueriesDep, actor: CurrentActor, as_of: Awareness = None
) -> IncidentDetail:
    incident = queries.incident(actor, incident_id, as_of)
    return IncidentDetail.of(incident, actor if as_of is None else None, queries.registry)


@router.get("/{incident_id}/timeline", summary="Every recorded event of the incident, in order")
def timeline(incident_id: IncidentId, queries: QueriesDep, actor: CurrentActor) -> list[TimelineEntryOut]:
    return [
        TimelineEntryOut.model_validate(e, from_attributes=True) for e in queries.timeline(actor, incident_id)
    ]


@router.get("/{incident_id}/relationships", summary="The incident's command relationships over time")
def incident_relationships(
    incident_id: IncidentId, queries: QueriesDep, actor: CurrentActor
) -> list[RelationshipOut]:
    return [RelationshipOut.of(r) for r in queries.relationships(actor, incident_id)]


@router.post("/{incident_id}/organic-recovery", summary="Owning component recovers with its own forces")
def organic(
    incident_id: IncidentId, body: s.OrganicRecoveryIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.DeclareOrganicRecovery(
            incident_id=incident_id, expected_version=body.expected_version, plan=body.plan
        ),
    )


@router.post(
    "/{incident_id}/assistance-request", summary="Ask the JPRCC for help (or record that it cannot recover)"
)
def assistance(
    incident_id: IncidentId, body: s.AssistanceRequestIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.RequestAssistance(
            incident_id=incident_id,
            expected_version=body.expected_version,
            capabilities_needed=tuple(body.capabilities_needed),
            reason=body.reason,
            cannot_recover=body.cannot_recover,
        ),
    )


@router.post("/{incident_id}/capability-poll", summary="Poll components for capability and feasibility")
def poll(
    incident_id: IncidentId, body: s.CapabilityPollIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.OpenCapabilityPoll(
            incident_id=incident_id,
            expected_version=body.expected_version,
            component_ids=tuple(body.component_ids),
            capabilities_needed=tuple(body.capabilities_needed),
            respond_by=body.respond_by,
        ),
    )


@router.post(
    "/{incident_id}/capability-poll/answers", summary="A polled component answers: offers, or cannot"
)
def answer(incident_id: IncidentId, body: s.PollAnswerIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.AnswerCapabilityPoll(
            incident_id=incident_id,
            expected_version=body.expected_version,
            component_id=body.component_id,
            offers=tuple(o.to_domain() for o in body.offers),
            cannot_reason=body.cannot_reason,
        ),
    )


@router.post("/{incident_id}/nomination", summary="Nominate the supported and supporting components")
def nominate(
    incident_id: IncidentId, body: s.NominationIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.NominateSupport(
            incident_id=incident_id,
            expected_version=body.expected_version,
            supported_component=body.supported_component,
            contributions=tuple(c.to_domain() for c in body.contributions),
            support_kind=body.support_kind,
            priority=body.priority,
            window_start=body.window_start,
            window_end=body.window_end,
            desired_effects=body.desired_effects,
            rationale=body.rationale,
        ),
    )


@router.post(
    "/{incident_id}/nomination/approval", summary="JFC approves: the support directive comes into force"
)
def approve(incident_id: IncidentId, body: s.DecisionIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.ApproveNomination(
            incident_id=incident_id,
            expected_version=body.expected_version,
            nomination_id=body.nomination_id,
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/nomination/rejection", summary="JFC rejects the nomination, with the reason")
def reject(incident_id: IncidentId, body: s.RejectionIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.RejectNomination(
            incident_id=incident_id,
            expected_version=body.expected_version,
            nomination_id=body.nomination_id,
            reason=body.reason,
        ),
    )


@router.post(
    "/{incident_id}/support-tasks/{component_id}/acceptance",
    summary="A supporting component accepts its task",
)
def accept(
    incident_id: IncidentId, component_id: ComponentId, body: s.RemarksIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.AcceptSupportTask(
            incident_id=incident_id,
            expected_version=body.expected_version,
            component_id=component_id,
            remarks=body.remarks,
        ),
    )


@router.post(
    "/{incident_id}/support-tasks/{component_id}/declination", summary="A supporting component declines"
)
def decline(
    incident_id: IncidentId, component_id: ComponentId, body: s.ReasonIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.DeclineSupportTask(
            incident_id=incident_id,
            expected_version=body.expected_version,
            component_id=component_id,
            reason=body.reason,
        ),
    )


@router.post("/{incident_id}/recovery/begin", summary="The supported component launches the recovery")
def begin(incident_id: IncidentId, body: s.RemarksIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.BeginRecovery(
            incident_id=incident_id, expected_version=body.expected_version, remarks=body.remarks
        ),
    )


@router.post("/{incident_id}/recovery/abort", summary="The recovery is aborted; the directive stays in force")
def abort(incident_id: IncidentId, body: s.ReasonIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.AbortRecovery(
            incident_id=incident_id, expected_version=body.expected_version, reason=body.reason
        ),
    )


@router.post("/{incident_id}/replan", summary="Supersede the directive or nomination and plan again")
def replan(incident_id: IncidentId, body: s.ReasonIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.Replan(incident_id=incident_id, expected_version=body.expected_version, reason=body.reason),
    )


@router.post("/{incident_id}/recovery", summary="Record that persons were recovered")
def recovered(
    incident_id: IncidentId, body: s.RecoveryIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.RecordRecovery(
            incident_id=incident_id,
            expected_version=body.expected_version,
            person_ids=tuple(body.person_ids),
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/reintegration", summary="Hand the recovered persons to reintegration")
def reintegration(
    incident_id: IncidentId, body: s.ReintegrationIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.HandToReintegration(
            incident_id=incident_id,
            expected_version=body.expected_version,
            receiving_team=body.receiving_team,
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/close", summary="Close the incident; its command relationships end")
def close(incident_id: IncidentId, body: s.CloseIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.CloseIncident(
            incident_id=incident_id,
            expected_version=body.expected_version,
            disposition=body.disposition,
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/detention", summary="Persons are captured or detained: the non-military track")
def detention(
    incident_id: IncidentId, body: s.DetentionIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.DeclareDetained(
            incident_id=incident_id,
            expected_version=body.expected_version,
            person_ids=tuple(body.person_ids),
            detaining_party=body.detaining_party,
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/release", summary="Detained persons were released")
def release(incident_id: IncidentId, body: s.ReleaseIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.RecordRelease(
            incident_id=incident_id,
            expected_version=body.expected_version,
            person_ids=tuple(body.person_ids),
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/persons/{person_id}/duty-status", summary="Change a person's duty status")
def duty_status(
    incident_id: IncidentId, person_id: PersonId, body: s.DutyStatusIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.ChangeDutyStatus(
            incident_id=incident_id,
            expected_version=body.expected_version,
            person_id=person_id,
            status=body.status,
            remains_identified=body.remains_identified,
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/tasks/{task}", summary="Set the status of one of the five PR tasks")
def task_status(
    incident_id: IncidentId, task: PRTask, body: s.TaskStatusIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.UpdateTask(
            incident_id=incident_id,
            expected_version=body.expected_version,
            task=task,
            status=body.status,
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/narrative", summary="Add an entry to the case narrative log")
def narrative(
    incident_id: IncidentId, body: s.NarrativeIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.AddNarrativeEntry(
            incident_id=incident_id, expected_version=body.expected_version, text=body.text
        ),
    )


@router.post("/{incident_id}/check-in", summary="Report 'no change': resets the overdue timer")
def check_in(incident_id: IncidentId, body: s.RemarksIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.CheckIn(incident_id=incident_id, expected_version=body.expected_version, remarks=body.remarks),
    )


@router.put("/{incident_id}/check-in-interval", summary="Set how often a component must update the incident")
def interval(incident_id: IncidentId, body: s.IntervalIn, bus: BusDep, actor: CurrentActor) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.SetCheckInInterval(
            incident_id=incident_id, expected_version=body.expected_version, interval_s=body.interval_s
        ),
    )


@router.post("/{incident_id}/position", summary="A new position fix for the isolated persons")
def position(
    incident_id: IncidentId, body: s.PositionUpdateIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.UpdatePosition(
            incident_id=incident_id,
            expected_version=body.expected_version,
            position=body.position.to_domain(),
            uncertainty_m=body.uncertainty_m,
            channel=body.channel,
            source_confidence=body.source_confidence,
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/tacon-requests", summary="Request a TACON transfer, with begin and end")
def tacon_request(
    incident_id: IncidentId, body: s.TaconRequestIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.RequestTaconTransfer(
            incident_id=incident_id,
            expected_version=body.expected_version,
            asset_ids=tuple(body.asset_ids),
            from_component=body.from_component,
            to_component=body.to_component,
            begin=body.begin,
            end=body.end,
            reason=body.reason,
        ),
    )


@router.post("/{incident_id}/tacon-requests/approval", summary="JFC approves a TACON transfer")
def tacon_approve(
    incident_id: IncidentId, body: s.TaconDecisionIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.ApproveTaconTransfer(
            incident_id=incident_id,
            expected_version=body.expected_version,
            request_id=body.request_id,
            remarks=body.remarks,
        ),
    )


@router.post("/{incident_id}/tacon-requests/rejection", summary="JFC rejects a TACON transfer")
def tacon_reject(
    incident_id: IncidentId, body: s.TaconRejectionIn, bus: BusDep, actor: CurrentActor
) -> IncidentDetail:
    return _act(
        bus,
        actor,
        cmd.RejectTaconTransfer(
            incident_id=incident_id,
            expected_version=body.expected_version,
            request_id=body.request_id,
            reason=body.reason,
        ),
    )
