"""Incident events: the brokering flow, casework, TACON, alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from jprcc.core.events import Event, event
from jprcc.core.model import (
    Capability,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    Position,
    PRTask,
    RelayChannel,
    ReportChannel,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.core.values import CommandRelationship, Contribution, Offer, OptionChoice, PersonReport

# --- incidents -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IncidentEvent(Event):
    stream_kind: ClassVar[str] = "incident"
    incident_id: str

    @property
    def stream_id(self) -> str:
        return f"incident:{self.incident_id}"


@dataclass(frozen=True, slots=True)
class ReportedPerson:
    person_id: str
    report: PersonReport


@event("incident_reported")
@dataclass(frozen=True, kw_only=True)
class IncidentReported(IncidentEvent):
    title: str
    owning_component: str
    isolating_event_at: datetime
    position: Position
    uncertainty_m: float
    channel: ReportChannel
    source_confidence: SourceConfidence
    persons: tuple[ReportedPerson, ...]
    environment: Environment
    priority: int
    summary: str
    check_in_interval_s: int
    reported_by: str


@event("organic_recovery_declared")
@dataclass(frozen=True, kw_only=True)
class OrganicRecoveryDeclared(IncidentEvent):
    plan: str


@event("assistance_requested")
@dataclass(frozen=True, kw_only=True)
class AssistanceRequested(IncidentEvent):
    capabilities_needed: tuple[Capability, ...]
    reason: str
    cannot_recover: bool


@event("capability_poll_opened")
@dataclass(frozen=True, kw_only=True)
class CapabilityPollOpened(IncidentEvent):
    poll_id: str
    component_ids: tuple[str, ...]
    capabilities_needed: tuple[Capability, ...]
    respond_by: datetime | None


@event("capability_poll_answered")
@dataclass(frozen=True, kw_only=True)
class CapabilityPollAnswered(IncidentEvent):
    poll_id: str
    component_id: str
    offers: tuple[Offer, ...]
    cannot_reason: str | None
    answered_by: str


@event("support_nominated")
@dataclass(frozen=True, kw_only=True)
class SupportNominated(IncidentEvent):
    nomination_id: str
    supported_component: str
    contributions: tuple[Contribution, ...]
    support_kind: SupportKind
    priority: int
    window_start: datetime
    window_end: datetime
    desired_effects: str
    rationale: str
    nominated_by: str
    adopted_option: OptionChoice | None = None
    alternatives: tuple[OptionChoice, ...] = ()


@event("nomination_approved")
@dataclass(frozen=True, kw_only=True)
class NominationApproved(IncidentEvent):
    """The JFC's approval. It puts a support directive in force and opens one support
    relationship per supporting component; none of them transfers TACON."""

    nomination_id: str
    directive_id: str
    approved_by: str
    remarks: str
    tacon_statement: str
    relationships: tuple[CommandRelationship, ...]


@event("nomination_rejected")
@dataclass(frozen=True, kw_only=True)
class NominationRejected(IncidentEvent):
    nomination_id: str
    reason: str
    rejected_by: str


@event("support_task_accepted")
@dataclass(frozen=True, kw_only=True)
class SupportTaskAccepted(IncidentEvent):
    component_id: str
    remarks: str


@event("support_task_declined")
@dataclass(frozen=True, kw_only=True)
class SupportTaskDeclined(IncidentEvent):
    component_id: str
    reason: str


@event("recovery_begun")
@dataclass(frozen=True, kw_only=True)
class RecoveryBegun(IncidentEvent):
    remarks: str


@event("recovery_aborted")
@dataclass(frozen=True, kw_only=True)
class RecoveryAborted(IncidentEvent):
    reason: str


@event("incident_replanned")
@dataclass(frozen=True, kw_only=True)
class IncidentReplanned(IncidentEvent):
    """The directive in force is superseded; its relationships end now."""

    reason: str
    superseded_directive_id: str | None


@event("persons_recovered")
@dataclass(frozen=True, kw_only=True)
class PersonsRecovered(IncidentEvent):
    person_ids: tuple[str, ...]
    remarks: str


@event("handed_to_reintegration")
@dataclass(frozen=True, kw_only=True)
class HandedToReintegration(IncidentEvent):
    receiving_team: str
    remarks: str


@event("incident_closed")
@dataclass(frozen=True, kw_only=True)
class IncidentClosed(IncidentEvent):
    """Closing ends every open command relationship of the incident at ``at``."""

    disposition: Disposition
    remarks: str


@event("persons_detained")
@dataclass(frozen=True, kw_only=True)
class PersonsDetained(IncidentEvent):
    person_ids: tuple[str, ...]
    detaining_party: str
    remarks: str


@event("deliberate_recovery_ordered")
@dataclass(frozen=True, kw_only=True)
class DeliberateRecoveryOrdered(IncidentEvent):
    person_ids: tuple[str, ...]
    capabilities_needed: tuple[Capability, ...]
    reason: str


@event("persons_released")
@dataclass(frozen=True, kw_only=True)
class PersonsReleased(IncidentEvent):
    person_ids: tuple[str, ...]
    remarks: str


@event("duty_status_changed")
@dataclass(frozen=True, kw_only=True)
class DutyStatusChanged(IncidentEvent):
    person_id: str
    previous: DutyStatus
    status: DutyStatus
    remains_identified: bool
    remarks: str


@event("condition_changed")
@dataclass(frozen=True, kw_only=True)
class ConditionChanged(IncidentEvent):
    person_id: str
    previous: Condition
    condition: Condition
    remarks: str


@event("task_status_changed")
@dataclass(frozen=True, kw_only=True)
class TaskStatusChanged(IncidentEvent):
    task: PRTask
    previous: TaskStatus
    status: TaskStatus
    remarks: str


@event("narrative_entry_added")
@dataclass(frozen=True, kw_only=True)
class NarrativeEntryAdded(IncidentEvent):
    entry_id: str
    author: str
    text: str


@event("checked_in")
@dataclass(frozen=True, kw_only=True)
class CheckedIn(IncidentEvent):
    by: str
    remarks: str


@event("check_in_interval_set")
@dataclass(frozen=True, kw_only=True)
class CheckInIntervalSet(IncidentEvent):
    interval_s: int


@event("position_updated")
@dataclass(frozen=True, kw_only=True)
class PositionUpdated(IncidentEvent):
    position: Position
    uncertainty_m: float
    channel: ReportChannel
    source_confidence: SourceConfidence
    remarks: str


@event("incident_overdue")
@dataclass(frozen=True, kw_only=True)
class IncidentOverdue(IncidentEvent):
    """No component updated the incident within its check-in interval."""

    due_at: datetime
    last_update_at: datetime


@event("dustwun_redesignation_due")
@dataclass(frozen=True, kw_only=True)
class DustwunRedesignationDue(IncidentEvent):
    person_id: str
    declared_at: datetime


@event("tacon_transfer_requested")
@dataclass(frozen=True, kw_only=True)
class TaconTransferRequested(IncidentEvent):
    request_id: str
    asset_ids: tuple[str, ...]
    from_component: str
    to_component: str
    begin: datetime
    end: datetime
    reason: str
    requested_by: str


@event("tacon_transfer_approved")
@dataclass(frozen=True, kw_only=True)
class TaconTransferApproved(IncidentEvent):
    request_id: str
    approved_by: str
    remarks: str
    relationship: CommandRelationship


@event("tacon_transfer_rejected")
@dataclass(frozen=True, kw_only=True)
class TaconTransferRejected(IncidentEvent):
    request_id: str
    rejected_by: str
    reason: str


@event("decision_relayed")
@dataclass(frozen=True, kw_only=True)
class DecisionRelayed(IncidentEvent):
    """A decision given by voice, recorded by the JPRCC on its giver's behalf. It follows the
    event(s) of the decision itself, which carry the recorder as their actor."""

    record_id: str
    decision: str
    party: str
    given_by: str
    channel: RelayChannel
    recorded_by: str


@event("relayed_decision_confirmed")
@dataclass(frozen=True, kw_only=True)
class RelayedDecisionConfirmed(IncidentEvent):
    record_id: str
    confirmed_by: str
    remarks: str


@event("relayed_decision_disputed")
@dataclass(frozen=True, kw_only=True)
class RelayedDecisionDisputed(IncidentEvent):
    record_id: str
    disputed_by: str
    reason: str


@event("relayed_dispute_resolved")
@dataclass(frozen=True, kw_only=True)
class RelayedDisputeResolved(IncidentEvent):
    record_id: str
    resolved_by: str
    resolution: str
