"""Commands: what a user (or the clock) asks the system to do. Imperative names.

Theater:   RegisterComponent, RegisterAsset, RegisterRecoveryPoint, ChangeAssetReadiness, PlanOperation,
           CommitAsset, ReleaseAsset, EndOperation
Incident:  ReportIncident, DeclareOrganicRecovery, RequestAssistance, OpenCapabilityPoll,
           AnswerCapabilityPoll, NominateSupport, ApproveNomination, RejectNomination,
           AcceptSupportTask, DeclineSupportTask, BeginRecovery, AbortRecovery, Replan,
           RecordRecovery, HandToReintegration, CloseIncident, DeclareDetained, RecordRelease,
           ChangeDutyStatus, UpdateTask, AddNarrativeEntry, CheckIn, SetCheckInInterval,
           UpdatePosition, RequestTaconTransfer, ApproveTaconTransfer, RejectTaconTransfer
Clock:     RaiseOverdueAlert, RaiseDustwunAlert
Locate:    DefineSearchModel, RecordSearchInformation, AdoptSearchPlan
Intel:     PublishLayer, WithdrawLayer, PublishDecisionMatrix
Accounts:  CreateUser, ChangePassword, SetUserActive, IssueToken, RevokeToken

Incident commands carry ``expected_version``: when given, the command is refused with a
concurrency conflict if the incident changed since the user read that version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from jprcc.domain.intel import LayerBody
from jprcc.domain.locate import Clue, DetectionLaw, SearchAsset, SearchModel, SearchPlan
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
from jprcc.domain.records import Contribution, Offer, OptionChoice, PersonReport


@dataclass(frozen=True, kw_only=True)
class Command:
    pass


# --- theater -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterComponent(Command):
    component_id: str
    name: str
    kind: ComponentKind
    prcc_name: str


@dataclass(frozen=True, kw_only=True)
class RegisterAsset(Command):
    asset_id: str
    callsign: str
    asset_type: str
    component_id: str
    capabilities: tuple[Capability, ...]
    base: Position
    base_name: str
    speed_kmh: float
    range_km: float
    endurance_h: float | None = None
    readiness: Readiness = Readiness.READY


@dataclass(frozen=True, kw_only=True)
class RegisterRecoveryPoint(Command):
    point_id: str
    name: str
    kind: RecoveryPointKind
    position: Position
    component_id: str | None = None
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangeAssetReadiness(Command):
    asset_id: str
    readiness: Readiness
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class PlanOperation(Command):
    operation_id: str
    name: str
    component_id: str
    priority: int
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class CommitAsset(Command):
    asset_id: str
    operation_id: str


@dataclass(frozen=True, kw_only=True)
class ReleaseAsset(Command):
    asset_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class EndOperation(Command):
    operation_id: str


# --- incidents -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IncidentCommand(Command):
    incident_id: str
    expected_version: int | None = None


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
class RequestAssistance(IncidentCommand):
    capabilities_needed: tuple[Capability, ...]
    reason: str
    cannot_recover: bool = False


@dataclass(frozen=True, kw_only=True)
class OpenCapabilityPoll(IncidentCommand):
    component_ids: tuple[str, ...]
    capabilities_needed: tuple[Capability, ...]
    respond_by: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AnswerCapabilityPoll(IncidentCommand):
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
class ApproveNomination(IncidentCommand):
    nomination_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class RejectNomination(IncidentCommand):
    nomination_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class AcceptSupportTask(IncidentCommand):
    component_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class DeclineSupportTask(IncidentCommand):
    component_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class BeginRecovery(IncidentCommand):
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
class ApproveTaconTransfer(IncidentCommand):
    request_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class RejectTaconTransfer(IncidentCommand):
    request_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RaiseOverdueAlert(IncidentCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RaiseDustwunAlert(IncidentCommand):
    person_id: str


# --- locate ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DefineSearchModel(IncidentCommand):
    """Define (or redefine) how the person is thought to move from the last known position.

    Once the actor is authorized, the model is prepared before it is decided: an evader's
    destinations are taken from the evasion plan of ``model.movement.from_epa`` (opening it is
    audited), a forcing file's digest is taken, and the model is simulated once — a model that
    cannot run is refused with nothing recorded."""

    model: SearchModel


@dataclass(frozen=True, kw_only=True)
class RecordSearchInformation(IncidentCommand):
    """A fix, a line of bearing, a voice report, or an area searched without success."""

    at: datetime
    body: Clue
    reliability: float = 1.0
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class AdoptSearchPlan(IncidentCommand):
    """Adopt search areas: given as a ``plan``, or computed for the ``assets`` on the map at
    ``at`` — the allocation runs only once the actor is authorized (the plan's id and author are
    set when it is decided)."""

    plan: SearchPlan | None = None
    assets: tuple[SearchAsset, ...] = ()
    at: datetime | None = None
    law: DetectionLaw = DetectionLaw.RANDOM
    cells: int = 200
    remarks: str = ""


# --- intelligence preparation ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PublishLayer(Command):
    """Publish a threat or civil layer; under an existing id it becomes that layer's next version."""

    layer_id: str
    name: str
    source: str
    confidence: SourceConfidence
    valid_from: datetime
    valid_to: datetime | None = None
    body: LayerBody


@dataclass(frozen=True, kw_only=True)
class WithdrawLayer(Command):
    layer_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class PublishDecisionMatrix(Command):
    """A new version of the threat-decision matrix, as its YAML text."""

    text: str


# --- accounts ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateUser(Command):
    username: str
    password: str = field(repr=False)
    role: Role
    component_id: str | None = None
    full_name: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangePassword(Command):
    """Users changing their own password give the current one; the director may reset any."""

    username: str
    new_password: str = field(repr=False)
    current_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, kw_only=True)
class SetUserActive(Command):
    username: str
    active: bool


@dataclass(frozen=True, kw_only=True)
class IssueToken(Command):
    """Open a session for a user whose password the entry point has just verified
    (``service.auth.login``): verification runs outside the write transaction."""

    username: str


@dataclass(frozen=True, kw_only=True)
class RevokeToken(Command):
    token: str = field(repr=False)


# --- isolated-personnel records --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthStatement:
    """One personal authentication statement: the prompt a recovery force asks, and the answer
    (which is hashed on arrival and never stored or shown)."""

    prompt: str
    answer: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class EpaDestination:
    name: str
    position: Position


@dataclass(frozen=True, kw_only=True)
class RecordIsoprep(Command):
    """A person's ISOPREP, new or reviewed. ``details``: identity and physical description
    (date of birth, height, weight, eyes, hair, marks, ...); photos are base64 JPEG or PNG."""

    person_ref: str
    name: str
    service: str
    unit: str
    component_id: str
    review_date: date
    details: tuple[tuple[str, str], ...] = ()
    photo_front: str | None = None
    photo_side: str | None = None
    statements: tuple[AuthStatement, ...] = ()
    authentication_number: str | None = field(default=None, repr=False)


@dataclass(frozen=True, kw_only=True)
class FileEpa(Command):
    """A person's evasion plan of action for one mission."""

    person_ref: str
    mission_id: str
    valid_from: datetime
    valid_to: datetime
    route: tuple[Position, ...] = ()
    hide_sites: tuple[Position, ...] = ()
    destinations: tuple[EpaDestination, ...] = ()
    signals: str = ""
    comm_plan: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordAuthentication(IncidentCommand):
    """The outcome of comparing an answer with statement ``statement`` (1-4; None: the
    authentication number) of the incident's person ``person_id``. Issued only by the
    authenticator (``jprcc.service.records``), which compares the answer outside the write
    transaction and never passes it on."""

    person_id: str
    statement: int | None
    matched: bool


@dataclass(frozen=True, kw_only=True)
class RecordRefusedAuthentication(IncidentCommand):
    """An answer that was not even compared (the record locked, or asked too fast): the try is
    kept in the audit chain all the same, with who asked. Issued only by the authenticator."""

    person_id: str
    statement: int | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class UnlockRecord(Command):
    person_ref: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class OpenRecord(Command):
    """Open part of a record (audited); ``incident_id`` is the active incident that justifies it."""

    person_ref: str
    part: str
    incident_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class RotateVaultKey(Command):
    new_key: bytes = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class ImportRecords(Command):
    """Several ISOPREPs recorded together: all of them, or none."""

    records: tuple[RecordIsoprep, ...]
