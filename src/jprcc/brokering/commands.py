"""Incident commands: the brokering flow, casework, TACON, and the clock's alerts.

Incident commands carry ``expected_version``: when given, the command is refused with a
concurrency conflict if the incident changed since the user read that version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.core.commands import Command
from jprcc.core.model import (
    Capability,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    Position,
    PRTask,
    ReportChannel,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.core.values import Contribution, Offer, OnBehalf, OptionChoice, PersonReport

# --- incidents -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IncidentCommand(Command):
    incident_id: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class RelayableCommand(IncidentCommand):
    """A decision its owner may give by voice: the JPRCC records it ``on_behalf`` of the one who
    gave it (who, and how it came), and that party may later confirm or dispute the record."""

    on_behalf: OnBehalf | None = None


@dataclass(frozen=True, kw_only=True)
class ReportIncident(IncidentCommand):
    title: str
    owning_component: str
    isolating_event_at: datetime
    position: Position
    uncertainty_m: float
    channel: ReportChannel
    source_confidence: SourceConfidence
    persons: tuple[PersonReport, ...]
    environment: Environment
    priority: int = 1
    summary: str = ""
    check_in_interval_s: int | None = None


@dataclass(frozen=True, kw_only=True)
class DeclareOrganicRecovery(IncidentCommand):
    plan: str


@dataclass(frozen=True, kw_only=True)
class RequestAssistance(RelayableCommand):
    capabilities_needed: tuple[Capability, ...]
    reason: str
    cannot_recover: bool = False


@dataclass(frozen=True, kw_only=True)
class OpenCapabilityPoll(IncidentCommand):
    component_ids: tuple[str, ...]
    capabilities_needed: tuple[Capability, ...]
    respond_by: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AnswerCapabilityPoll(RelayableCommand):
    component_id: str
    offers: tuple[Offer, ...] = ()
    cannot_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class NominateSupport(IncidentCommand):
    supported_component: str
    contributions: tuple[Contribution, ...]
    support_kind: SupportKind
    priority: int
    window_start: datetime
    window_end: datetime
    desired_effects: str
    rationale: str = ""
    adopted_option: OptionChoice | None = None
    alternatives: tuple[OptionChoice, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ApproveNomination(RelayableCommand):
    nomination_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class RejectNomination(RelayableCommand):
    nomination_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class AcceptSupportTask(RelayableCommand):
    component_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class DeclineSupportTask(RelayableCommand):
    component_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class BeginRecovery(RelayableCommand):
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class AbortRecovery(IncidentCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class Replan(IncidentCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordRecovery(IncidentCommand):
    person_ids: tuple[str, ...] = ()
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class HandToReintegration(IncidentCommand):
    receiving_team: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class CloseIncident(IncidentCommand):
    disposition: Disposition
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class DeclareDetained(IncidentCommand):
    person_ids: tuple[str, ...]
    detaining_party: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class OrderDeliberateRecovery(RelayableCommand):
    """The JFC decides that detained persons are to be recovered by force (a raid on where they
    are held), beside the negotiation: the recovery is then brokered like any other."""

    person_ids: tuple[str, ...]
    capabilities_needed: tuple[Capability, ...]
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordRelease(IncidentCommand):
    person_ids: tuple[str, ...]
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangeDutyStatus(IncidentCommand):
    person_id: str
    status: DutyStatus
    remains_identified: bool = False
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangeCondition(IncidentCommand):
    """A person's condition as now known (a casualty report over the radio, an ISR observation)."""

    person_id: str
    condition: Condition
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class UpdateTask(IncidentCommand):
    task: PRTask
    status: TaskStatus
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class AddNarrativeEntry(IncidentCommand):
    text: str


@dataclass(frozen=True, kw_only=True)
class CheckIn(IncidentCommand):
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class SetCheckInInterval(IncidentCommand):
    interval_s: int


@dataclass(frozen=True, kw_only=True)
class UpdatePosition(IncidentCommand):
    position: Position
    uncertainty_m: float
    channel: ReportChannel
    source_confidence: SourceConfidence
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class RequestTaconTransfer(IncidentCommand):
    asset_ids: tuple[str, ...]
    from_component: str
    to_component: str
    begin: datetime
    end: datetime
    reason: str


@dataclass(frozen=True, kw_only=True)
class ApproveTaconTransfer(RelayableCommand):
    request_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class RejectTaconTransfer(RelayableCommand):
    request_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RaiseOverdueAlert(IncidentCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RaiseDustwunAlert(IncidentCommand):
    person_id: str


@dataclass(frozen=True, kw_only=True)
class ConfirmRelayedDecision(IncidentCommand):
    """The party a decision was recorded for says the record is right."""

    record_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class DisputeRelayedDecision(IncidentCommand):
    """The party a decision was recorded for says the record is wrong, and why."""

    record_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ResolveRelayedDispute(IncidentCommand):
    """The JPRCC says how a disputed record was settled (called back, corrected, re-planned)."""

    record_id: str
    resolution: str
