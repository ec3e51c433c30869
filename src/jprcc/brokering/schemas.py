"""The request bodies of the incident actions: each field bounded, each named like its command's."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from jprcc.api.schemas import (
    Body,
    Identifier,
    Instant,
    Name,
    PositionIn,
    Priority,
    RequiredText,
    Text,
    Version,
)
from jprcc.core.model import (
    Capability,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    RelayChannel,
    ReportChannel,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.core.values import Contribution, Offer, OnBehalf, PersonReport


class PersonIn(Body):
    name: Name
    service: Annotated[str, StringConstraints(max_length=64)] = ""
    component_id: Identifier
    unit: Annotated[str, StringConstraints(max_length=200)] = ""
    condition: Condition = Condition.UNKNOWN
    duty_status: DutyStatus = DutyStatus.ISOLATED
    person_ref: Identifier | None = None

    def to_domain(self) -> PersonReport:
        return PersonReport(
            self.name,
            self.service,
            self.component_id,
            self.unit,
            self.condition,
            self.duty_status,
            self.person_ref,
        )


class IncidentCreate(Body):
    incident_id: Identifier | None = Field(default=None, description="Leave out to have one assigned.")
    title: Name
    owning_component: Identifier
    isolating_event_at: Instant
    position: PositionIn
    uncertainty_m: float = Field(ge=0, le=2_000_000)
    channel: ReportChannel
    source_confidence: SourceConfidence
    persons: list[PersonIn] = Field(min_length=1, max_length=200)
    environment: Environment
    priority: Priority = 1
    summary: Text = ""
    check_in_interval_s: int | None = Field(default=None, ge=60, le=7 * 24 * 3600)


class IncidentAction(Body):
    expected_version: Version = None


class OnBehalfIn(Body):
    """Who gave the decision by voice, and how it came; the recorder is the one logged in."""

    given_by: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Name and rank of the one who gave the decision, as said on the line."
    )
    channel: RelayChannel

    def to_domain(self) -> OnBehalf:
        return OnBehalf(self.given_by, self.channel)


class RelayableAction(IncidentAction):
    on_behalf: OnBehalfIn | None = Field(
        default=None,
        description="Set when the JPRCC records a decision given by voice on its giver's behalf.",
    )


class OrganicRecoveryIn(IncidentAction):
    plan: RequiredText


class AssistanceRequestIn(RelayableAction):
    capabilities_needed: list[Capability] = Field(default_factory=list, max_length=20)
    reason: RequiredText
    cannot_recover: bool = False


class CapabilityPollIn(IncidentAction):
    component_ids: list[Identifier] = Field(min_length=1, max_length=50)
    capabilities_needed: list[Capability] = Field(default_factory=list, max_length=20)
    respond_by: Instant | None = None


class OfferIn(Body):
    asset_id: Identifier
    capability: Capability
    available_at: Instant
    release_from_operation: bool = False
    remarks: Text = ""

    def to_domain(self) -> Offer:
        return Offer(
            self.asset_id, self.capability, self.available_at, self.release_from_operation, self.remarks
        )


class PollAnswerIn(RelayableAction):
    component_id: Identifier
    offers: list[OfferIn] = Field(default_factory=list, max_length=100)
    cannot_reason: Text | None = None


class ContributionIn(Body):
    component_id: Identifier
    asset_ids: list[Identifier] = Field(min_length=1, max_length=100)
    task: RequiredText

    def to_domain(self) -> Contribution:
        return Contribution(self.component_id, tuple(self.asset_ids), self.task)


class NominationIn(IncidentAction):
    supported_component: Identifier
    contributions: list[ContributionIn] = Field(min_length=1, max_length=50)
    support_kind: SupportKind = SupportKind.DIRECT
    priority: Priority = 1
    window_start: Instant
    window_end: Instant
    desired_effects: RequiredText
    rationale: Text = ""


class DecisionIn(RelayableAction):
    nomination_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    remarks: Text = ""


class RejectionIn(RelayableAction):
    nomination_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    reason: RequiredText


class RemarksIn(IncidentAction):
    remarks: Text = ""


class ReasonIn(IncidentAction):
    reason: RequiredText


class RelayedRemarksIn(RelayableAction):
    remarks: Text = ""


class RelayedReasonIn(RelayableAction):
    reason: RequiredText


class RecordAnswerIn(IncidentAction):
    record_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    remarks: Text = ""


class RecordResolutionIn(IncidentAction):
    record_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    resolution: RequiredText


class RecordDisputeIn(IncidentAction):
    record_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    reason: RequiredText


class RecoveryIn(IncidentAction):
    person_ids: list[Identifier] = Field(
        default_factory=list, max_length=200, description="Leave empty for every person still isolated."
    )
    remarks: Text = ""


class ReintegrationIn(IncidentAction):
    receiving_team: Name
    remarks: Text = ""


class CloseIn(IncidentAction):
    disposition: Disposition
    remarks: Text = ""


class DetentionIn(IncidentAction):
    person_ids: list[Identifier] = Field(min_length=1, max_length=200)
    detaining_party: Name
    remarks: Text = ""


class DeliberateRecoveryIn(RelayableAction):
    person_ids: list[Identifier] = Field(min_length=1, max_length=200)
    capabilities_needed: list[Capability] = Field(
        default_factory=list,
        max_length=20,
        description="What the raid needs; empty: a special-operations team and ISR.",
    )
    reason: RequiredText


class ReleaseIn(IncidentAction):
    person_ids: list[Identifier] = Field(min_length=1, max_length=200)
    remarks: Text = ""


class DutyStatusIn(IncidentAction):
    status: DutyStatus
    remains_identified: bool = False
    remarks: Text = ""


class ConditionIn(IncidentAction):
    condition: Condition
    remarks: Text = ""


class TaskStatusIn(IncidentAction):
    status: TaskStatus
    remarks: Text = ""


class NarrativeIn(IncidentAction):
    text: RequiredText


class IntervalIn(IncidentAction):
    interval_s: int = Field(ge=60, le=7 * 24 * 3600)


class PositionUpdateIn(IncidentAction):
    position: PositionIn
    uncertainty_m: float = Field(ge=0, le=2_000_000)
    channel: ReportChannel
    source_confidence: SourceConfidence
    remarks: Text = ""


class TaconRequestIn(IncidentAction):
    asset_ids: list[Identifier] = Field(min_length=1, max_length=100)
    from_component: Identifier
    to_component: Identifier
    begin: Instant
    end: Instant
    reason: RequiredText


class TaconDecisionIn(RelayableAction):
    request_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    remarks: Text = ""


class TaconRejectionIn(RelayableAction):
    request_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    reason: RequiredText
