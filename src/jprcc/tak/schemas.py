"""Request bodies and answers of the TAK actions (fields named like the commands')."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from jprcc.api.schemas import Body, Identifier, Name
from jprcc.api.views import PositionOut
from jprcc.core.model import Environment

Remarks = Annotated[str, StringConstraints(max_length=500)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class BindIn(Body):
    """Name either the asset or the person's ISOPREP record (person_ref)."""

    asset_id: Identifier | None = Field(default=None, description="An asset of the theater.")
    person_ref: Identifier | None = Field(default=None, description="A person's ISOPREP record.")


class UnbindIn(Body):
    remarks: Remarks = ""


class AcknowledgeIn(Body):
    remarks: Remarks = ""


class ConfirmIn(Body):
    incident_id: Identifier | None = Field(
        default=None, description="Join this open incident (its position is updated from the alert)."
    )
    new_incident_id: Identifier | None = Field(
        default=None, description="The new incident's id; default PR-<callsign>-<ddHHMM>."
    )
    title: Annotated[str, StringConstraints(max_length=200)] = ""
    environment: Environment = Environment.LAND
    persons: list[Name] = Field(
        default_factory=list,
        max_length=20,
        description="For a device bound to an asset: who is isolated (default: the device's user).",
    )
    remarks: Remarks = ""


class DismissIn(Body):
    reason: Reason = Field(description="Why no incident: a false alarm, a test, cancelled and verified.")


class TestMessageIn(Body):
    text: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "JPRCC test message"


class DevicesQuery(BaseModel):
    unbound: bool = Field(default=False, description="Only the devices bound to nothing (to bind).")


class AlertsQuery(BaseModel):
    all: bool = Field(default=False, description="Also the alerts already confirmed or dismissed.")


# --- answers ---------------------------------------------------------------------------------------


class BindingOut(BaseModel):
    kind: str
    ref: str
    label: str
    component_id: str


class LinkOut(BaseModel):
    state: str = Field(description="up: its connection is open; down: closed; unknown: not heard yet.")
    connection: str | None


class DeviceOut(BaseModel):
    uid: str
    callsign: str
    cot_type: str
    binding: BindingOut | None
    first_seen_at: datetime
    last_report_at: datetime | None
    stale_at: datetime | None
    stale: bool = Field(description="Its last position is past the stale time the device gave it.")
    position: PositionOut | None
    ce_m: float | None
    course_deg: float | None
    speed_ms: float | None
    reports: int
    open_alerts: int
    link: LinkOut


class AlertOut(BaseModel):
    alert_id: str
    uid: str
    kind: str
    kind_label: str
    isolating: bool = Field(description="A 911 or ring-the-bell: someone may be isolated (the banner).")
    status: str
    callsign: str
    binding: BindingOut | None
    position: PositionOut | None
    ce_m: float | None
    reported_at: datetime
    received_at: datetime
    last_heard_at: datetime | None
    repeats: int
    acknowledged_by: str
    acknowledged_at: datetime | None
    cancelled_by_device: bool
    cancelled_at: datetime | None
    incident_id: str | None
    incident_created: bool
    decided_by: str
    decided_at: datetime | None
    remarks: str
    details: list[tuple[str, str]]
    suggested_incident: str | None = Field(
        description="An open incident the bound person is already in: confirming joins it by default."
    )
    allowed_actions: list[str]


class ConnectionOut(BaseModel):
    name: str
    role: str
    url: str
    peer: str
    audience: str
    state: str
    since: datetime
    devices: int
    counters: dict[str, int]
    rejected: dict[str, int]
    queued_urgent: int
    queued_routine: int
    last_error: str


class TestMessageOut(BaseModel):
    links: int = Field(description="How many links the message was queued on.")
