"""Events: facts that happened, in the past tense. The event log is made of these.

Each event has a stable ``name`` (the type stored in the log; never rename one) and
belongs to one stream (``stream_id``): one per incident, asset, component, operation or
account. Every event carries ``at``, the UTC time the fact took effect.

Catalogue
---------
theater     ComponentRegistered, AssetRegistered, RecoveryPointRegistered, AssetReadinessChanged,
            OperationPlanned,
            AssetCommitted, AssetReleased, OperationEnded
incident    IncidentReported, OrganicRecoveryDeclared, AssistanceRequested,
            CapabilityPollOpened, CapabilityPollAnswered, SupportNominated,
            NominationApproved, NominationRejected, SupportTaskAccepted, SupportTaskDeclined,
            RecoveryBegun, RecoveryAborted, IncidentReplanned, PersonsRecovered,
            HandedToReintegration, IncidentClosed, PersonsDetained, PersonsReleased,
            DutyStatusChanged, TaskStatusChanged, NarrativeEntryAdded, CheckedIn,
            CheckInIntervalSet, PositionUpdated, IncidentOverdue, DustwunRedesignationDue,
            TaconTransferRequested, TaconTransferApproved, TaconTransferRejected
locate      SearchModelDefined, SearchInformationRecorded, SearchPlanAdopted — in
            ``locate_events``
intel       LayerPublished, LayerWithdrawn, DecisionMatrixPublished
accounts    UserCreated, PasswordChanged, UserActiveChanged, UserLoggedIn, TokenRevoked
records     IsoprepRecorded, EpaFiled, RecordOpened, RecordUnlocked, AuthenticationAttempted and
            AuthenticationRefused (incident events), VaultKeyRotated — in ``isoprep_events``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, TypeVar

from jprcc.domain.intel import IntelLayer
from jprcc.domain.model import (
    Capability,
    ComponentKind,
    Disposition,
    DutyStatus,
    Environment,
    Position,
    PRTask,
    Readiness,
    RecoveryPointKind,
    ReportChannel,
    Role,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.domain.records import CommandRelationship, Contribution, Offer, OptionChoice, PersonReport

E = TypeVar("E", bound="type[Event]")


def event(name: str) -> Callable[[E], E]:
    """Class decorator: the event type's stable stored name. It registers nothing: a capability
    lists its event types, and the node's registry refuses a name claimed twice."""

    def name_it(cls: E) -> E:
        cls.type_name = name
        return cls

    return name_it


@dataclass(frozen=True, kw_only=True)
class Event:
    type_name: ClassVar[str] = "event"
    stream_kind: ClassVar[str] = ""
    """The kind of stream the event lives on (``incident``, ``asset``, ...): ``stream_id`` is
    ``<kind>:<key>``; a capability that owns the kind folds such streams into a state."""
    at: datetime

    @property
    def stream_id(self) -> str:
        raise NotImplementedError


# --- theater -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ComponentEvent(Event):
    stream_kind: ClassVar[str] = "component"
    component_id: str

    @property
    def stream_id(self) -> str:
        return f"component:{self.component_id}"


@event("component_registered")
@dataclass(frozen=True, kw_only=True)
class ComponentRegistered(ComponentEvent):
    name: str
    kind: ComponentKind
    prcc_name: str


@dataclass(frozen=True, kw_only=True)
class AssetEvent(Event):
    stream_kind: ClassVar[str] = "asset"
    asset_id: str

    @property
    def stream_id(self) -> str:
        return f"asset:{self.asset_id}"


@event("asset_registered")
@dataclass(frozen=True, kw_only=True)
class AssetRegistered(AssetEvent):
    callsign: str
    asset_type: str
    component_id: str
    capabilities: tuple[Capability, ...]
    base: Position
    base_name: str
    speed_kmh: float
    range_km: float
    endurance_h: float | None
    readiness: Readiness


@event("asset_readiness_changed")
@dataclass(frozen=True, kw_only=True)
class AssetReadinessChanged(AssetEvent):
    readiness: Readiness
    remarks: str


@event("asset_committed")
@dataclass(frozen=True, kw_only=True)
class AssetCommitted(AssetEvent):
    operation_id: str
    priority: int


@event("asset_released")
@dataclass(frozen=True, kw_only=True)
class AssetReleased(AssetEvent):
    operation_id: str
    reason: str


@event("recovery_point_registered")
@dataclass(frozen=True, kw_only=True)
class RecoveryPointRegistered(Event):
    stream_kind: ClassVar[str] = "recovery_point"
    point_id: str
    name: str
    kind: RecoveryPointKind
    position: Position
    component_id: str | None
    remarks: str

    @property
    def stream_id(self) -> str:
        return f"recovery_point:{self.point_id}"


@dataclass(frozen=True, kw_only=True)
class OperationEvent(Event):
    stream_kind: ClassVar[str] = "operation"
    operation_id: str

    @property
    def stream_id(self) -> str:
        return f"operation:{self.operation_id}"


@event("operation_planned")
@dataclass(frozen=True, kw_only=True)
class OperationPlanned(OperationEvent):
    name: str
    component_id: str
    priority: int
    description: str


@event("operation_ended")
@dataclass(frozen=True, kw_only=True)
class OperationEnded(OperationEvent):
    pass


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


# --- intelligence preparation ------------------------------------------------------------


@event("layer_published")
@dataclass(frozen=True, kw_only=True)
class LayerPublished(Event):
    stream_kind: ClassVar[str] = "layer"
    layer: IntelLayer

    @property
    def stream_id(self) -> str:
        return f"layer:{self.layer.layer_id}"


@event("layer_withdrawn")
@dataclass(frozen=True, kw_only=True)
class LayerWithdrawn(Event):
    stream_kind: ClassVar[str] = "layer"
    layer_id: str
    version: int
    reason: str
    by: str

    @property
    def stream_id(self) -> str:
        return f"layer:{self.layer_id}"


@event("decision_matrix_published")
@dataclass(frozen=True, kw_only=True)
class DecisionMatrixPublished(Event):
    stream_kind: ClassVar[str] = "decision_matrix"
    version: int
    text: str
    by: str

    @property
    def stream_id(self) -> str:
        return "decision_matrix"


# --- accounts ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AccountEvent(Event):
    stream_kind: ClassVar[str] = "user"
    username: str

    @property
    def stream_id(self) -> str:
        return f"user:{self.username}"


@event("user_created")
@dataclass(frozen=True, kw_only=True)
class UserCreated(AccountEvent):
    role: Role
    component_id: str | None
    full_name: str
    created_by: str


@event("password_changed")
@dataclass(frozen=True, kw_only=True)
class PasswordChanged(AccountEvent):
    changed_by: str


@event("user_active_changed")
@dataclass(frozen=True, kw_only=True)
class UserActiveChanged(AccountEvent):
    active: bool
    changed_by: str


@event("user_logged_in")
@dataclass(frozen=True, kw_only=True)
class UserLoggedIn(AccountEvent):
    token_id: str
    expires_at: datetime


@event("token_revoked")
@dataclass(frozen=True, kw_only=True)
class TokenRevoked(AccountEvent):
    token_id: str
