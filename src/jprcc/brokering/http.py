"""The incident actions: the board, the incident page, and every step of the brokering flow.

One table (``ACTIONS``) drives the HTTP routes, the CLI (``jprcc incidents ...``, in-process or
against a server) and the page's forms' types. A write builds its command from the body and the
path with ``command_from`` — the body's fields carry the command's names — hands it to the bus,
and answers with the incident as it stands after the command (its version, its offered actions).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.api.views import (
    BoardOut,
    BoardRowOut,
    IncidentDetail,
    NarrativeOut,
    RelationshipOut,
    TimelineEntryOut,
)
from jprcc.brokering import commands as cmd
from jprcc.brokering import schemas as bodies
from jprcc.brokering.incident import Incident, Stage
from jprcc.core.board import BOARD_LIMIT, BoardFilter, BoardSort
from jprcc.core.contract import Action, Call
from jprcc.core.errors import Conflict
from jprcc.core.model import PRTask, TaskStatus
from jprcc.core.narrative import NARRATIVE_SHOWN, NEWEST
from jprcc.core.wire import command_from

IncidentId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64, description="e.g. PR-0042")]
ComponentId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]
PersonId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]
Awareness = Annotated[s.Instant | None, Query(description="Replay the incident as of this time.")]
ROOT = "/api/incidents"
ONE = ROOT + "/{incident_id}"
TAGS = ("incidents",)
SPEAKABLE_TRIES = 20


def incident_answer(call: Call, incident: Incident) -> IncidentDetail:
    """The incident as it stands, with the actions its reader may take now."""
    narrative = call.node.queries.latest_narrative(call.actor, incident)
    return IncidentDetail.of(incident, call.actor, call.node.registry, narrative)


def handle(call: Call, command: Any) -> IncidentDetail:
    return incident_answer(call, call.node.bus.handle(command, call.actor).value)


def write(
    name: str,
    method: str,
    path: str,
    command: type[cmd.IncidentCommand],
    body: type[BaseModel],
    summary: str,
    *,
    offer: str | None = None,
    path_params: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Action:
    """An incident command as an action: path and body make the command; the answer is the incident."""

    def run(call: Call) -> IncidentDetail:
        return handle(call, command_from(command, call.body, **call.path))

    return Action(
        name=f"incidents.{name}",
        method=method,
        path=path,
        summary=summary,
        run=run,
        body=body,
        path_params=path_params or {"incident_id": IncidentId},
        response=IncidentDetail,
        status_code=status_code,
        command=command,
        tags=TAGS,
        offer=offer,
    )


# --- reads ---------------------------------------------------------------------------------------


class BoardQuery(BaseModel):
    stage: Stage | None = Field(default=None, description="Only this stage (the counts still cover all).")
    component: str | None = Field(
        default=None, pattern=s.ID_PATTERN, max_length=64, description="Only incidents involving it."
    )
    duty_status: str | None = Field(default=None, pattern="^[a-z_]{1,20}$")
    task: PRTask | None = None
    task_status: TaskStatus | None = None
    overdue_only: bool = Field(default=False, description="Only incidents whose check-in is overdue.")
    include_closed: bool = False
    q: str = Field(
        default="",
        max_length=100,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="Words that must each appear (any case) in the id, title, owning or supported "
        "component; or an MGRS square (e.g. 32TNK2538) the position lies in.",
    )
    mine: bool = Field(
        default=False,
        description="Only what concerns your desk: your component's incidents; for the JPRCC, those "
        "waiting on it (assistance requested, poll open) and the overdue; for the JFC, nominations.",
    )
    sort: BoardSort = Field(default=BoardSort.PRIORITY, description="The order of the cards and pages.")
    limit: int = Field(default=200, ge=1, le=BOARD_LIMIT)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class AsOfQuery(BaseModel):
    as_of: s.Instant | None = Field(default=None, description="Replay the incident as of this time.")


class NarrativeQuery(AsOfQuery):
    before: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Entries before this one (the n of its id, PR-X/Ln)."
    )
    limit: int = Field(default=NARRATIVE_SHOWN, ge=1, le=1000, description="At most this many, the latest.")


def board(call: Call) -> BoardOut:
    q: BoardQuery = call.query
    f = BoardFilter(
        stage=q.stage,
        component=q.component,
        duty_status=q.duty_status,
        task=q.task,
        task_status=q.task_status.value if q.task_status else None,
        overdue_only=q.overdue_only,
        include_closed=q.include_closed,
        limit=q.limit,
        offset=q.offset,
        search=q.q,
        mine=q.mine,
        sort=q.sort,
    )
    found = call.node.queries.board(call.actor, f)
    return BoardOut(
        rows=[BoardRowOut.of(r) for r in found.rows],
        total=found.total,
        counts=found.counts,
        overdue=found.overdue,
        open_total=found.open_total,
    )


def detail(call: Call) -> IncidentDetail:
    as_of = call.query.as_of
    incident = call.node.queries.incident(call.actor, call.path["incident_id"], as_of)
    if as_of is None:
        narrative = call.node.queries.latest_narrative(call.actor, incident)
    else:
        narrative = call.node.queries.narrative(call.actor, incident.incident_id, as_of)
    return IncidentDetail.of(incident, call.actor if as_of is None else None, call.node.registry, narrative)


def narrative(call: Call) -> list[NarrativeOut]:
    q: NarrativeQuery = call.query
    iid = call.path["incident_id"]
    found = call.node.queries.narrative(call.actor, iid, q.as_of, q.before or NEWEST, q.limit)
    return [NarrativeOut.of(n) for n in found]


def timeline(call: Call) -> list[TimelineEntryOut]:
    entries = call.node.queries.timeline(call.actor, call.path["incident_id"])
    return [TimelineEntryOut.model_validate(e, from_attributes=True) for e in entries]


def relationships(call: Call) -> list[RelationshipOut]:
    return [
        RelationshipOut.of(r) for r in call.node.queries.relationships(call.actor, call.path["incident_id"])
    ]


def report(call: Call) -> IncidentDetail:
    """An incident without an id gets the next speakable number (``PR-0042``): one a controller can
    say over a radio net. Two reports racing for a number: the second takes the next one."""
    body: bodies.IncidentCreate = call.body
    if body.incident_id:
        return handle(call, command_from(cmd.ReportIncident, body, incident_id=body.incident_id))
    number = call.node.queries.incident_count() + 1
    for attempt in range(SPEAKABLE_TRIES):
        incident_id = f"PR-{number + attempt:04d}"
        try:
            return handle(call, command_from(cmd.ReportIncident, body, incident_id=incident_id))
        except Conflict as taken:
            if taken.field != "incident_id" or attempt == SPEAKABLE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


ID = {"incident_id": IncidentId}
TASK_OF_COMPONENT = {"incident_id": IncidentId, "component_id": ComponentId}

ACTIONS: tuple[Action, ...] = (
    Action(
        "incidents.board",
        "GET",
        ROOT,
        "The incident board",
        board,
        query=BoardQuery,
        response=BoardOut,
        tags=TAGS,
    ),
    Action(
        "incidents.report",
        "POST",
        ROOT,
        "Report an isolating event",
        report,
        body=bodies.IncidentCreate,
        response=IncidentDetail,
        status_code=201,
        command=cmd.ReportIncident,
        tags=TAGS,
        offer="report",
    ),
    Action(
        "incidents.show",
        "GET",
        ONE,
        "The incident page (now, or replayed as of a past time)",
        detail,
        query=AsOfQuery,
        path_params=ID,
        response=IncidentDetail,
        tags=TAGS,
    ),
    Action(
        "incidents.narrative_entries",
        "GET",
        ONE + "/narrative",
        "The case narrative: the latest entries, or those before one (pages back through a long case)",
        narrative,
        query=NarrativeQuery,
        path_params=ID,
        response=list[NarrativeOut],
        tags=TAGS,
    ),
    Action(
        "incidents.timeline",
        "GET",
        ONE + "/timeline",
        "Every recorded event of the incident, in order",
        timeline,
        path_params=ID,
        response=list[TimelineEntryOut],
        tags=TAGS,
    ),
    Action(
        "incidents.relationships",
        "GET",
        ONE + "/relationships",
        "The incident's command relationships over time",
        relationships,
        path_params=ID,
        response=list[RelationshipOut],
        tags=TAGS,
    ),
    write(
        "organic_recovery",
        "POST",
        ONE + "/organic-recovery",
        cmd.DeclareOrganicRecovery,
        bodies.OrganicRecoveryIn,
        "Owning component recovers with its own forces",
        offer="organic_recovery",
    ),
    write(
        "request_assistance",
        "POST",
        ONE + "/assistance-request",
        cmd.RequestAssistance,
        bodies.AssistanceRequestIn,
        "Ask the JPRCC for help (or record that it cannot recover)",
        offer="request_assistance",
    ),
    write(
        "poll",
        "POST",
        ONE + "/capability-poll",
        cmd.OpenCapabilityPoll,
        bodies.CapabilityPollIn,
        "Poll components for capability and feasibility",
        offer="open_poll",
    ),
    write(
        "answer_poll",
        "POST",
        ONE + "/capability-poll/answers",
        cmd.AnswerCapabilityPoll,
        bodies.PollAnswerIn,
        "A polled component answers: offers, or cannot",
        offer="answer_poll",
    ),
    write(
        "nominate",
        "POST",
        ONE + "/nomination",
        cmd.NominateSupport,
        bodies.NominationIn,
        "Nominate the supported and supporting components",
        offer="nominate",
    ),
    write(
        "approve",
        "POST",
        ONE + "/nomination/approval",
        cmd.ApproveNomination,
        bodies.DecisionIn,
        "JFC approves: the support directive comes into force",
        offer="approve_nomination",
    ),
    write(
        "reject",
        "POST",
        ONE + "/nomination/rejection",
        cmd.RejectNomination,
        bodies.RejectionIn,
        "JFC rejects the nomination, with the reason",
        offer="reject_nomination",
    ),
    write(
        "accept",
        "POST",
        ONE + "/support-tasks/{component_id}/acceptance",
        cmd.AcceptSupportTask,
        bodies.RelayedRemarksIn,
        "A supporting component accepts its task",
        offer="accept_task",
        path_params=TASK_OF_COMPONENT,
    ),
    write(
        "decline",
        "POST",
        ONE + "/support-tasks/{component_id}/declination",
        cmd.DeclineSupportTask,
        bodies.RelayedReasonIn,
        "A supporting component declines",
        offer="decline_task",
        path_params=TASK_OF_COMPONENT,
    ),
    write(
        "begin",
        "POST",
        ONE + "/recovery/begin",
        cmd.BeginRecovery,
        bodies.RelayedRemarksIn,
        "The supported component launches the recovery",
        offer="begin_recovery",
    ),
    write(
        "confirm_record",
        "POST",
        ONE + "/relayed/confirmation",
        cmd.ConfirmRelayedDecision,
        bodies.RecordAnswerIn,
        "Confirm a decision the JPRCC recorded on your behalf",
        offer="confirm_record",
    ),
    write(
        "dispute_record",
        "POST",
        ONE + "/relayed/dispute",
        cmd.DisputeRelayedDecision,
        bodies.RecordDisputeIn,
        "Dispute a decision the JPRCC recorded on your behalf, saying why",
        offer="dispute_record",
    ),
    write(
        "resolve_record",
        "POST",
        ONE + "/relayed/resolution",
        cmd.ResolveRelayedDispute,
        bodies.RecordResolutionIn,
        "Say how a disputed record was settled",
        offer="resolve_record",
    ),
    write(
        "abort",
        "POST",
        ONE + "/recovery/abort",
        cmd.AbortRecovery,
        bodies.ReasonIn,
        "The recovery is aborted; the directive stays in force",
        offer="abort_recovery",
    ),
    write(
        "replan",
        "POST",
        ONE + "/replan",
        cmd.Replan,
        bodies.ReasonIn,
        "Supersede the directive or nomination and plan again",
        offer="replan",
    ),
    write(
        "recovered",
        "POST",
        ONE + "/recovery",
        cmd.RecordRecovery,
        bodies.RecoveryIn,
        "Record that persons were recovered",
        offer="record_recovery",
    ),
    write(
        "reintegrate",
        "POST",
        ONE + "/reintegration",
        cmd.HandToReintegration,
        bodies.ReintegrationIn,
        "Hand the recovered persons to reintegration",
        offer="hand_to_reintegration",
    ),
    write(
        "close",
        "POST",
        ONE + "/close",
        cmd.CloseIncident,
        bodies.CloseIn,
        "Close the incident; its command relationships end",
        offer="close",
    ),
    write(
        "detained",
        "POST",
        ONE + "/detention",
        cmd.DeclareDetained,
        bodies.DetentionIn,
        "Persons are captured or detained: the non-military track",
        offer="declare_detained",
    ),
    write(
        "deliberate_recovery",
        "POST",
        ONE + "/deliberate-recovery",
        cmd.OrderDeliberateRecovery,
        bodies.DeliberateRecoveryIn,
        "Order detained persons recovered by force, beside the negotiation",
        offer="order_deliberate_recovery",
    ),
    write(
        "released",
        "POST",
        ONE + "/release",
        cmd.RecordRelease,
        bodies.ReleaseIn,
        "Detained persons were released",
        offer="record_release",
    ),
    write(
        "duty_status",
        "POST",
        ONE + "/persons/{person_id}/duty-status",
        cmd.ChangeDutyStatus,
        bodies.DutyStatusIn,
        "Change a person's duty status",
        offer="change_duty_status",
        path_params={"incident_id": IncidentId, "person_id": PersonId},
    ),
    write(
        "condition",
        "POST",
        ONE + "/persons/{person_id}/condition",
        cmd.ChangeCondition,
        bodies.ConditionIn,
        "Change a person's condition (the recovery options follow)",
        offer="change_condition",
        path_params={"incident_id": IncidentId, "person_id": PersonId},
    ),
    write(
        "task",
        "POST",
        ONE + "/tasks/{task}",
        cmd.UpdateTask,
        bodies.TaskStatusIn,
        "Set the status of one of the five PR tasks",
        offer="update_task",
        path_params={"incident_id": IncidentId, "task": PRTask},
    ),
    write(
        "narrative",
        "POST",
        ONE + "/narrative",
        cmd.AddNarrativeEntry,
        bodies.NarrativeIn,
        "Add an entry to the case narrative log",
        offer="add_narrative",
    ),
    write(
        "check_in",
        "POST",
        ONE + "/check-in",
        cmd.CheckIn,
        bodies.RemarksIn,
        "Report 'no change': resets the overdue timer",
        offer="check_in",
    ),
    write(
        "interval",
        "PUT",
        ONE + "/check-in-interval",
        cmd.SetCheckInInterval,
        bodies.IntervalIn,
        "Set how often a component must update the incident",
        offer="set_check_in_interval",
    ),
    write(
        "position",
        "POST",
        ONE + "/position",
        cmd.UpdatePosition,
        bodies.PositionUpdateIn,
        "A new position fix for the isolated persons",
        offer="update_position",
    ),
    write(
        "tacon_request",
        "POST",
        ONE + "/tacon-requests",
        cmd.RequestTaconTransfer,
        bodies.TaconRequestIn,
        "Request a TACON transfer, with begin and end",
        offer="request_tacon",
    ),
    write(
        "tacon_approve",
        "POST",
        ONE + "/tacon-requests/approval",
        cmd.ApproveTaconTransfer,
        bodies.TaconDecisionIn,
        "JFC approves a TACON transfer",
        offer="approve_tacon",
    ),
    write(
        "tacon_reject",
        "POST",
        ONE + "/tacon-requests/rejection",
        cmd.RejectTaconTransfer,
        bodies.TaconRejectionIn,
        "JFC rejects a TACON transfer",
        offer="reject_tacon",
    ),
)
