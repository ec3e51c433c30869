"""Request bodies. Every field is bounded; every answer to bad input names the field.

Strings may not hold NUL characters or unpaired surrogates (neither survives a database);
floats may not be NaN or infinite; times must carry a timezone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from jprcc.core.geo import CoordinateError, from_mgrs
from jprcc.core.model import (
    Capability,
    ComponentKind,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    Position,
    Readiness,
    RecoveryPointKind,
    ReportChannel,
    Role,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.core.values import Contribution, Offer, PersonReport

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Priority = Annotated[int, Field(ge=1, le=5, description="1 (highest) to 5 (lowest)")]
Version = Annotated[
    int | None,
    Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The incident version you decided on; refused if it changed.",
    ),
]


def _instant(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2999:
        raise ValueError("a time between the years 1900 and 2999")
    return value.astimezone(UTC)


Instant = Annotated[AwareDatetime, AfterValidator(_instant)]
"""A time with its zone, kept as UTC (e.g. 2026-11-25T03:10:00Z or 2026-11-25T05:10:00+02:00)."""


def _check_strings(value: Any, path: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{path}: text may not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"{path}: text is not valid Unicode") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, path)
            _check_strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_strings(item, f"{path}[{i}]")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_max_length=10_000)

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        _check_strings(data, "body")
        return data


class PositionIn(Body):
    """A position as lat/lon in decimal degrees, or as MGRS: give one form, not both."""

    lat: float | None = Field(default=None, ge=-90, le=90, examples=[33.3152])
    lon: float | None = Field(default=None, ge=-180, le=180, examples=[44.3661])
    mgrs: str | None = Field(default=None, max_length=32, examples=["38SMB4099486410"])

    @field_validator("mgrs")
    @classmethod
    def _valid_mgrs(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                from_mgrs(value)
            except CoordinateError as exc:
                raise ValueError(str(exc)) from exc
        return value

    @model_validator(mode="after")
    def _one_form(self) -> PositionIn:
        has_latlon = self.lat is not None and self.lon is not None
        if has_latlon == (self.mgrs is not None) or (self.lat is None) != (self.lon is None):
            raise ValueError("give either lat and lon, or mgrs")
        return self

    def to_domain(self) -> Position:
        if self.mgrs is not None:
            return from_mgrs(self.mgrs)
        assert self.lat is not None
        assert self.lon is not None
        return Position(self.lat, self.lon)

    def command_fields(self) -> dict[str, float]:
        """As a command carries it: lat/lon, whichever form was given."""
        p = self.to_domain()
        return {"lat": p.lat, "lon": p.lon}


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


class OrganicRecoveryIn(IncidentAction):
    plan: RequiredText


class AssistanceRequestIn(IncidentAction):
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


class PollAnswerIn(IncidentAction):
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


class DecisionIn(IncidentAction):
    nomination_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    remarks: Text = ""


class RejectionIn(IncidentAction):
    nomination_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    reason: RequiredText


class RemarksIn(IncidentAction):
    remarks: Text = ""


class ReasonIn(IncidentAction):
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


class ReleaseIn(IncidentAction):
    person_ids: list[Identifier] = Field(min_length=1, max_length=200)
    remarks: Text = ""


class DutyStatusIn(IncidentAction):
    status: DutyStatus
    remains_identified: bool = False
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


class TaconDecisionIn(IncidentAction):
    request_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    remarks: Text = ""


class TaconRejectionIn(IncidentAction):
    request_id: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    reason: RequiredText


# --- theater and accounts ------------------------------------------------------------------


class ComponentCreate(Body):
    component_id: Identifier
    name: Name
    kind: ComponentKind
    prcc_name: Name


class AssetCreate(Body):
    asset_id: Identifier
    callsign: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    asset_type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    component_id: Identifier
    capabilities: list[Capability] = Field(min_length=1, max_length=20)
    base: PositionIn
    base_name: Annotated[str, StringConstraints(max_length=200)] = ""
    speed_kmh: float = Field(gt=0, le=5000)
    range_km: float = Field(gt=0, le=50_000)
    endurance_h: float | None = Field(default=None, gt=0, le=1000)
    readiness: Readiness = Readiness.READY


class RecoveryPointCreate(Body):
    point_id: Identifier
    name: Name
    kind: RecoveryPointKind
    position: PositionIn
    component_id: Identifier | None = None
    remarks: Text = ""


class ReadinessIn(Body):
    readiness: Readiness
    remarks: Text = ""


class OperationCreate(Body):
    operation_id: Identifier
    name: Name
    component_id: Identifier
    priority: Priority
    description: Text = ""


class CommitmentIn(Body):
    operation_id: Identifier


class AssetReleaseIn(Body):
    reason: RequiredText


class UserCreate(Body):
    username: Annotated[str, StringConstraints(min_length=2, max_length=32)]
    password: Annotated[str, StringConstraints(min_length=8, max_length=256)]
    role: Role
    component_id: Identifier | None = None
    full_name: Annotated[str, StringConstraints(max_length=200)] = ""


class PasswordIn(Body):
    new_password: Annotated[str, StringConstraints(min_length=8, max_length=256)]
    current_password: Annotated[
        str | None,
        Field(default=None, max_length=256, description="Needed when you change your own password."),
    ] = None


class ActiveIn(Body):
    active: bool
