"""Request bodies and answers of the journey's actions (fields named like the commands')."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from jprcc.api.schemas import Body, Identifier, Instant, Name, RequiredText, Text
from jprcc.api.views import TimelineEntryOut
from jprcc.journey.model import (
    ActorKind,
    Approval,
    CustodianKind,
    HandOffStatus,
    JourneyEnd,
    Phase,
    PhaseDecision,
    RequestKind,
    Side,
    TeamRole,
)

Line = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CustodianIn(Body):
    kind: CustodianKind
    name: Name
    component_id: Identifier | None = Field(
        default=None, description="The component the custodian belongs to (a unit, an aircraft, a ship)."
    )


class HandOffIn(Body):
    receiver: CustodianIn
    location: Name
    at: Instant = Field(description="When the person changed hands.")
    side: Side = Field(description="Which side you record it for; the other side acknowledges.")
    giver: CustodianIn | None = Field(
        default=None,
        description="Only for the first hand-off known (default for a captured person: the captor).",
    )
    remarks: Text = ""


class AcknowledgeIn(Body):
    remarks: Text = ""


class PhaseIn(Body):
    phase: Phase
    location: Name
    facility: Name
    component_id: Identifier | None = Field(default=None, description="The component that runs the phase.")


class TeamMemberIn(Body):
    role: TeamRole
    name: Name


class ChecklistItemIn(Body):
    item: Line


class PhaseDecisionIn(Body):
    decision: PhaseDecision
    reason: RequiredText
    override_reason: Text = Field(
        default="", description="Why the phase ends before its minimum time, or with its checklist open."
    )
    medical_facility: Text = Field(default="", max_length=200)


class EndJourneyIn(Body):
    end: JourneyEnd
    remarks: Text = ""


class ActorIn(Body):
    organisation: Name
    kind: ActorKind
    contact: Name
    role: Name
    need_to_know: list[Identifier] = Field(
        default_factory=list, max_length=20, description="Further components that may see this actor."
    )


class RequestIn(Body):
    kind: RequestKind
    actor_id: Identifier
    text: RequiredText
    source: Name
    due_at: Instant | None = None


class RequestDecisionIn(Body):
    approve: bool
    remarks: Text = ""


class OutcomeIn(Body):
    outcome: RequiredText


class CaseEntryIn(Body):
    at: Instant = Field(description="When it happened, as the source dates it.")
    source: Name
    text: RequiredText
    actor_id: Identifier | None = None


class CollectionItemIn(Body):
    item: RequiredText
    assigned_to: Identifier = Field(description="A component, or JPRCC.")
    due_at: Instant | None = None


class CollectionResultIn(Body):
    result: RequiredText


class BoardQuery(BaseModel):
    include_ended: bool = Field(default=False, description="Also the persons whose journey has ended.")
    component: Identifier | None = Field(default=None, description="Only the persons of this component.")


# --- answers ---------------------------------------------------------------------------------------


class CustodianOut(BaseModel):
    kind: CustodianKind
    name: str
    component_id: str | None
    friendly: bool
    label: str


class HandOffOut(BaseModel):
    handoff_id: str
    giver: CustodianOut | None
    receiver: CustodianOut
    location: str
    at: datetime
    recorded_by: str
    recorded_side: Side
    status: HandOffStatus
    waits_for: Side | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    remarks: str


class ChecklistItemOut(BaseModel):
    item: str
    done_at: datetime | None


class PhaseOut(BaseModel):
    phase: Phase
    location: str
    facility: str
    component_id: str | None
    began_at: datetime
    began_by: str
    minimum_until: datetime | None
    checklist: list[ChecklistItemOut]
    decision: PhaseDecision | None
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str
    override_reason: str


class PersonRowOut(BaseModel):
    person_id: str
    incident_id: str
    name: str
    component_id: str
    duty_status: str
    lifecycle: str
    location: str
    custodian: str
    next_decision: str
    next_due: datetime | None
    ended: bool
    updated_at: datetime

    @classmethod
    def of(cls, row: Any) -> PersonRowOut:
        return cls.model_validate(row, from_attributes=True)


class JourneyOut(PersonRowOut):
    incident_title: str
    incident_stage: str
    isolating_event_at: datetime
    condition: str
    remains_identified: bool
    dustwun_due_at: datetime | None
    custody: list[HandOffOut]
    phases: list[PhaseOut]
    team: dict[TeamRole, str]
    team_roles: list[TeamRole]
    medical_care: str | None
    end: JourneyEnd | None
    ended_at: datetime | None
    timeline: list[TimelineEntryOut]
    allowed_actions: list[str]


class ActorOut(BaseModel):
    actor_id: str
    organisation: str
    kind: ActorKind
    contact: str
    role: str
    need_to_know: list[str]
    added_by: str
    added_at: datetime


class RequestOut(BaseModel):
    request_id: str
    kind: RequestKind
    actor_id: str
    text: str
    due_at: datetime | None
    overdue: bool
    source: str
    raised_by: str
    raised_at: datetime
    approval: Approval
    decided_by: str | None
    decided_at: datetime | None
    decision_remarks: str
    done_at: datetime | None
    outcome: str


class EntryOut(BaseModel):
    entry_id: str
    at: datetime
    source: str
    text: str
    actor_id: str | None
    recorded_by: str
    recorded_at: datetime


class CollectionItemOut(BaseModel):
    item_id: str
    item: str
    added_by: str
    added_at: datetime
    assigned_to: str
    due_at: datetime | None
    overdue: bool
    done_at: datetime | None
    done_by: str | None
    result: str


class AreaReportOut(BaseModel):
    layer_id: str
    name: str
    kind: str
    text: str
    source: str
    valid_from: datetime
    valid_to: datetime | None
    distance_km: float


class CasefileOut(BaseModel):
    incident_id: str
    version: int
    actors: list[ActorOut]
    requests: list[RequestOut]
    entries: list[EntryOut]
    collection: list[CollectionItemOut]
    area_reports: list[AreaReportOut]
    partial: bool = Field(description="True when need-to-know hides part of the interagency track from you.")
    allowed_actions: list[str] = Field(
        description="What you may do here now: add_actor, raise_request, decide_request, "
        "complete_request, add_entry, add_collection_item, complete_collection_item."
    )
